"""Writes of delivery data: every import, sync and webhook goes through these.

`records` has the idempotent bulk upserts and the import-run wrapper; `people` matches accounts
to people and affiliations; `facts` derives per-item facts from status history.
"""

from accord.delivery.actions.facts import derive_work_item_facts
from accord.delivery.actions.people import Account, resolve_accounts
from accord.delivery.actions.records import (
    Counts,
    ImportFailed,
    ImportSummary,
    run_import,
    upsert_records,
)

__all__ = [
    "Account",
    "Counts",
    "ImportFailed",
    "ImportSummary",
    "derive_work_item_facts",
    "resolve_accounts",
    "run_import",
    "upsert_records",
]
