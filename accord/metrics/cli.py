"""`accord metrics`: every catalog metric of an engagement for a date range, as a table or JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

DEFAULT_DAYS = 30


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"“{value}” is not a date (expected YYYY-MM-DD).", param_hint=name
        ) from None


def date_range(
    start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """(from, to) both inclusive; by default the last 30 days up to and including today."""
    end = end or (today if start is None else max(today, start))
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise click.BadParameter(
            f"--to {end.isoformat()} is before --from {start.isoformat()}.", param_hint="--to"
        )
    return start, end


def _format(value: float | None, unit: str, inputs: dict[str, Any]) -> str:
    if value is None:
        return "no data"
    if unit == "class":
        return str(inputs.get("class"))
    if unit == "ratio":
        return f"{value:.1%}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") + f" {unit}"


@click.command("metrics")
@click.argument("slug")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (UTC), inclusive.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (UTC), inclusive.")
@click.option(
    "--affiliation",
    metavar="WHO",
    help="Only work by: client, vendor:<organization id> or mixed (default: everyone).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--user", "username", help="Act as this user (checked against the access policy).")
def metrics(
    slug: str,
    start: str | None,
    end: str | None,
    affiliation: str | None,
    as_json: bool,
    username: str | None,
) -> None:
    """Print every catalog metric of the engagement SLUG for a date range (default: the last 30
    days), with its unit, formula and how many records it counted."""
    from accord.cli import setup_django

    setup_django()
    from django.utils import timezone

    from accord.accounts import policy
    from accord.accounts.models import User
    from accord.engagements.models import Engagement
    from accord.metrics.catalog import CATALOG, BadAffiliation, Period, compute_many

    first, last = date_range(_date(start, "--from"), _date(end, "--to"), timezone.now().date())
    engagements = Engagement.objects.all()  # the operator at the server sees everything
    if username:
        actor = User.objects.filter(username=username).first()
        if actor is None:
            raise click.ClickException(f"There is no user “{username}”.")
        engagements = policy.visible_engagements(actor)
    engagement = engagements.filter(slug=slug).first()
    if engagement is None:
        raise click.ClickException(
            f"There is no engagement “{slug}”; `accord manage shell` or the Engagements page "
            "lists the slugs."
        )
    utc = dt.UTC
    period = Period(
        dt.datetime.combine(first, dt.time(), utc),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), utc),
    )
    try:
        results = compute_many(engagement, list(CATALOG), [period], affiliation=affiliation)
    except BadAffiliation as exc:
        raise click.ClickException(str(exc)) from None
    rows = [results[(key, period)] for key in CATALOG]
    if as_json:
        payload = {
            "engagement": engagement.slug,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "metrics": {
                r.key: {
                    "value": r.value,
                    "unit": r.unit,
                    "formula": r.formula,
                    "evidence_count": r.evidence_count,
                }
                for r in rows
            },
        }
        if affiliation:
            payload["affiliation"] = affiliation
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"{engagement.name} ({engagement.slug}), {first.isoformat()} to {last.isoformat()}")
    if affiliation:
        click.echo(f"Affiliation: {affiliation}")
    width = max(len(CATALOG[r.key].label) for r in rows)
    group = ""
    for r in rows:
        metric = CATALOG[r.key]
        if metric.group != group:
            group = metric.group
            click.secho(f"\n{group.upper()}", bold=True)
        shown = _format(r.value, r.unit, r.inputs)
        click.echo(f"  {metric.label:<{width}}  {shown:>22}  ({r.evidence_count:,} counted)")
