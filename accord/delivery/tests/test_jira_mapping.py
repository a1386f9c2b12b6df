"""Jira payload mapping on the real recorded samples in ../shared/data/jira/."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from accord.delivery.connectors.jira.mapping import (
    FieldHints,
    MappingError,
    map_issue,
    parse_datetime,
    parse_histories,
)
from accord.delivery.connectors.jira.mapping_csv import map_csv, parse_csv_datetime
from accord.delivery.connectors.jira.pages import (
    changelog_page,
    detect_shape,
    issue_page,
    map_issues,
    map_sprints,
    map_statuses,
)
from tests.samples import sample_data_dir

DATA = sample_data_dir() / "jira"
UTC = dt.UTC


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture(scope="module")
def board8():
    raw, _names = issue_page(load("board-8-issues.json"))
    return {i.key: i for i in map_issues(raw, hints=FieldHints(story_points="customfield_10024"))}


def test_offsets_without_a_colon_are_read_as_the_instant_they_name():
    assert parse_datetime("2020-06-12T08:13:13.360+0800", what="x") == dt.datetime(
        2020, 6, 12, 0, 13, 13, 360000, tzinfo=UTC
    )
    assert parse_datetime("2020-06-12T00:38:51.882Z", what="x") == dt.datetime(
        2020, 6, 12, 0, 38, 51, 882000, tzinfo=UTC
    )


@pytest.mark.parametrize("bad", ["2020-13-12T08:13:13+0800", "yesterday", "2020-06-12T08:13:13"])
def test_a_bad_or_zoneless_date_names_the_record(bad):
    with pytest.raises(MappingError, match="issue EE-1 created"):
        parse_datetime(bad, what="issue EE-1 created")


def test_an_agile_board_issue_maps_to_work_item_fields(board8):
    ee1 = board8["EE-1"]
    assert ee1.external_id == "10063"
    assert ee1.title == "\u200b四个排序图\uff1a测试/注释覆盖度、复用度、模块性"
    assert (ee1.item_type, ee1.status, ee1.status_id) == ("故事", "已完成", "10068")
    # EE-1's own payload embeds the wrong category ("new") for 已完成
    assert ee1.embedded_category == "todo"
    assert ee1.created_at == utc("2020-06-12T00:13:13.360+00:00")
    assert ee1.updated_at == utc("2021-03-28T08:06:08.713+00:00")
    assert ee1.url == "https://merico.atlassian.net/browse/EE-1"
    assert ee1.labels == ("frontEnd", "Saas")
    assert ee1.assignee is not None and ee1.assignee.account_id == "5ecfbd0c730ec90c1999cadf"
    assert [s.external_id for s in ee1.sprints] == ["7"]
    sprint = ee1.sprints[0]
    assert (sprint.name, sprint.state) == ("EE Sprint 7", "closed")
    assert sprint.start_at == utc("2020-06-12T00:38:51.882+00:00")
    assert sprint.complete_at == utc("2020-06-22T05:59:58.980+00:00")
    assert (ee1.changelog_total, ee1.changelog_count, ee1.changelog_truncated) == (25, 25, False)


def test_nul_characters_jira_let_into_a_summary_are_dropped(board8):
    # EE-4's recorded summary ends in U+0000, which PostgreSQL cannot store
    assert board8["EE-4"].title == "\u200b问题分布的帕累托图"


def test_story_points_come_from_the_named_field_and_negative_ones_mean_no_estimate(board8):
    assert board8["EE-2"].story_points == Decimal("2.00")
    assert board8["EE-1"].story_points is None  # Jira stored "-1"
    assert board8["EE-25"].parent_key == "EE-1" and board8["EE-25"].epic_key == ""


def test_status_changes_come_oldest_first_with_ids_names_and_author(board8):
    moves = board8["EE-1"].history.status_moves
    assert [(m.from_id, m.to_id) for m in moves] == [
        ("10020", "10029"),
        ("10029", "3"),
        ("3", "1"),
        ("1", "6"),
        ("6", "10068"),
    ]
    first = moves[0]
    assert (first.external_id, first.from_name, first.to_name) == (
        "10900",
        "Inbox",
        "Ready for Dev",
    )
    assert first.at == utc("2020-06-12T01:45:24.493+00:00")
    assert first.author is not None and first.author.name == "Rankin Zheng"
    # a renamed status keeps its id: 3 was "In Development" then "In Progress"
    assert moves[2].from_name == "In Progress" and moves[1].to_name == "In Development"


def test_sprint_field_changes_become_adds_and_removes(board8):
    moves = board8["EE-19"].history.sprint_moves
    assert [(m.sprint_id, m.added, m.at) for m in moves] == [
        ("7", True, utc("2020-06-12T00:29:19.607+00:00")),
        ("7", False, utc("2020-06-19T06:44:09.533+00:00")),
    ]
    assert board8["EE-19"].sprints == ()


def test_a_next_gen_issue_takes_its_epic_from_the_epic_parent():
    raw, _ = issue_page(load("board-93-issues.json"))
    issues = {i.key: i for i in map_issues(raw)}
    assert issues["K5-2"].epic_key == "K5-1" and issues["K5-2"].parent_key == "K5-1"
    assert issues["K5-3"].epic_key == "K5-4"
    assert issues["K5-4"].item_type == "Epic" and issues["K5-4"].epic_key == ""
    assert issues["K5-2"].sprints[0].state == "active"
    assert issues["K5-2"].embedded_category == "todo"


def test_story_points_and_the_epic_link_are_found_by_name_when_the_response_names_fields():
    raw = load("board-93-issues.json")["issues"][0]
    raw["fields"].pop("epic")
    raw["fields"].pop("parent")
    raw["fields"]["customfield_10024"] = 5
    hints = FieldHints.from_names(
        {
            "customfield_10014": "Epic Link",
            "customfield_10024": "Story Points",
            "summary": "Summary",
        }
    )
    issue = map_issue(raw, hints=hints)
    assert (issue.epic_key, issue.parent_key, str(issue.story_points)) == ("K5-1", "", "5.00")


def test_a_paged_changelog_maps_like_an_embedded_one():
    page = changelog_page(load("changelogs/issue-13954.json"))
    assert (page.start_at, page.total, page.is_last, len(page.histories)) == (0, 100, True, 100)
    history = parse_histories(page.histories, what="issue 13954")
    assert [m.to_name for m in history.status_moves] == [
        "开发中",
        "Code Review",
        "待测试",
        "测试中",
        "发布中",
        "已完成",
    ]
    # Sprint 60 was added on 6 May 2021 and taken out again on 10 May
    assert [(m.sprint_id, m.added) for m in history.sprint_moves if m.sprint_id == "60"] == [
        ("60", True),
        ("60", False),
    ]


def test_sprint_and_status_lists_map_every_entry():
    sprints = map_sprints(load("board-8-sprints.json"))
    assert len(sprints) == 30 and sprints[0].external_id == "7"
    assert sprints[-1].name == "EE Sprint 37"
    statuses = {s.external_id: s for s in map_statuses(load("statuses.json"))}
    assert len(statuses) == 53
    assert (statuses["10068"].name, statuses["10068"].category) == ("已完成", "done")
    assert statuses["10074"].category == "in_progress" and statuses["1"].category == "todo"


@pytest.mark.parametrize(
    "name,shape",
    [
        ("board-8-issues.json", "issues"),
        ("board-8-sprints.json", "sprints"),
        ("statuses.json", "statuses"),
        ("changelogs/issue-13383.json", "changelog"),
    ],
)
def test_every_sample_is_recognised_by_its_content(name, shape):
    assert detect_shape(load(name)) == shape


def test_a_bare_list_of_issues_is_an_issue_page():
    raw = load("board-93-issues.json")["issues"]
    assert detect_shape(raw) == "issues"
    assert [i.key for i in map_issues(issue_page(raw)[0])] == ["K5-2", "K5-3", "K5-4"]


def test_an_issue_without_fields_is_refused_by_name():
    with pytest.raises(MappingError, match="no “fields”"):
        map_issue({"id": "1", "key": "EE-1"})


CSV = (
    "Summary,Issue key,Issue id,Issue Type,Status,Assignee,Assignee Id,Created,Updated,"
    "Sprint,Sprint,Labels,Labels,Custom field (Story Points),Parent,Status Category\n"
    "Login screen,MOB-1,10001,Story,In Progress,Lena Nowak,acc-1,25/Feb/26 10:17 PM,"
    "26/Feb/26 9:05 AM,MOB Sprint 1,MOB Sprint 2,ios,ux,3,,In Progress\n"
    "Password reset,MOB-2,10002,Sub-task,To Do,,,26/Feb/26 8:00 AM,,,,,,,10001,To Do\n"
)


def test_the_csv_export_reads_repeated_columns_and_dates_in_the_given_zone():
    issues = map_csv(CSV, zone="Europe/Warsaw", base_url="https://jira.example.test")
    first, second = issues
    assert first.created_at == dt.datetime(2026, 2, 25, 21, 17, tzinfo=UTC)  # 22:17 CET
    assert [s.name for s in first.sprints] == ["MOB Sprint 1", "MOB Sprint 2"]
    assert first.labels == ("ios", "ux") and first.story_points == Decimal("3.00")
    assert first.embedded_category == "in_progress" and first.status_id == ""
    assert first.url == "https://jira.example.test/browse/MOB-1"
    assert second.parent_key == "MOB-1" and second.assignee is None


def test_a_csv_date_that_is_not_a_date_names_line_and_column():
    bad = CSV.replace("26/Feb/26 8:00 AM", "Feb the 26th")
    with pytest.raises(MappingError, match=r"line 3: 'Created' “Feb the 26th” is not a date"):
        map_csv(bad)
    assert parse_csv_datetime("25/Feb/26 10:17 PM", zone=UTC, what="x").hour == 22


def test_a_csv_without_the_export_columns_is_refused():
    with pytest.raises(MappingError, match="'Issue key'"):
        map_csv("Title,Status\nA,Done\n")
