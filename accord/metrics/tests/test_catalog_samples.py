"""The catalog on the real samples in shared/data, imported through delivery's importers, against
values computed independently in the test from the raw JSON payloads."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from accord.delivery.actions.sources import import_path
from accord.delivery.models import DataSource
from accord.metrics.catalog import Period, compute_many
from tests.samples import sample_data_dir

pytestmark = pytest.mark.django_db
DATA = sample_data_dir()
UTC = dt.UTC
JIRA_MAPPING = {"Resolved": "done", "Inbox": "todo", "Ready for Dev": "todo"}
JIRA_CATEGORY = {"new": "todo", "indeterminate": "in_progress", "done": "done"}


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def days(start: dt.date, count: int, step: int) -> list[Period]:
    """`count` periods of `step` days from `start` (UTC midnights)."""
    first = dt.datetime.combine(start, dt.time(), UTC)
    return [
        Period(first + dt.timedelta(days=i * step), first + dt.timedelta(days=(i + 1) * step))
        for i in range(count)
    ]


def p(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def run_import(source: DataSource, folder: Path) -> None:
    result = import_path(data_source=source, path=folder, options={})
    assert result.status == "succeeded", result.error


# -- Jira: throughput, cycle and lead time from the changelogs ---------------------------------


def jira_facts() -> list[tuple[dt.datetime, dt.datetime | None, dt.datetime]]:
    """(created, started, done) per issue of board 8 done now, from the raw payloads."""
    statuses = json.loads((DATA / "jira" / "statuses.json").read_text(encoding="utf-8"))
    listed = {s["id"]: JIRA_CATEGORY[s["statusCategory"]["key"]] for s in statuses}
    issues = json.loads((DATA / "jira" / "board-8-issues.json").read_text(encoding="utf-8"))

    def category(status_id: str, name: str) -> str:
        return JIRA_MAPPING.get(name) or listed.get(status_id, "todo")

    facts = []
    for issue in issues["issues"]:
        fields = issue["fields"]
        created = parse(fields["created"])
        moves = sorted(
            (parse(h["created"]), item)
            for h in issue["changelog"]["histories"]
            for item in h["items"]
            if item["field"] == "status"
        )
        current = category(fields["status"]["id"], fields["status"]["name"])
        first = category(moves[0][1]["from"], moves[0][1]["fromString"]) if moves else current
        started = created if first == "in_progress" else None
        done = created if first == "done" else None
        for at, item in moves:
            before = category(item["from"], item["fromString"])
            after = category(item["to"], item["toString"])
            if before == after:
                continue
            if after == "in_progress" and started is None:
                started = at
            if after == "done":
                done = at
        if current == "done" and done is not None:
            facts.append((created, started, done))
    return facts


@pytest.fixture
def jira(vistula_engagement, tmp_path):
    source = DataSource.objects.create(
        engagement=vistula_engagement,
        kind="jira",
        name="Jira",
        scope={"story_points_field": "customfield_10024"},
        status_mapping=JIRA_MAPPING,
    )
    for name in ("board-8-issues.json", "statuses.json", "board-8-sprints.json"):
        shutil.copy(DATA / "jira" / name, tmp_path / name)
    run_import(source, tmp_path)
    return vistula_engagement


def test_jira_flow_metrics_match_the_changelogs(jira):
    # given weekly periods over June 2020, when board 8's issues were done
    periods = days(dt.date(2020, 6, 1), 5, 7)
    keys = ["throughput", "cycle_time_p50_hours", "cycle_time_p85_hours", "lead_time_p50_hours"]
    # when
    results = compute_many(jira, keys, periods)
    # then each matches what the raw changelogs say
    facts = jira_facts()
    seen = 0
    for period in periods:
        done = [(c, s, d) for c, s, d in facts if period.start <= d < period.end]
        cycle = [(d - s).total_seconds() / 3600 for _, s, d in done if s is not None]
        lead = [(d - c).total_seconds() / 3600 for c, _, d in done]
        expected = {
            "throughput": float(len(done)) if done else None,
            "cycle_time_p50_hours": p(cycle, 50),
            "cycle_time_p85_hours": p(cycle, 85),
            "lead_time_p50_hours": p(lead, 50),
        }
        got = {k: results[(k, period)].value for k in keys}
        assert got == {k: pytest.approx(v) if v is not None else None for k, v in expected.items()}
        seen += len(done)
    assert seen >= 10  # the sample really exercises the metrics


# -- GitHub: pickup, merge and deployment frequency from pulls, reviews and runs -------------


@pytest.fixture
def ants(vistula_engagement, tmp_path):
    source = DataSource.objects.create(
        engagement=vistula_engagement,
        kind="github",
        name="GitHub",
        deployment_rule={"workflow": "CodeQL", "branch": "master"},
    )
    for name in ("pulls", "reviews", "workflow-runs"):
        shutil.copy(DATA / "github" / f"panjf2000-ants-{name}.json", tmp_path / f"{name}.json")
    run_import(source, tmp_path)
    return vistula_engagement


def test_review_metrics_match_the_pulls_and_their_reviews(ants):
    # the recorded list holds PR #4 twice (pages shifted while it was read); one PR is one PR
    raw = json.loads((DATA / "github" / "panjf2000-ants-pulls.json").read_text())
    pulls = list({pr["number"]: pr for pr in raw}.values())
    reviews = json.loads((DATA / "github" / "panjf2000-ants-reviews.json").read_text())
    # first review by someone other than the author, bots and pending reviews excluded
    first: dict[int, dt.datetime] = {}
    authors = {pr["number"]: pr["user"]["login"] for pr in pulls}
    for review in reviews:
        number = int(review["pull_request_url"].rsplit("/", 1)[1])
        login, kind = review["user"]["login"], review["user"]["type"]
        if (
            review.get("submitted_at")
            and review["state"] != "PENDING"
            and kind != "Bot"
            and not login.endswith("[bot]")
            and login.lower() != authors.get(number, "").lower()
        ):
            at = parse(review["submitted_at"])
            first[number] = min(first.get(number, at), at)
    periods = [
        Period(dt.datetime(year, 1, 1, tzinfo=UTC), dt.datetime(year + 1, 1, 1, tzinfo=UTC))
        for year in range(2018, 2023)
    ]
    results = compute_many(ants, ["pr_pickup_p50_hours", "pr_time_to_merge_p50_hours"], periods)
    counted = 0
    for period in periods:
        pickups, merges = [], []
        for pr in pulls:
            created = parse(pr["created_at"])
            reviewed = first.get(pr["number"])
            if reviewed is not None and period.start <= reviewed < period.end:
                pickups.append((reviewed - created).total_seconds() / 3600)
            if pr["merged_at"] and period.start <= parse(pr["merged_at"]) < period.end:
                merges.append((parse(pr["merged_at"]) - created).total_seconds() / 3600)
        counted += len(pickups) + len(merges)
        got = (
            results[("pr_pickup_p50_hours", period)].value,
            results[("pr_time_to_merge_p50_hours", period)].value,
        )
        expected = (p(pickups, 50), p(merges, 50))
        assert got == tuple(pytest.approx(e) if e is not None else None for e in expected)
    assert counted >= 10


def test_deployment_frequency_matches_the_successful_workflow_runs(ants):
    runs = json.loads((DATA / "github" / "panjf2000-ants-workflow-runs.json").read_text())
    runs = runs["workflow_runs"] if isinstance(runs, dict) else runs
    finished = [
        parse(r["updated_at"])
        for r in runs
        if r["name"] == "CodeQL"
        and r["head_branch"] == "master"
        and (r.get("conclusion") or "").lower() == "success"
    ]
    periods = days(dt.date(2022, 6, 20), 8, 7)
    results = compute_many(ants, ["deployment_frequency_per_week"], periods)
    for period in periods:
        count = sum(period.start <= f < period.end for f in finished)
        assert results[("deployment_frequency_per_week", period)].value == (
            pytest.approx(count) if count else None
        )
    assert len(finished) >= 5
