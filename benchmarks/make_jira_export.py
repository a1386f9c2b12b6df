"""Generate a large Jira export for the import benchmark: search pages with `expand=changelog`.

    python benchmarks/make_jira_export.py DIR [--issues 100000] [--moves 10] [--seed 7]

Writes DIR/statuses.json (GET /rest/api/2/status), DIR/sprints.json (an Agile board's sprint
list) and DIR/issues/page-NNNNN.json, pages of 100 issues shaped like the recorded responses in
the shared Jira samples: status with its category, issue type, priority, assignee, labels,
sprints in customfield_10020, and an embedded changelog whose histories hold `--moves` status
changes per issue on average (so 100 000 issues give 1 000 000 status entries), sprint moves
and unrelated field edits by 60 people. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
from pathlib import Path
from typing import Any

PAGE = 100
SITE = "http://127.0.0.1:9/rest"
# (id, name, category key) — a workflow with two in-progress steps and two done states.
STATUSES = [
    ("1", "To Do", "new"),
    ("3", "In Progress", "indeterminate"),
    ("10001", "In Review", "indeterminate"),
    ("10002", "QA", "indeterminate"),
    ("10003", "Done", "done"),
    ("6", "Closed", "done"),
]
CATEGORY_NAMES = {"new": ("To Do", 2), "indeterminate": ("In Progress", 4), "done": ("Done", 3)}
TYPES = [("10001", "Story"), ("10002", "Task"), ("10004", "Bug"), ("10003", "Sub-task")]
PRIORITIES = [("2", "High"), ("3", "Medium"), ("4", "Low")]
NAMES = ["Ola", "Łukasz", "Priya", "Arjun", "Dana", "José", "Mei", "Sam", "Zoë", "Kwame"]
SURNAMES = ["Nowak", "Żółć", "Raman", "Mehta", "Smith", "Muñoz"]
LABELS = ["backend", "frontend", "payments", "api", "mobile", "infra", "tech-debt"]
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPRINT_DAYS = 14


def _stamp(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def _status(status_id: str) -> dict[str, Any]:
    sid, name, key = next(s for s in STATUSES if s[0] == status_id)
    category, category_id = CATEGORY_NAMES[key]
    return {
        "self": f"{SITE}/api/2/status/{sid}",
        "description": "",
        "iconUrl": f"{SITE}/images/icons/statuses/generic.png",
        "name": name,
        "id": sid,
        "statusCategory": {
            "self": f"{SITE}/api/2/statuscategory/{category_id}",
            "id": category_id,
            "key": key,
            "colorName": "yellow",
            "name": category,
        },
    }


def _people(count: int) -> list[dict[str, Any]]:
    people = []
    for n in range(count):
        account = f"5f{n:022x}"
        people.append(
            {
                "self": f"{SITE}/api/2/user?accountId={account}",
                "accountId": account,
                "avatarUrls": {s: f"{SITE}/avatar/{account}?s={s}" for s in ("16x16", "48x48")},
                "displayName": f"{NAMES[n % len(NAMES)]} {SURNAMES[n % len(SURNAMES)]} {n}",
                "active": True,
                "timeZone": "Europe/Warsaw",
                "accountType": "atlassian",
            }
        )
    return people


def _sprints(count: int) -> list[dict[str, Any]]:
    sprints = []
    now = START + dt.timedelta(days=SPRINT_DAYS * count)
    for n in range(count):
        start = START + dt.timedelta(days=SPRINT_DAYS * n, hours=9)
        end = start + dt.timedelta(days=SPRINT_DAYS)
        closed = end < now - dt.timedelta(days=SPRINT_DAYS)
        sprint = {
            "id": 1000 + n,
            "self": f"{SITE}/agile/1.0/sprint/{1000 + n}",
            "state": "closed" if closed else "active",
            "name": f"Bench Sprint {n + 1}",
            "startDate": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "endDate": end.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "originBoardId": 8,
            "goal": "",
        }
        if closed:
            sprint["completeDate"] = (end + dt.timedelta(hours=2)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            )
        sprints.append(sprint)
    return sprints


def _walk(rng: random.Random, moves: int) -> list[str]:
    """A status path of `moves` changes through the workflow, with the odd step back."""
    path = ["1"]
    order = ["1", "3", "10001", "10002", "10003"]
    while len(path) <= moves:
        here = path[-1]
        if here in ("10003", "6"):
            nxt = "6" if here == "10003" and rng.random() < 0.3 else "3"  # closed, or reopened
        elif rng.random() < 0.2 and here != "1":
            nxt = order[max(order.index(here) - 1, 0)]
        else:
            nxt = order[order.index(here) + 1]
        path.append(nxt)
    return path


def _history(
    hid: int, at: dt.datetime, author: dict[str, Any], items: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"id": str(hid), "author": author, "created": _stamp(at), "items": items}


def _issue(
    n: int,
    rng: random.Random,
    *,
    people: list[dict[str, Any]],
    sprints: list[dict[str, Any]],
    mean_moves: int,
    hid: int,
) -> tuple[dict[str, Any], int, int]:
    """One issue with its changelog; also the next history id and its status entry count."""
    names = {s[0]: s[1] for s in STATUSES}
    sprint_index = rng.randrange(len(sprints))
    sprint = sprints[sprint_index]
    sprint_start = dt.datetime.fromisoformat(sprint["startDate"].replace("Z", "+00:00"))
    created = sprint_start - dt.timedelta(days=rng.randint(0, 20), seconds=rng.randint(0, 86399))
    moves = max(1, min(2 * mean_moves - 1, round(rng.gauss(mean_moves, 2))))
    path = _walk(rng, moves)
    at = created
    histories = []
    if rng.random() < 0.7:  # planned into its sprint right after creation
        at += dt.timedelta(minutes=rng.randint(1, 600))
        planned = {
            "field": "Sprint", "fieldtype": "custom", "fieldId": "customfield_10020",
            "from": "", "fromString": "", "to": str(sprint["id"]), "toString": sprint["name"],
        }  # fmt: skip
        histories.append(_history(hid, at, rng.choice(people), [planned]))
        hid += 1
    for a, b in itertools.pairwise(path):
        at += dt.timedelta(seconds=rng.randint(600, 3 * 86400))
        items: list[dict[str, Any]] = [
            {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": a,
             "fromString": names[a], "to": b, "toString": names[b]},
        ]  # fmt: skip
        if rng.random() < 0.25:
            items.append(
                {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
                 "from": None, "fromString": None, "to": people[0]["accountId"],
                 "toString": people[0]["displayName"]}
            )  # fmt: skip
        histories.append(_history(hid, at, rng.choice(people), items))
        hid += 1
    histories.reverse()  # Jira lists the newest first
    status = path[-1]
    issue_type = rng.choice(TYPES)
    key = f"BEN-{n + 1}"
    assignee = rng.choice(people) if rng.random() < 0.9 else None
    issue = {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(100000 + n),
        "self": f"{SITE}/api/2/issue/{100000 + n}",
        "key": key,
        "fields": {
            "summary": f"{rng.choice(LABELS).title()} work item {n + 1}: «ünïcode» and more",
            "issuetype": {
                "self": f"{SITE}/api/2/issuetype/{issue_type[0]}",
                "id": issue_type[0],
                "name": issue_type[1],
                "subtask": False,
                "hierarchyLevel": 0,
            },
            "status": _status(status),
            "priority": dict(zip(("id", "name"), rng.choice(PRIORITIES), strict=True)),
            "assignee": assignee,
            "reporter": rng.choice(people),
            "labels": rng.sample(LABELS, rng.randint(0, 2)),
            "created": _stamp(created),
            "updated": _stamp(at),
            "resolutiondate": _stamp(at) if status in ("10003", "6") else None,
            "customfield_10020": [
                {k: sprint[k] for k in sprint if k not in ("self", "originBoardId")}
                | {"boardId": 8}
            ],
            "customfield_10016": float(rng.choice([1, 2, 3, 5, 8])),
            "description": "As a user I want the thing to work.\n\nAcceptance criteria: it does.",
            "parent": None,
        },
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        },
    }
    return issue, hid, len(path) - 1


def generate(target: Path, *, issues: int, moves: int, seed: int) -> tuple[int, int]:
    """Write the export into `target`; (issues, status entries) written."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    people = _people(60)
    sprints = _sprints(max(4, issues // 400))
    (target / "issues").mkdir(parents=True, exist_ok=True)
    (target / "statuses.json").write_text(json.dumps([_status(s[0]) for s in STATUSES]))
    (target / "sprints.json").write_text(
        json.dumps({"maxResults": 50, "startAt": 0, "isLast": True, "values": sprints})
    )
    hid, entries = 500000, 0
    for page_start in range(0, issues, PAGE):
        page = []
        for n in range(page_start, min(page_start + PAGE, issues)):
            issue, hid, count = _issue(
                n, rng, people=people, sprints=sprints, mean_moves=moves, hid=hid
            )
            page.append(issue)
            entries += count
        body = {
            "expand": "schema,names",
            "startAt": page_start,
            "maxResults": PAGE,
            "total": issues,
            "issues": page,
        }
        (target / "issues" / f"page-{page_start // PAGE:05d}.json").write_text(
            json.dumps(body, ensure_ascii=False)
        )
    return issues, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=10, help="status changes per issue, mean")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    issues, entries = generate(args.target, issues=args.issues, moves=args.moves, seed=args.seed)
    print(f"{args.target}: {issues} issues, {entries} status changes")


if __name__ == "__main__":
    main()
