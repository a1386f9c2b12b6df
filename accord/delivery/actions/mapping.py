"""A manager's status mapping: saved, applied to every stored record, with the connector's own
name-based guesses kept for the statuses it leaves on automatic."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.db import transaction

from accord.accounts.models import User
from accord.delivery.actions.sources import update_data_source
from accord.delivery.connectors import connector_module, supports
from accord.delivery.models import DataSource
from accord.delivery.statuses import StatusResolution, resolve_statuses, update_status_mapping


def name_guess(kind: str) -> Callable[[str], str | None] | None:
    """The connector's category guess from a status name (Trello lists), if it has one."""
    if not supports(kind, "mapping"):
        return None
    guess = getattr(connector_module(kind, "mapping"), "default_category", None)
    return guess if callable(guess) else None


@transaction.atomic
def map_statuses(
    *,
    actor: User,
    data_source: DataSource,
    mapping: Mapping[str, str],
    active_statuses: Sequence[str] | None = None,
) -> StatusResolution:
    """Save the mapping (and, when given, the active statuses) and recategorize in bulk."""
    result = update_status_mapping(actor=actor, data_source=data_source, mapping=mapping)
    guess = name_guess(data_source.kind)
    if guess is not None:
        # update_status_mapping resolves without the connector's guess, which would leave
        # statuses it had guessed (Trello list names) unmapped; resolve again with it.
        result = resolve_statuses(data_source=data_source, guess=guess)
    if active_statuses is not None:
        update_data_source(
            actor=actor, data_source=data_source, active_statuses=sorted(set(active_statuses))
        )
    return result
