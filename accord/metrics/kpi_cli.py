"""`accord kpis`: import KPI values and survey responses, recompute and export measurements, and
write the KPI report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click


def _setup() -> None:
    from accord.cli import setup_django

    setup_django()


def _actor_and_engagement(username: str | None, slug: str, *, manage: bool) -> tuple[Any, Any]:
    """The acting user (None: the operator at the server) and the engagement, per the policy."""
    from accord.accounts import policy
    from accord.accounts.models import User
    from accord.engagements.models import Engagement

    actor = None
    engagements = Engagement.objects.all()
    if username:
        actor = User.objects.filter(username=username).first()
        if actor is None:
            raise click.ClickException(f"There is no user “{username}”.")
        engagements = policy.visible_engagements(actor)
    engagement = engagements.filter(slug=slug).first()
    if engagement is None:
        raise click.ClickException(f"There is no engagement “{slug}”.")
    if manage and actor is not None and not policy.can(actor, policy.Perm.MANAGE_KPI, engagement):
        raise click.ClickException(f"{username} may not change the KPIs of {engagement}.")
    return actor, engagement


def _day(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise click.BadParameter(
            f"“{value}” is not a date; write it as YYYY-MM-DD.", param_hint=name
        ) from None


@click.group()
def kpis() -> None:
    """KPI values, survey responses and measurements of an engagement."""


def _import(kind: str, path: Path, slug: str, username: str | None) -> None:
    _setup()
    from django.core.exceptions import ValidationError

    from accord.metrics import actions

    actor, engagement = _actor_and_engagement(username, slug, manage=True)
    run = actions.import_kpi_values if kind == "values" else actions.import_survey_responses
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        result = run(actor=actor, engagement=engagement, data=data)
    except ValidationError as exc:
        raise click.ClickException(f"{' '.join(exc.messages)} Nothing was written.") from None
    click.echo(f"Imported into {engagement}: {result.as_text()}.")


_ENGAGEMENT = click.option(
    "--engagement", "engagement_slug", required=True, help="Engagement slug."
)
_USER = click.option(
    "--user", "username", help="Act as this user (checked against the access policy)."
)


@kpis.command("import-values")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@_ENGAGEMENT
@_USER
def import_values(path: Path, engagement_slug: str, username: str | None) -> None:
    """Import manual KPI values from CSV: kpi, period start, period end, value, note.

    All rows or none: a bad cell is reported by row and column. Re-importing changes nothing.
    """
    _import("values", path, engagement_slug, username)


@kpis.command("import-surveys")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@_ENGAGEMENT
@_USER
def import_surveys(path: Path, engagement_slug: str, username: str | None) -> None:
    """Import CSAT/NPS survey responses from CSV: kind, score, responded at, respondent, comment.

    All rows or none: a bad cell is reported by row and column. Re-importing changes nothing.
    """
    _import("surveys", path, engagement_slug, username)


@kpis.command()
@click.argument("engagement_slug")
@click.option("--since", help="Only periods overlapping this day or later (YYYY-MM-DD).")
@click.option("--until", help="Only periods starting before this day (YYYY-MM-DD).")
def recompute(engagement_slug: str, since: str | None, until: str | None) -> None:
    """Recompute an engagement's KPI measurements now (all periods, or those in the range)."""
    _setup()
    from accord.metrics.actions import recompute_engagement

    _, engagement = _actor_and_engagement(None, engagement_slug, manage=False)
    written = recompute_engagement(
        engagement.pk, since=_day(since, "--since"), until=_day(until, "--until")
    )
    click.echo(f"{engagement}: {written} measurements recomputed.")


@kpis.command()
@click.argument("engagement_slug")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="File to write."
)
@_USER
def export(engagement_slug: str, fmt: str, output: Path | None, username: str | None) -> None:
    """Write an engagement's KPI measurements as CSV (standard output by default) or XLSX."""
    _setup()
    from accord.metrics import exports, queries

    actor, engagement = _actor_and_engagement(username, engagement_slug, manage=False)
    if fmt == "xlsx" and output is None:
        raise click.ClickException("XLSX is binary; give a file with --output.")
    measurements = (
        queries.engagement_measurements(engagement, actor)
        if actor is not None
        else queries.all_measurements(engagement)
    )
    body = exports.export(measurements, fmt, title=engagement.name)
    if output is None:
        click.echo(body.decode("utf-8"), nl=False)
    else:
        output.write_bytes(body)
        click.echo(f"Wrote {output}.", err=True)


@kpis.command()
@click.argument("engagement_slug")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="File to write: PDF, or standalone HTML when it ends in .html.",
)
@click.option("--from", "since", help="First day (YYYY-MM-DD); default: the dashboard's periods.")
@click.option("--to", "until", help="Last day, inclusive (YYYY-MM-DD); default: today.")
@_USER
def report(
    engagement_slug: str, output: Path, since: str | None, until: str | None, username: str | None
) -> None:
    """Write the KPI report of an engagement: every KPI's value, status, trend and evidence."""
    _setup()
    from accord.metrics import report as kpi_report
    from accord.metrics.forms import ReportPeriodForm

    actor, engagement = _actor_and_engagement(username, engagement_slug, manage=False)
    for value, name in ((since, "--from"), (until, "--to")):
        _day(value, name)  # a malformed date is named by its option
    form = ReportPeriodForm({"start": since or "", "end": until or ""})
    if not form.is_valid():
        raise click.ClickException(" ".join(str(e) for e in form.non_field_errors()))
    built = kpi_report.build_report(
        engagement, user=actor, span=form.span(), zone=kpi_report.user_zone(actor)
    )
    try:
        if output.suffix.lower() in {".html", ".htm"}:
            output.write_text(kpi_report.render_html(built, standalone=True), encoding="utf-8")
        else:
            output.write_bytes(kpi_report.render_pdf(built))
    except OSError as exc:
        raise click.ClickException(f"Cannot write {output}: {exc.strerror}.") from None
    click.echo(f"Wrote {output}: {len(built.sections)} KPIs of {engagement}.")
