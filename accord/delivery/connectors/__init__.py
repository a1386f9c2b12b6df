"""Connectors: one package per source kind, each with the same modules.

    mapping.py   payload → field dicts; pure functions, unit-tested on real payloads
    importer.py  import_file(data_source=, path=, summary=, options=) — a file or folder the user
                 gives; raises ImportFailed with one sentence naming the file, record and what
                 was expected; writes through accord.delivery.actions (idempotent upserts)
    client.py    HTTP to the live service (paging, timeouts, retries, rate limits) over
                 accord.delivery.connectors.http
    sync.py      sync(data_source=, summary=, run=) — an incremental pull from the live service;
                 keeps its watermark in data_source.watermark and its page cursor in run.cursor
    webhooks.py  verify(data_source, headers, body) -> bool; delivery_id(headers, payload) -> str;
                 event_name(headers, payload) -> str; process(data_source=, event=, payload=,
                 summary=) — applies one stored delivery

`connector(kind)` returns the package for a kind, so callers never import a connector by name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

KINDS = ("jira", "trello", "github", "git", "csv")


def connector_module(kind: str, module: str) -> ModuleType:
    """The `module` (importer, sync, webhooks…) of the connector for `kind`."""
    if kind not in KINDS:
        raise ValueError(f"“{kind}” is not a source kind; use one of {', '.join(KINDS)}.")
    return importlib.import_module(f"accord.delivery.connectors.{kind}.{module}")


def supports(kind: str, module: str) -> bool:
    """Whether the connector for `kind` has `module` (git has no webhooks, csv no sync)."""
    try:
        connector_module(kind, module)
    except ModuleNotFoundError:
        return False
    return True
