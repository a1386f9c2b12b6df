"""`accord selection`: the decision report from the command line."""

from __future__ import annotations

from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def selection() -> None:
    """Partner selection: evaluations and their decision reports."""


@selection.command()
@click.argument("slug")
@click.option(
    "--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the PDF here."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML here.",
)
def report(slug: str, pdf_path: Path | None, html_path: Path | None) -> None:
    """Write the decision report of the evaluation SLUG as PDF and/or HTML."""
    from accord.cli import setup_django

    setup_django()
    from accord.selection import report as report_module
    from accord.selection.models import Evaluation

    if pdf_path is None and html_path is None:
        raise click.UsageError("Give --pdf FILE, --html FILE or both.")
    evaluation = Evaluation.objects.filter(slug=slug).first()
    if evaluation is None:
        raise click.ClickException(
            f"There is no evaluation “{slug}”; see the Evaluations page for slugs."
        )
    try:
        if html_path is not None:
            html_path.write_text(
                report_module.render_html(evaluation, standalone=True), encoding="utf-8"
            )
            click.echo(f"Wrote {html_path}")
        if pdf_path is not None:
            pdf_path.write_bytes(report_module.render_pdf(evaluation))
            click.echo(f"Wrote {pdf_path}")
    except OSError as exc:
        raise click.ClickException(
            f"Could not write the report: {exc.strerror} ({exc.filename})."
        ) from None


@selection.command("refresh-flags")
@click.argument("slug", required=False)
def refresh_flags(slug: str | None) -> None:
    """Recompute the red flags of undecided evaluations (or of SLUG) as of today.

    Flags follow every change made through Accord at once; what changes with time alone (a
    certificate expiring when no start date is set, a question left unanswered) the worker
    catches up every ACCORD_FLAG_REFRESH_HOURS (24 by default). This does it now.
    """
    from accord.cli import setup_django

    setup_django()
    from accord.selection import actions
    from accord.selection.models import Evaluation, EvaluationStatus

    evaluations = Evaluation.objects.exclude(status=EvaluationStatus.DECIDED).order_by("slug")
    if slug is not None:
        evaluations = Evaluation.objects.filter(slug=slug)
        found = evaluations.first()
        if found is None:
            raise click.ClickException(
                f"There is no evaluation “{slug}”; see the Evaluations page for slugs."
            )
        if found.status == EvaluationStatus.DECIDED:
            raise click.ClickException(
                f"“{slug}” is decided; its flags stay those the decision was taken on."
            )
    for evaluation in evaluations:
        flags = actions.refresh_red_flags(evaluation=evaluation)
        click.echo(f"{evaluation.slug}: {len(flags)} red flag(s)")
