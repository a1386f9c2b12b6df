"""Jira file import on the real samples: facts worked out by hand, sprints, incidents,
truncated changelogs, malformed files, and idempotency (including a property test)."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.delivery.actions.sources import import_path
from accord.delivery.models import (
    DataSource,
    Incident,
    SourceStatus,
    Sprint,
    SprintMembership,
    StatusChange,
    WorkItem,
)
from tests.samples import sample_data_dir

DATA = sample_data_dir() / "jira"
UTC = dt.UTC
MAPPING = {"Resolved": "done", "Inbox": "todo", "Ready for Dev": "todo"}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def like_source(engagement, name: str) -> DataSource:
    """A Jira source with the settings the samples need (story points, mapping, incidents)."""
    return DataSource.objects.create(
        engagement=engagement,
        kind="jira",
        name=name,
        scope={"story_points_field": "customfield_10024"},
        status_mapping=MAPPING,
        incident_rule={"issue_types": ["缺陷"]},
    )


@pytest.fixture
def source(vistula_engagement):
    return like_source(vistula_engagement, "Jira")


def write(folder: Path, name: str, payload) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def run(source, path, **options):
    result = import_path(data_source=source, path=path, options=options)
    assert result.status == "succeeded", result.error
    return result


def item(key: str) -> WorkItem:
    return WorkItem.objects.get(key=key)


@pytest.fixture
def full_import(source, tmp_path):
    for name in ("board-8-issues.json", "statuses.json", "board-8-sprints.json"):
        shutil.copy(DATA / name, tmp_path / name)
    return run(source, tmp_path)


# Worked out by hand from board-8-issues.json, with the status list (Open: new, In Progress/
# In Development (id 3): indeterminate, Closed and 已完成: done) and the mapping Resolved → done:
#  EE-1  Inbox → Ready for Dev → In Development (12 Jun 11:38:39.785 +0800, started)
#        → Open → Closed (19 Jun 14:31:18.526 +0800, done) → 已完成 (done to done: no new entry)
#  EE-14 To Do → Resolved (done) → To Do (reopened) → Open → Resolved (15 Jun 16:59:51.341
#        +0800, done again) → Closed → 已完成; never in progress
#  EE-19 Inbox → Ready for Dev → In Development (12 Jun 09:46:26.809 +0800) → Resolved → To Do
#        (reopened) → Open → Resolved (18 Jun 16:34:11.171 +0800) → Closed → 已完成
#  EE-23 Open → In Development (12 Jun 09:27:39.141 +0800) → Resolved → To Do → Open → To Do
#        → Open → Resolved (15 Jun 17:07:56.858 +0800) → Closed → 已完成
EXPECTED = {
    "EE-1": ("2020-06-12T03:38:39.785+00:00", "2020-06-19T06:31:18.526+00:00"),
    "EE-14": (None, "2020-06-15T08:59:51.341+00:00"),
    "EE-19": ("2020-06-12T01:46:26.809+00:00", "2020-06-18T08:34:11.171+00:00"),
    "EE-23": ("2020-06-12T01:27:39.141+00:00", "2020-06-15T09:07:56.858+00:00"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_started_and_done_match_the_times_worked_out_by_hand(full_import, key):
    started, done = EXPECTED[key]
    work_item = item(key)
    assert work_item.started_at == (utc(started) if started else None)
    assert work_item.done_at == utc(done)
    assert work_item.status == "已完成" and work_item.status_category == "done"
    assert work_item.lead_time == work_item.done_at - work_item.created_at


@pytest.mark.django_db
def test_a_full_import_writes_items_history_sprints_people_and_the_unmapped_status(full_import):
    assert WorkItem.objects.count() == 30
    assert StatusChange.objects.count() == 165
    assert Sprint.objects.count() == 30
    ee2 = item("EE-2")
    assert str(ee2.story_points) == "2.00" and ee2.url == "https://merico.atlassian.net/browse/EE-2"
    assert ee2.assignee is not None
    assert item("EE-19").cycle_time == utc("2020-06-18T08:34:11.171+00:00") - utc(
        "2020-06-12T01:46:26.809+00:00"
    )
    unmapped = SourceStatus.objects.filter(resolution="unresolved")
    assert list(unmapped.values_list("external_id", "name")) == [("10000", "To Do")]
    assert "To Do (10000)" in full_import.summary
    # one status id, one category, everywhere
    for status in SourceStatus.objects.all():
        assert set(
            StatusChange.objects.filter(to_status_id=status.external_id).values_list(
                "to_category", flat=True
            )
        ) <= {status.category}


@pytest.mark.django_db
def test_sprint_membership_at_start_and_close_follows_the_changelog(full_import):
    sprint = Sprint.objects.get(external_id="7")
    assert sprint.start_at == utc("2020-06-12T00:38:51.882+00:00")
    ee1 = SprintMembership.objects.get(sprint=sprint, work_item__key="EE-1")
    assert ee1.added_at == utc("2020-06-12T00:29:19.487+00:00")
    assert (ee1.in_at_start, ee1.in_at_close, ee1.removed_at) == (True, True, None)
    # EE-19 was taken out of sprint 7 on 19 June, three days before it closed
    ee19 = SprintMembership.objects.get(sprint=sprint, work_item__key="EE-19")
    assert ee19.removed_at == utc("2020-06-19T06:44:09.533+00:00")
    assert (ee19.in_at_start, ee19.in_at_close) == (True, False)


@pytest.mark.django_db
def test_issue_types_named_by_the_incident_rule_become_incidents(full_import):
    incident = Incident.objects.get()
    assert incident.external_id == "10085" and incident.title.startswith("EE-23 ")
    assert incident.started_at == utc("2020-06-12T00:33:57.204+00:00")
    assert incident.resolved_at == utc(EXPECTED["EE-23"][1]) and incident.severity
    assert item("EE-23").is_incident and not item("EE-1").is_incident


@pytest.mark.django_db
def test_importing_the_same_files_again_changes_nothing(source, full_import, tmp_path):
    before = snapshot(source)
    again = run(source, tmp_path)
    assert snapshot(source) == before
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values()), again.counts


@pytest.mark.django_db
def test_a_status_list_imported_later_recategorizes_history_and_facts(source, tmp_path):
    # given only the issues, without mapping: 已完成 is done (the latest issue says so),
    # every other status unknown and counted as to do
    source.status_mapping = {}
    source.save()
    run(source, DATA / "board-8-issues.json")
    assert (item("EE-1").started_at, item("EE-1").done_at) == (
        None,
        utc("2021-03-28T08:06:08.715+00:00"),
    )
    # when the status list arrives
    run(source, DATA / "statuses.json")
    # then EE-1's history is read again with the listed categories
    started, done = EXPECTED["EE-1"]
    assert (item("EE-1").started_at, item("EE-1").done_at) == (utc(started), utc(done))
    assert SourceStatus.objects.get(external_id="10068").resolution == "status_list"


def _truncated_ee1(folder: Path, *, with_full: bool) -> Path:
    page = load("board-8-issues.json")
    issue = next(i for i in page["issues"] if i["key"] == "EE-1")
    full = copy.deepcopy(issue["changelog"]["histories"])
    # Jira embeds only the newest entries of a long changelog: keep the two newest
    issue["changelog"]["histories"] = full[:2]
    issue["changelog"]["maxResults"] = 2
    write(folder, "issues.json", {"issues": [issue]})
    if with_full:
        write(
            folder,
            "changelogs/issue-10063.json",
            {"startAt": 0, "maxResults": 100, "total": 25, "isLast": True, "values": full},
        )
    return folder


@pytest.mark.django_db
def test_a_truncated_changelog_is_completed_from_its_changelog_pages(source, tmp_path):
    run(source, _truncated_ee1(tmp_path, with_full=True))
    run(source, DATA / "statuses.json")
    started, done = EXPECTED["EE-1"]
    assert (item("EE-1").started_at, item("EE-1").done_at) == (utc(started), utc(done))
    assert StatusChange.objects.count() == 5


@pytest.mark.django_db
def test_a_truncated_changelog_without_its_pages_is_counted_from_what_is_known(source, tmp_path):
    result = run(source, _truncated_ee1(tmp_path, with_full=False))
    assert "EE-1: Jira holds 25 changelog entries and 2 were given" in result.summary
    assert StatusChange.objects.count() == 1


@pytest.mark.django_db
def test_a_changelog_for_an_issue_not_imported_is_skipped_with_the_reason(source, tmp_path):
    shutil.copytree(DATA / "changelogs", tmp_path / "changelogs")
    write(tmp_path, "board-93.json", load("board-93-issues.json"))
    result = run(source, tmp_path)
    assert result.counts["status_changes"]["skipped"] == 3
    assert "its issue is not imported" in result.summary
    assert WorkItem.objects.count() == 3


def _bad_files(folder: Path) -> dict[str, Path]:
    raw = (DATA / "board-93-issues.json").read_text(encoding="utf-8")
    bad_date = load("board-93-issues.json")
    bad_date["issues"][1]["fields"]["created"] = "2022-07-16 six thirty"
    cases = {
        "truncated": write(folder, "t/cut.json", None),
        "shape": write(folder, "s/other.json", {"projects": []}),
        "date": write(folder, "d/issues.json", bad_date),
        "csv": folder / "c/export.csv",
    }
    cases["truncated"].write_text(raw[: len(raw) // 2], encoding="utf-8")
    cases["csv"].parent.mkdir()
    cases["csv"].write_bytes(
        "Summary,Issue key,Issue id,Status,Created\nZoë,A-1,1,Done,x\n".encode("latin-1")
    )
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case,message",
    [
        (
            "truncated",
            r"^cut.json is not valid JSON \(line \d+, column \d+: .*\); is the file truncated\?$",
        ),
        ("shape", r"^other.json is not a Jira export: expected an issue search"),
        (
            "date",
            r"^issues.json, record 2: issue K5-3 created “2022-07-16 six thirty” is not a date",
        ),
        ("csv", r"^export.csv is not UTF-8 text \(line 2\); export it again as UTF-8 CSV.$"),
    ],
)
def test_a_malformed_file_fails_with_one_sentence_and_writes_nothing(
    source, tmp_path, case, message
):
    path = _bad_files(tmp_path)[case]
    result = import_path(data_source=source, path=path)
    assert result.status == "failed"
    assert result.error and re.search(message, result.error), result.error
    assert WorkItem.objects.count() == 0 and SourceStatus.objects.count() == 0


@pytest.mark.django_db
def test_one_bad_file_in_a_folder_writes_nothing_from_the_good_ones(source, tmp_path):
    shutil.copy(DATA / "board-8-issues.json", tmp_path / "a.json")
    write(
        tmp_path,
        "b.json",
        {"values": [{"id": 1, "name": "S", "state": "closed", "startDate": "soon"}]},
    )
    result = import_path(data_source=source, path=tmp_path)
    assert result.status == "failed" and result.error.startswith(
        "b.json: sprint 1, sprint 1 startDate"
    )
    assert WorkItem.objects.count() == 0


@pytest.mark.django_db
def test_a_csv_export_is_read_in_the_given_zone_and_matched_to_known_statuses(source, tmp_path):
    run(source, DATA / "statuses.json")
    path = tmp_path / "export.csv"
    path.write_text(
        "Summary,Issue key,Issue id,Issue Type,Status,Created,Updated,Sprint,Sprint,Status Category\n"
        "Login,MOB-1,900001,Story,开发中,25/Feb/26 10:17 PM,26/Feb/26 9:05 AM,S1,S2,In Progress\n",
        encoding="utf-8",
    )
    run(source, path, zone="Asia/Shanghai")
    mob1 = item("MOB-1")
    assert mob1.created_at == utc("2026-02-25T14:17:00+00:00")
    assert (mob1.status_id, mob1.status_category) == ("10074", "in_progress")
    assert sorted(mob1.sprint_memberships.values_list("sprint__name", flat=True)) == ["S1", "S2"]


# --- idempotency as a property: any sequence of overlapping imports ends in one state ---

BOARD = load("board-8-issues.json")
KEYS = [i["key"] for i in BOARD["issues"]]


def snapshot(source: DataSource) -> dict:
    """Every row the Jira import writes, by external ids (no primary keys)."""

    def rows(qs, *fields):
        return sorted(tuple(str(v) for v in r) for r in qs.values_list(*fields))

    items = WorkItem.objects.filter(data_source=source)
    return {
        "items": rows(
            items,
            "external_id",
            "key",
            "title",
            "status",
            "status_id",
            "status_category",
            "embedded_category",
            "created_at",
            "updated_at",
            "parent_key",
            "story_points",
            "labels",
            "started_at",
            "done_at",
            "cycle_time",
            "lead_time",
            "is_incident",
            "assignee__identities__external_id",
        ),
        "changes": rows(
            StatusChange.objects.filter(data_source=source),
            "external_id",
            "work_item__external_id",
            "from_status_id",
            "to_status_id",
            "from_category",
            "to_category",
            "changed_at",
            "author__identities__external_id",
        ),
        "sprints": rows(
            Sprint.objects.filter(data_source=source),
            "external_id",
            "name",
            "state",
            "start_at",
            "complete_at",
        ),
        "memberships": rows(
            SprintMembership.objects.filter(sprint__data_source=source),
            "sprint__external_id",
            "work_item__external_id",
            "added_at",
            "removed_at",
            "in_at_start",
            "in_at_close",
            "events",
        ),
        "statuses": rows(
            SourceStatus.objects.filter(data_source=source),
            "external_id",
            "name",
            "category",
            "resolution",
            "embedded_category",
        ),
        "incidents": rows(
            Incident.objects.filter(data_source=source),
            "external_id",
            "title",
            "started_at",
            "resolved_at",
        ),
    }


def _import_parts(source: DataSource, folder: Path, parts) -> None:
    for n, (keys, sprints, statuses) in enumerate(parts):
        part = folder / f"part-{n}"
        part.mkdir()
        chosen = [i for i in BOARD["issues"] if i["key"] in keys]
        write(part, "issues.json", {"issues": chosen})
        if sprints:
            shutil.copy(DATA / "board-8-sprints.json", part / "sprints.json")
        if statuses:
            shutil.copy(DATA / "statuses.json", part / "statuses.json")
        run(source, part)


_EXAMPLES = itertools.count()
part = st.tuples(
    st.sets(st.sampled_from(KEYS), min_size=1, max_size=12), st.booleans(), st.booleans()
)


@pytest.mark.django_db
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(part, min_size=1, max_size=4))
def test_any_sequence_of_overlapping_imports_ends_where_one_import_of_their_union_does(
    vistula_engagement, tmp_path_factory, parts
):
    # given two fresh sources with the same settings
    n = next(_EXAMPLES)
    pieces = like_source(vistula_engagement, f"pieces {n}")
    whole = like_source(vistula_engagement, f"whole {n}")
    # when one imports the parts one by one (some twice) and the other their union at once
    _import_parts(pieces, tmp_path_factory.mktemp("pieces"), [*parts, parts[0]])
    union = (
        set().union(*(p[0] for p in parts)),
        any(p[1] for p in parts),
        any(p[2] for p in parts),
    )
    _import_parts(whole, tmp_path_factory.mktemp("whole"), [union])
    # then both end in the same state
    assert snapshot(pieces) == snapshot(whole)
    pieces.delete()
    whole.delete()


@pytest.mark.django_db
def test_an_incident_is_resolved_again_when_a_later_status_list_moves_its_done_time(source):
    # given EE-23 imported before the status list: Closed is unknown, so only 已完成 counts
    source.status_mapping = {}
    source.save()
    run(source, DATA / "board-8-issues.json")
    assert Incident.objects.get().resolved_at == utc("2021-03-28T08:05:57.097+00:00")
    # when the status list arrives, Resolved stays unknown but Closed is done
    run(source, DATA / "statuses.json")
    # then the incident is resolved when EE-23 was first closed: 17 Jun 11:08:17.806 +0800
    assert Incident.objects.get().resolved_at == utc("2020-06-17T03:08:17.806+00:00")


@pytest.mark.django_db
def test_sprint_flags_are_recomputed_when_the_sprint_dates_arrive_after_the_items(source, tmp_path):
    # given EE-19 alone: its changelog names sprint 7, which nothing has described yet
    ee19 = next(i for i in BOARD["issues"] if i["key"] == "EE-19")
    run(source, write(tmp_path, "ee19.json", {"issues": [ee19]}))
    membership = SprintMembership.objects.get(work_item__key="EE-19")
    assert (membership.sprint.name, membership.in_at_start) == ("Sprint 7", False)
    # when the board's sprint list is imported
    run(source, DATA / "board-8-sprints.json")
    # then the membership is judged against sprint 7's real start and close
    membership.refresh_from_db()
    assert membership.sprint.name == "EE Sprint 7"
    assert (membership.in_at_start, membership.in_at_close) == (True, False)


@pytest.mark.django_db
def test_an_export_written_in_parts_ends_where_one_batch_does(
    vistula_engagement, tmp_path, monkeypatch
):
    # given every recorded file (pages of two boards, changelog pages, sprint and status
    # lists), the issues split over pages of 7, and two sources with the same settings
    from accord.delivery.connectors.jira import importer

    board = load("board-8-issues.json")
    for n, start in enumerate(range(0, len(board["issues"]), 7)):
        write(
            tmp_path,
            f"pages/board-8-{n:02d}.json",
            {**board, "issues": board["issues"][start : start + 7]},
        )
    for name in ("board-93-issues.json", "statuses.json", "board-8-sprints.json"):
        shutil.copy(DATA / name, tmp_path / name)
    shutil.copytree(DATA / "changelogs", tmp_path / "changelogs")
    whole, parts = (
        like_source(vistula_engagement, "whole"),
        like_source(vistula_engagement, "parts"),
    )
    # when one imports it as one batch and the other five issues at a time
    monkeypatch.setattr(importer, "PART_SIZE", 10_000)
    in_one = run(whole, tmp_path)
    monkeypatch.setattr(importer, "PART_SIZE", 5)
    in_parts = run(parts, tmp_path)
    # then both end in the same state, and say the same about what they wrote
    assert snapshot(parts) == snapshot(whole)
    assert in_parts.counts == in_one.counts
    assert sorted(in_parts.summary.splitlines()) == sorted(in_one.summary.splitlines())


def _issue_in_review(n: int, *, category_key: str, updated: str) -> dict:
    """An issue moved from To Do into status 77 ("Review"), whose category its payload gives."""
    return {
        "id": str(9000 + n),
        "key": f"RV-{n}",
        "self": "https://example.atlassian.net/rest/api/2/issue/9000",
        "fields": {
            "summary": f"Review {n}",
            "issuetype": {"name": "Story"},
            "status": {"id": "77", "name": "Review", "statusCategory": {"key": category_key}},
            "created": "2026-01-05T09:00:00.000+0000",
            "updated": updated,
        },
        "changelog": {
            "total": 1,
            "histories": [
                {
                    "id": str(70000 + n),
                    "created": "2026-01-06T09:00:00.000+0000",
                    "items": [
                        {
                            "fieldId": "status",
                            "from": "1",
                            "fromString": "To Do",
                            "to": "77",
                            "toString": "Review",
                        }
                    ],
                }
            ],
        },
    }


@pytest.mark.django_db
def test_rows_written_with_a_category_the_resolution_overrides_are_recategorized(
    source, tmp_path, monkeypatch
):
    # given two issues in one status whose payloads disagree on its category, written in two
    # parts: the first part's guess (in progress) is what both were written with
    from accord.delivery.connectors.jira import importer

    source.status_mapping = {}
    source.save()
    older = _issue_in_review(
        1, category_key="indeterminate", updated="2026-01-07T09:00:00.000+0000"
    )
    newer = _issue_in_review(2, category_key="done", updated="2026-01-08T09:00:00.000+0000")
    write(tmp_path, "a.json", {"issues": [older]})
    write(tmp_path, "b.json", {"issues": [newer]})
    monkeypatch.setattr(importer, "PART_SIZE", 1)
    # when they are imported
    run(source, tmp_path)
    # then the most recently updated issue decides, and every row and fact follows it
    assert SourceStatus.objects.get(external_id="77").category == "done"
    assert set(WorkItem.objects.values_list("status_category", flat=True)) == {"done"}
    assert set(StatusChange.objects.values_list("to_category", flat=True)) == {"done"}
    moved = utc("2026-01-06T09:00:00+00:00")
    assert set(WorkItem.objects.values_list("done_at", flat=True)) == {moved}


@pytest.mark.django_db
def test_a_large_import_refreshes_the_statistics_of_the_rows_it_wrote(source, monkeypatch):
    # given an import counted as large
    from django.db import connection

    from accord.delivery.connectors.jira import store

    monkeypatch.setattr(store, "LARGE_IMPORT", 1)
    # when it is written
    run(source, DATA / "board-8-issues.json")
    # then PostgreSQL plans the next lookups for the rows now stored (SQLite needs nothing)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'delivery_statuschange'")
            assert cursor.fetchone()[0] == StatusChange.objects.count()
