"""Jira responses as pages: which kind a parsed document is, and the pages that hold issues,
changelog entries, sprints and statuses (mapping.py maps the records inside them). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.delivery.connectors.jira.mapping import (
    JIRA_CATEGORY_KEYS,
    FieldHints,
    Issue,
    MappingError,
    SprintInfo,
    StatusInfo,
    _int,
    _text,
    map_issue,
    sprint_from_payload,
)


def map_issues(payloads: Sequence[Any], *, hints: FieldHints | None = None) -> list[Issue]:
    """Every issue of a page or list, in order."""
    return [map_issue(p, hints=hints) for p in payloads]


def issue_page(payload: Any) -> tuple[list[Any], dict[str, str]]:
    """The raw issues and the `names` map (if expanded) of a search/Agile page or a list."""
    if isinstance(payload, list):
        return payload, {}
    if isinstance(payload, Mapping) and isinstance(payload.get("issues"), list):
        names = payload.get("names")
        return payload["issues"], dict(names) if isinstance(names, Mapping) else {}
    raise MappingError("not an issue page (expected {“issues”: [...]} or a list of issues)")


@dataclass(frozen=True)
class ChangelogPage:
    """One page of GET /rest/api/3/issue/{id}/changelog."""

    histories: tuple[Any, ...]
    start_at: int
    total: int
    is_last: bool


def changelog_page(payload: Any) -> ChangelogPage:
    """A changelog page's histories and position; MappingError if it is not one."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("values"), list):
        raise MappingError("not a changelog page (expected {“values”: [...], “isLast”: ...})")
    values = payload["values"]
    start = _int(payload.get("startAt"), 0, what="the changelog page's startAt")
    total = _int(payload.get("total"), start + len(values), what="the changelog page's total")
    is_last = bool(payload.get("isLast", start + len(values) >= total))
    return ChangelogPage(histories=tuple(values), start_at=start, total=total, is_last=is_last)


def map_sprints(payload: Any) -> list[SprintInfo]:
    """The sprints of an Agile sprint page (`{"values": [...]}`) or a list of sprints."""
    values = payload.get("values") if isinstance(payload, Mapping) else payload
    if not isinstance(values, list):
        raise MappingError("not a sprint list (expected {“values”: [...]})")
    sprints = []
    for n, value in enumerate(values, start=1):
        if not isinstance(value, Mapping):
            raise MappingError(f"sprint {n} is not an object")
        sprints.append(sprint_from_payload(value, what=f"sprint {n}"))
    return sprints


def map_statuses(payload: Any) -> list[StatusInfo]:
    """The statuses of GET /rest/api/2/status, each with the category its statusCategory means."""
    if not isinstance(payload, list):
        raise MappingError("not a status list (expected a JSON list of statuses)")
    statuses = []
    for n, value in enumerate(payload, start=1):
        if not isinstance(value, Mapping) or not value.get("id"):
            raise MappingError(f"status {n} has no id")
        key = _text((value.get("statusCategory") or {}).get("key"))
        statuses.append(
            StatusInfo(
                external_id=_text(value["id"]),
                name=_text(value.get("name")),
                category=JIRA_CATEGORY_KEYS.get(key, ""),
            )
        )
    return statuses


def detect_shape(payload: Any) -> str:
    """What a parsed JSON document is: issues, issue, changelog, sprints, statuses or unknown."""
    if isinstance(payload, Mapping):
        if isinstance(payload.get("issues"), list):
            return "issues"
        if isinstance(payload.get("fields"), Mapping) and payload.get("key"):
            return "issue"
        values = payload.get("values")
        if isinstance(values, list):
            first = values[0] if values else None
            if isinstance(first, Mapping) and "items" in first and "created" in first:
                return "changelog"
            if isinstance(first, Mapping) and "state" in first and "name" in first:
                return "sprints"
            if first is None:
                return "changelog" if "isLast" in payload and "total" in payload else "sprints"
        return "unknown"
    if isinstance(payload, list):
        first = payload[0] if payload else None
        if first is None:
            return "issues"
        if isinstance(first, Mapping) and isinstance(first.get("fields"), Mapping):
            return "issues"
        if isinstance(first, Mapping) and "statusCategory" in first:
            return "statuses"
        if isinstance(first, Mapping) and {"id", "name", "state"} <= first.keys():
            return "sprints"
    return "unknown"
