"""`accord import` and `accord sync`: delivery data from the command line."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import click


@click.command("import")
@click.argument("kind", type=click.Choice(["jira", "trello", "github", "git", "csv"]))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--engagement", "engagement_slug", required=True, help="Engagement slug.")
@click.option("--source", "source_name", help="Data source name (created if missing).")
@click.option("--ref", help="git: import only this ref (default: all branches).")
@click.option("--zone", help="IANA zone of dates without one (CSV exports), e.g. Europe/Berlin.")
@click.option("--user", "username", help="Act as this user (checked against the access policy).")
def import_command(
    kind: str,
    path: Path,
    engagement_slug: str,
    source_name: str | None,
    ref: str | None,
    zone: str | None,
    username: str | None,
) -> None:
    """Import a file or folder from Jira, Trello, GitHub, git or CSV into an engagement.

    The import is one transaction: a malformed file is reported in one sentence and nothing is
    written. Importing the same data again changes nothing.
    """
    from accord.cli import setup_django

    setup_django()
    from django.core.exceptions import ValidationError

    from accord.delivery.actions.sources import find_or_create_source, import_path
    from accord.delivery.models import SyncRunStatus

    actor, engagement = _actor_and_engagement(username, engagement_slug)
    try:
        source = find_or_create_source(
            actor=actor, engagement=engagement, kind=kind, name=source_name
        )
    except ValidationError as exc:
        raise click.ClickException(" ".join(exc.messages)) from None
    options = {k: v for k, v in {"ref": ref, "zone": zone}.items() if v}
    with progress_bar(f"Importing into {source.name}, records written") as report:
        run = import_path(
            data_source=source,
            path=path,
            options=options,
            requested_by=actor,
            on_progress=report,
        )
    if run.status != SyncRunStatus.SUCCEEDED:
        raise click.ClickException(f"{run.error} Nothing was written.")
    click.echo(f"Imported into {source} of {engagement}:")
    click.echo(run.summary or "nothing to import.")


@click.command()
@click.argument("engagement_slug")
@click.option("--source", "source_name", help="Only this data source.")
@click.option("--user", "username", help="Act as this user (checked against the access policy).")
def sync(engagement_slug: str, source_name: str | None, username: str | None) -> None:
    """Pull what changed from the live services of an engagement's data sources, now."""
    from accord.cli import setup_django

    setup_django()
    from accord.delivery.actions.sources import sync_now
    from accord.delivery.connectors import supports
    from accord.delivery.models import SyncRunStatus

    _, engagement = _actor_and_engagement(username, engagement_slug)
    candidates = engagement.data_sources.all()
    if source_name:
        candidates = candidates.filter(name=source_name)
    sources = [s for s in candidates if supports(s.kind, "sync")]
    if not sources:
        raise click.ClickException(f"{engagement} has no data source that can sync.")
    failed = False
    for source in sources:
        with progress_bar(f"Syncing {source.name}, records written") as report:
            run = sync_now(data_source=source, on_progress=report)
        ok = run.status == SyncRunStatus.SUCCEEDED
        failed |= not ok
        click.echo(f"{source}: {'ok' if ok else 'failed'}")
        click.echo(run.summary if ok else run.error)
    if failed:
        sys.exit(1)


def terminal() -> TextIO | None:
    """Standard error, if it is a terminal (progress bars are for people, not for logs)."""
    return sys.stderr if sys.stderr.isatty() else None


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on the terminal counting records written; None when not on a terminal.

    How many records a file or a service holds is not known in advance, so the bar moves to
    show the work is alive and the count says how far it got."""
    stream = terminal()
    if stream is None:
        yield None
        return
    with click.progressbar(_unknown_length(), label=label, show_pos=True, file=stream) as bar:
        yield bar.update


def _unknown_length() -> Iterator[int]:
    """An iterable without a length, so the bar shows a count rather than a fraction."""
    yield from ()


def _actor_and_engagement(username: str | None, slug: str) -> tuple[Any, Any]:
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
    if actor is not None and not policy.can(actor, policy.Perm.CHANGE_ENGAGEMENT, engagement):
        raise click.ClickException(f"{username} may not change {engagement}.")
    return actor, engagement


def _export_command(kind: str) -> click.Command:
    """`accord export <kind> SLUG`: one export of accord.delivery.exports, streamed."""

    @click.command(kind, help=f"Write every {kind.replace('-', ' ')[:-1]} of an engagement.")
    @click.argument("engagement_slug")
    @click.option(
        "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
    )
    @click.option(
        "--output",
        "-o",
        type=click.File("w", encoding="utf-8", lazy=True),
        default="-",
        help="File to write (default: standard output).",
    )
    @click.option("--user", "username", help="Export as this user (checked against the policy).")
    def command(engagement_slug: str, fmt: str, output: Any, username: str | None) -> None:
        from accord.cli import setup_django

        setup_django()
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from accord.accounts.models import User
        from accord.delivery import exports
        from accord.engagements.models import Engagement

        user = None
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise click.ClickException(f"There is no user “{username}”.")
        try:
            if user is None:
                engagement = Engagement.objects.get(slug=engagement_slug)
            else:
                engagement = exports.engagement_to_export(user, engagement_slug)
        except (Engagement.DoesNotExist, Http404):
            raise click.ClickException(f"There is no engagement “{engagement_slug}”.") from None
        except PermissionDenied:
            raise click.ClickException(f"{username} may not read {engagement_slug}.") from None
        for text in exports.stream(kind, fmt, engagement, user):
            output.write(text)

    return command


@click.group("export")
def export() -> None:
    """Export an engagement's delivery records as CSV or JSON (columns: docs/exports.md)."""


for _kind in ("work-items", "pull-requests", "deployments"):
    export.add_command(_export_command(_kind))
