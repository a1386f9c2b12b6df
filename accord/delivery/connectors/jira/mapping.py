"""Jira payloads → plain typed records. Pure: no database, no I/O.

Covers the Agile board and JQL search responses (`{"issues": [...]}`) and bare lists of issues,
with or without `expand=changelog`; changelog pages (`values`, `isLast`); sprint lists
(`{"values": [...]}`); and the status list (GET /rest/api/2/status). Jira Cloud's CSV export is
in `mapping_csv`, and `pages` tells pages apart. A payload that is not what it claims raises
MappingError naming the record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from accord.delivery.models import Category

# Jira's three status categories (statusCategory.key) and what each counts as (DESIGN.md).
JIRA_CATEGORY_KEYS: dict[str, str] = {
    "new": Category.TODO,
    "indeterminate": Category.IN_PROGRESS,
    "done": Category.DONE,
}
DATE_EXAMPLE = "2020-06-12T08:13:13.360+0800"
_STORY_POINT_NAMES = ("story points", "story point estimate")
_EPIC_LINK_NAMES = ("epic link",)
# Jira Server's sprint field: "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=7,...]".
_SERVER_SPRINT = re.compile(r"\[(?P<body>.*)\]\s*$")
_SERVER_SPRINT_PART = re.compile(r"(\w+)=(.*?)(?=,\w+=|$)")


# Values built from payload parts that repeat across a large export (people, sprints), by the
# raw values they are built from; cleared when full, so memory stays bounded.
_CACHE_LIMIT = 10_000
_USERS: dict[tuple[Any, ...], JiraUser | None] = {}
_SPRINTS: dict[Any, SprintInfo] = {}
_MISSING = object()
_TEXT = (str, type(None))


class MappingError(ValueError):
    """A payload does not have the shape or values expected; the message names the record."""


@dataclass(frozen=True)
class JiraUser:
    """A Jira account as an issue or changelog names it."""

    account_id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class SprintInfo:
    """A sprint as the Agile API (or an issue's sprint field) describes it."""

    external_id: str
    name: str
    state: str = ""
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    complete_at: dt.datetime | None = None
    goal: str = ""

    def fields(self) -> dict[str, Any]:
        """The Sprint model's fields."""
        return {
            "external_id": self.external_id,
            "name": self.name[:200],
            "state": self.state[:20],
            "start_at": self.start_at,
            "end_at": self.end_at,
            "complete_at": self.complete_at,
            "goal": self.goal,
        }


# Named tuples rather than frozen dataclasses: a large export holds a million of them, and a
# frozen dataclass costs several times as much to build.
class StatusMove(NamedTuple):
    """One status change from a changelog history."""

    external_id: str
    at: dt.datetime
    from_id: str
    from_name: str
    to_id: str
    to_name: str
    author: JiraUser | None = None


class SprintMove(NamedTuple):
    """An issue entering (added) or leaving one sprint, from a Sprint field change."""

    at: dt.datetime
    sprint_id: str
    added: bool


@dataclass(frozen=True)
class History:
    """What a list of changelog histories says about status and sprints."""

    status_moves: tuple[StatusMove, ...] = ()
    sprint_moves: tuple[SprintMove, ...] = ()


@dataclass(frozen=True)
class StatusInfo:
    """A status from the status list, with the category its statusCategory maps to."""

    external_id: str
    name: str
    category: str


@dataclass(frozen=True)
class Issue:
    """A Jira issue in the terms of the WorkItem model, plus its embedded history if any."""

    external_id: str
    key: str
    title: str
    item_type: str
    status: str
    status_id: str
    # The category Jira embedded in the issue's status (statusCategory.key), "" if none.
    embedded_category: str
    created_at: dt.datetime
    updated_at: dt.datetime | None
    url: str
    parent_key: str = ""
    epic_key: str = ""
    story_points: Decimal | None = None
    assignee: JiraUser | None = None
    labels: tuple[str, ...] = ()
    priority: str = ""
    sprints: tuple[SprintInfo, ...] = ()
    # None when the payload had no changelog; else the histories it carried and the total
    # Jira says exist (more than carried means the embedded changelog was truncated).
    changelog_total: int | None = None
    changelog_count: int = 0
    history: History = field(default_factory=History)

    @property
    def changelog_truncated(self) -> bool:
        """Whether Jira holds more histories than the payload carried."""
        return self.changelog_total is not None and self.changelog_total > self.changelog_count

    def work_item_fields(self) -> dict[str, Any]:
        """The WorkItem model's own fields (without category, assignee id or facts)."""
        return {
            "external_id": self.external_id,
            "key": self.key[:100],
            "title": self.title[:500],
            "item_type": self.item_type[:100],
            "status": self.status[:200],
            "status_id": self.status_id[:100],
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "parent_key": self.parent_key[:100],
            "epic_key": self.epic_key[:100],
            "story_points": self.story_points,
            "labels": list(self.labels),
            "url": self.url[:500],
        }


@dataclass(frozen=True)
class FieldHints:
    """Which custom fields hold story points and the epic link, when known."""

    story_points: str = ""
    epic_link: str = ""

    @classmethod
    def from_names(cls, names: Mapping[str, str], story_points: str = "") -> FieldHints:
        """Hints from a response's `names` map (field id → display name), an explicit id first."""
        by_name = {str(v).strip().lower(): k for k, v in names.items()}
        points = story_points or next((by_name[n] for n in _STORY_POINT_NAMES if n in by_name), "")
        epic = next((by_name[n] for n in _EPIC_LINK_NAMES if n in by_name), "")
        return cls(story_points=points, epic_link=epic)


def parse_datetime(value: Any, *, what: str) -> dt.datetime:
    """An aware datetime from Jira's ISO 8601 (`+0800`, `+08:00` or `Z`); MappingError if not."""
    if not isinstance(value, str) or not value:
        raise MappingError(f"{what} is missing (expected a date like {DATE_EXAMPLE})")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise MappingError(
            f"{what} “{value[:40]}” is not a date (expected a date like {DATE_EXAMPLE})"
        ) from None
    if parsed.tzinfo is None:
        raise MappingError(f"{what} “{value[:40]}” has no time zone offset (like +0800)")
    return parsed.astimezone(dt.UTC)


def _optional_datetime(value: Any, *, what: str) -> dt.datetime | None:
    return None if value in (None, "") else parse_datetime(value, what=what)


def _int(value: Any, default: int, *, what: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MappingError(f"{what} “{str(value)[:20]}” is not a whole number") from None


def _text(value: Any) -> str:
    # Jira lets NUL characters into text (a real summary ends in one); PostgreSQL refuses them.
    return "" if value is None else str(value).replace("\x00", "")


def _user(value: Any) -> JiraUser | None:
    if type(value) is not dict and not isinstance(value, Mapping):
        return None
    # An export names the same few dozen people in a million changelog entries: build each once.
    get = value.get
    account, name, email = (
        get("accountId") or get("key") or get("name"),
        get("displayName"),
        get("emailAddress"),
    )
    # Only text keys the cache: 1, 1.0 and True are equal keys but different text.
    if type(account) is not str or type(name) not in _TEXT or type(email) not in _TEXT:
        return _new_user(account, name, email)
    cache_key = (account, name, email)
    user = _USERS.get(cache_key, _MISSING)
    if user is _MISSING:
        if len(_USERS) >= _CACHE_LIMIT:
            _USERS.clear()
        user = _USERS[cache_key] = _new_user(account, name, email)
    return user  # type: ignore[return-value]


def _new_user(account_id: Any, name: Any, email: Any) -> JiraUser | None:
    account = _text(account_id)
    if not account:
        return None  # deleted or anonymised accounts carry an empty id
    return JiraUser(account_id=account, name=_text(name), email=_text(email))


def browse_url(self_url: str, key: str) -> str:
    """The issue's page: the host of its API `self` link + /browse/KEY."""
    parts = urlsplit(self_url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}/browse/{key}"


def _story_points(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        points = Decimal(str(value))
    except InvalidOperation:
        return None
    # Jira stores "-1" for "no estimate" on some sites; negative points mean nothing.
    if not points.is_finite() or points < 0 or points >= Decimal("1e6"):
        return None
    return points.quantize(Decimal("0.01"))


def is_sprint_value(value: Any) -> bool:
    """Whether a field value looks like a sprint field: a list of sprints (Cloud or Server)."""
    if not isinstance(value, list) or not value:
        return False
    for v in value:
        if isinstance(v, str):
            if "greenhopper.service.sprint.Sprint" not in v:
                return False
        elif not isinstance(v, Mapping) or "id" not in v or "name" not in v or "state" not in v:
            return False
    return True


def sprint_from_payload(value: Mapping[str, Any] | str, *, what: str) -> SprintInfo:
    """A sprint from an Agile sprint object or a Jira Server sprint string."""
    # Every issue of a sprint repeats it: parse each distinct one once.
    if isinstance(value, str):
        parts: tuple[Any, ...] = (value,)
    else:
        get = value.get
        parts = (get("name"), get("state"), get("startDate"), get("endDate"))
        parts += (get("completeDate"), get("goal"), get("id"))
    if any(type(part) not in _TEXT for part in parts[:-1]) or type(parts[-1]) not in (str, int):
        return _sprint_from_payload(value, what=what)
    sprint = _SPRINTS.get(parts)
    if sprint is None:
        sprint = _sprint_from_payload(value, what=what)  # raises before anything is kept
        if len(_SPRINTS) >= _CACHE_LIMIT:
            _SPRINTS.clear()
        _SPRINTS[parts] = sprint
    return sprint


def _sprint_from_payload(value: Mapping[str, Any] | str, *, what: str) -> SprintInfo:
    if isinstance(value, str):
        match = _SERVER_SPRINT.search(value)
        parts = dict(_SERVER_SPRINT_PART.findall(match.group("body"))) if match else {}
        if "id" not in parts:
            raise MappingError(f"{what}: “{value[:60]}” is not a sprint")
        value = {
            "id": parts["id"],
            "name": parts.get("name", ""),
            "state": parts.get("state", "").lower(),
            "goal": parts.get("goal", ""),
            **{
                key: None if parts.get(key) in (None, "<null>") else parts[key]
                for key in ("startDate", "endDate", "completeDate")
            },
        }
    if value.get("id") in (None, ""):
        raise MappingError(f"{what}: a sprint has no id")
    sprint_id = _text(value["id"])
    label = f"{what}, sprint {sprint_id}"
    return SprintInfo(
        external_id=sprint_id,
        name=_text(value.get("name")),
        state=_text(value.get("state")).lower(),
        start_at=_optional_datetime(value.get("startDate"), what=f"{label} startDate"),
        end_at=_optional_datetime(value.get("endDate"), what=f"{label} endDate"),
        complete_at=_optional_datetime(value.get("completeDate"), what=f"{label} completeDate"),
        goal=_text(value.get("goal")) if value.get("goal") != "<null>" else "",
    )


def sprint_field_ids(fields: Mapping[str, Any]) -> list[str]:
    """The custom fields of one issue whose values have the shape of a sprint list."""
    return [k for k, v in fields.items() if k.startswith("customfield_") and is_sprint_value(v)]


def _issue_sprints(
    fields: Mapping[str, Any], what: str, sprint_fields: Iterable[str]
) -> tuple[SprintInfo, ...]:
    found: dict[str, SprintInfo] = {}
    values: list[Any] = []
    for name in sprint_fields:
        values.extend(fields[name])
    # The Agile API also has `sprint` (the open one) and `closedSprints`.
    if isinstance(fields.get("sprint"), Mapping):
        values.append(fields["sprint"])
    if is_sprint_value(fields.get("closedSprints")):
        values.extend(fields["closedSprints"])
    for value in values:
        sprint = sprint_from_payload(value, what=what)
        found.setdefault(sprint.external_id, sprint)
    return tuple(sorted(found.values(), key=lambda s: _numeric_key(s.external_id)))


def _numeric_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def _id_list(value: Any) -> set[str]:
    return {part.strip() for part in _text(value).split(",") if part.strip()}


def _utc(value: Any) -> dt.datetime | None:
    """parse_datetime's usual case, without building a label; None when it would fail."""
    if type(value) is str:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            return parsed.astimezone(dt.UTC)
    return None


def parse_histories(
    histories: Iterable[Any], *, what: str, sprint_fields: Iterable[str] = ()
) -> History:
    """Status and sprint changes from changelog histories (embedded or paged), oldest first."""
    # The hot loop of a large import (a million entries): labels are built only for errors.
    sprint_field_set = set(sprint_fields)
    status_moves: list[tuple[dt.datetime, tuple[int, str], int, StatusMove]] = []
    sprint_moves: list[SprintMove] = []
    for history in histories:
        is_map = type(history) is dict or isinstance(history, Mapping)
        items = history.get("items") if is_map else None
        if not isinstance(items, list):
            raise MappingError(f"{what}: a changelog history has no list of items")
        raw_id = history.get("id")
        history_id = raw_id if type(raw_id) is str and "\x00" not in raw_id else _text(raw_id)
        if not history_id:
            raise MappingError(f"{what}: a changelog history has no id")
        created = history.get("created")
        at = _utc(created) or parse_datetime(
            created, what=f"{what}, changelog history {history_id} created"
        )
        author: Any = _MISSING
        n = 0
        for item in items:
            if type(item) is not dict and not isinstance(item, Mapping):
                raise MappingError(
                    f"{what}, changelog history {history_id}: an item is not an object"
                )
            get = item.get
            field_id = _text(get("fieldId"))
            name = "" if field_id == "status" else _text(get("field"))
            if field_id == "status" or (not field_id and name.lower() == "status"):
                if author is _MISSING:
                    author = _user(history.get("author"))
                status_moves.append(
                    (
                        at,
                        (int(history_id), "") if history_id.isdigit() else (0, history_id),
                        n,
                        StatusMove(
                            history_id if n == 0 else f"{history_id}.{n}",
                            at,
                            _text(get("from")),
                            _text(get("fromString")),
                            _text(get("to")),
                            _text(get("toString")),
                            author,
                        ),
                    )
                )
                n += 1
            elif name == "Sprint" or field_id in sprint_field_set:
                before, after = _id_list(get("from")), _id_list(get("to"))
                sprint_moves += [SprintMove(at, s, True) for s in sorted(after - before)]
                sprint_moves += [SprintMove(at, s, False) for s in sorted(before - after)]
    # By time, then by history id as a number; entries of one history keep their order.
    status_moves.sort(key=_first_three)
    sprint_moves.sort(key=lambda m: (m.at, not m.added))
    return History(
        status_moves=tuple(entry[3] for entry in status_moves), sprint_moves=tuple(sprint_moves)
    )


def _first_three(entry: tuple[Any, ...]) -> tuple[Any, ...]:
    return entry[:3]


def _key_of(value: Any) -> str:
    return _text(value.get("key")) if isinstance(value, Mapping) else ""


def _epic_key(fields: Mapping[str, Any], hints: FieldHints) -> str:
    if isinstance(fields.get("epic"), Mapping) and fields["epic"].get("key"):
        return _text(fields["epic"]["key"])
    if hints.epic_link and isinstance(fields.get(hints.epic_link), str):
        return fields[hints.epic_link]
    parent = fields.get("parent")
    if isinstance(parent, Mapping):
        parent_type = (parent.get("fields") or {}).get("issuetype") or {}
        if (
            _text(parent_type.get("name")).lower() == "epic"
            or parent_type.get("hierarchyLevel") == 1
        ):
            return _key_of(parent)
    return ""


def map_issue(payload: Any, *, hints: FieldHints | None = None) -> Issue:
    """One issue (search, Agile or webhook shape) as an Issue; MappingError names the issue."""
    hints = hints or FieldHints()
    if not isinstance(payload, Mapping) or not isinstance(payload.get("fields"), Mapping):
        raise MappingError("an issue has no “fields” object (expected a Jira issue)")
    key = _text(payload.get("key"))
    issue_id = _text(payload.get("id"))
    what = f"issue {key or issue_id or '(no key)'}"
    if not key or not issue_id:
        raise MappingError(f"{what} has no “id” or “key”")
    fields = payload["fields"]
    status = fields.get("status")
    if not isinstance(status, Mapping) or not status.get("id"):
        raise MappingError(f"{what} has no status with an id")
    category_key = _text((status.get("statusCategory") or {}).get("key"))
    issue_type = fields.get("issuetype") or {}
    labels = fields.get("labels") or []
    if not isinstance(labels, list):
        raise MappingError(f"{what}: “labels” is not a list")
    sprint_fields = sprint_field_ids(fields)
    changelog = payload.get("changelog")
    history = History()
    total: int | None = None
    count = 0
    if isinstance(changelog, Mapping) and isinstance(changelog.get("histories"), list):
        histories = changelog["histories"]
        count = len(histories)
        total = _int(changelog.get("total"), count, what=f"{what}: changelog total")
        history = parse_histories(histories, what=what, sprint_fields=sprint_fields)
    return Issue(
        external_id=issue_id,
        key=key,
        title=_text(fields.get("summary")).strip(),
        item_type=_text(issue_type.get("name")),
        status=_text(status.get("name")),
        status_id=_text(status["id"]),
        embedded_category=JIRA_CATEGORY_KEYS.get(category_key, ""),
        created_at=parse_datetime(fields.get("created"), what=f"{what} created"),
        updated_at=_optional_datetime(fields.get("updated"), what=f"{what} updated"),
        url=browse_url(_text(payload.get("self")), key),
        parent_key=_key_of(fields.get("parent")),
        epic_key=_epic_key(fields, hints),
        story_points=_story_points(fields.get(hints.story_points)) if hints.story_points else None,
        assignee=_user(fields.get("assignee")),
        labels=tuple(_text(label) for label in labels),
        priority=_text((fields.get("priority") or {}).get("name")),
        sprints=_issue_sprints(fields, what, sprint_fields),
        changelog_total=total,
        changelog_count=count,
        history=history,
    )
