"""The generic work-item CSV: columns, dates and zones, facts, row-numbered errors, nothing
written on any error, idempotency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.delivery.actions import run_import
from accord.delivery.connectors.csv import importer
from accord.delivery.connectors.csv.mapping import parse_date, zone_named
from accord.delivery.models import DataSource, SourceStatus, StatusChange, SyncRun, WorkItem
from accord.engagements.models import Engagement

UTC = dt.UTC
HEADER = "key,title,type,status,created,updated,started,done,assignee,assignee_email,labels,story_points,url,parent"
GOOD = f"""{HEADER}
ACME-1,Login with SSO,Story,Done,2026-02-02 09:00,2026-02-06 17:00,2026-02-03 10:30,2026-02-06 16:45,Ana Silva,ana@vendor.example,auth;sso,5,https://tracker.example/ACME-1,ACME-10
ACME-2,Crash on empty cart,Bug,In progress,2026-02-05,,2026-02-09 08:15,,Li Wei,li@client.example,,1.5,,
ACME-3,Dark mode,Story,Backlog,25/Feb/26 10:17 PM,,,,,,,,,
ACME-4,"Checkout, step 2",Story,Shipped,2026-02-02T09:00:00Z,,,2026-02-04T12:00:00+01:00,Ana Silva,ANA@vendor.example,"ux, checkout",0.333,,ACME-10
ACME-5,Review the copy,Task,Waiting for legal,2026-02-10 11:00,,,,,,,,,
"""


@pytest.fixture
def source(vistula_engagement: Engagement) -> DataSource:
    return DataSource.objects.create(engagement=vistula_engagement, kind="csv", name="Tracker")


def write(tmp_path: Path, text: str | bytes, name: str = "items.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run(source: DataSource, path: Path, zone: str | None = "Europe/Berlin") -> SyncRun:
    return run_import(
        data_source=source,
        trigger=SyncRun.Trigger.IMPORT,
        work=lambda summary: importer.import_file(
            data_source=source, path=path, summary=summary, options={"zone": zone}
        ),
    )


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 2, day, hour, minute, tzinfo=UTC)


@pytest.mark.django_db
def test_a_good_file_imports_every_column_and_the_facts_worked_out_by_hand(
    source: DataSource, tmp_path: Path
) -> None:
    # when: naive times are Berlin time (UTC+1 in February)
    result = run(source, write(tmp_path, GOOD))
    # then
    assert result.status == "succeeded", result.error
    assert result.counts["work_items"] == {"created": 5, "updated": 0, "unchanged": 0, "skipped": 0}
    sso = WorkItem.objects.select_related("assignee").get(key="ACME-1")
    assert (sso.title, sso.item_type, sso.status, sso.status_category) == (
        "Login with SSO",
        "Story",
        "Done",
        "done",
    )
    assert (sso.created_at, sso.updated_at) == (at(2, 8), at(6, 16))
    assert (sso.started_at, sso.done_at) == (at(3, 9, 30), at(6, 15, 45))
    assert sso.cycle_time == dt.timedelta(days=3, hours=6, minutes=15)
    assert sso.lead_time == dt.timedelta(days=4, hours=7, minutes=45)
    assert sso.labels == ["auth", "sso"]
    assert sso.story_points == Decimal("5.00")
    assert (sso.url, sso.parent_key) == ("https://tracker.example/ACME-1", "ACME-10")
    assert sso.assignee is not None and sso.assignee.email == "ana@vendor.example"
    # in progress: started, not done
    cart = WorkItem.objects.get(key="ACME-2")
    assert (cart.created_at, cart.started_at, cart.done_at) == (at(4, 23), at(9, 7, 15), None)
    # Jira's export format, read in the given zone; never started
    dark = WorkItem.objects.get(key="ACME-3")
    assert (dark.created_at, dark.started_at, dark.done_at) == (at(25, 21, 17), None, None)
    # offsets in the file win over the zone; done without a start has no cycle time
    checkout = WorkItem.objects.get(key="ACME-4")
    assert (checkout.created_at, checkout.done_at, checkout.cycle_time) == (
        at(2, 9),
        at(4, 11),
        None,
    )
    assert checkout.status_category == "done"
    assert checkout.labels == ["ux", "checkout"]
    assert checkout.story_points == Decimal("0.33")
    # one person for both rows of Ana, whatever the case of her email
    assert checkout.assignee_id == sso.assignee_id
    # an unknown status counts as to do and is listed as unmapped
    legal = WorkItem.objects.get(key="ACME-5")
    assert legal.status_category == "todo"
    assert SourceStatus.objects.get(name="Waiting for legal").resolution == "unresolved"
    assert "Waiting for legal" in result.summary


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(source: DataSource, tmp_path: Path) -> None:
    # given
    path = write(tmp_path, GOOD)
    run(source, path)
    before = list(WorkItem.objects.order_by("key").values())
    # when
    again = run(source, path)
    # then
    assert again.counts["work_items"] == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 0}
    assert again.counts["status_changes"]["created"] == 0
    assert list(WorkItem.objects.order_by("key").values()) == before


@pytest.mark.django_db
def test_a_newer_export_updates_in_place_and_a_cleared_date_is_forgotten(
    source: DataSource, tmp_path: Path
) -> None:
    # given
    run(source, write(tmp_path, GOOD))
    reopened = GOOD.replace(
        "ACME-1,Login with SSO,Story,Done,2026-02-02 09:00,2026-02-06 17:00,2026-02-03 10:30,2026-02-06 16:45",
        "ACME-1,Login with SSO,Story,In progress,2026-02-02 09:00,2026-02-07 09:00,2026-02-03 10:30,",
    )
    # when
    result = run(source, write(tmp_path, reopened, "newer.csv"))
    # then
    assert result.counts["work_items"]["updated"] == 1
    sso = WorkItem.objects.get(key="ACME-1")
    assert (sso.status_category, sso.started_at, sso.done_at) == ("in_progress", at(3, 9, 30), None)
    assert not StatusChange.objects.filter(external_id="ACME-1:done").exists()
    assert WorkItem.objects.count() == 5


@pytest.mark.django_db
def test_the_status_mapping_decides_first(source: DataSource, tmp_path: Path) -> None:
    # given
    source.status_mapping = {"waiting for legal": "in_progress", "Shipped": "done"}
    source.save()
    # when
    run(source, write(tmp_path, GOOD))
    # then
    assert WorkItem.objects.get(key="ACME-5").status_category == "in_progress"
    assert SourceStatus.objects.get(name="Waiting for legal").resolution == "mapping"


@pytest.mark.django_db
def test_semicolons_headers_in_any_case_and_unknown_columns_are_fine(
    source: DataSource, tmp_path: Path
) -> None:
    # given
    text = "Key;Title;Status;Created;Story Points;Sprint\nX-1;Thing;Doing;2026-02-02;2,5;S1\n"
    # when
    result = run(source, write(tmp_path, text), zone=None)
    # then
    assert result.status == "succeeded", result.error
    item = WorkItem.objects.get(key="X-1")
    assert (item.created_at, item.story_points, item.status_category) == (
        at(2, 0),
        Decimal("2.50"),
        "in_progress",
    )
    assert "Columns Accord does not read were ignored: Sprint." in result.summary


BAD_ROWS = [
    (
        "ACME-9,Thing,Story,Done,14.02.2026,,,,,,,,,",
        "items.csv: Row 3: 'created' is not a date: “14.02.2026” (expected 2026-02-25, "
        "2026-02-25 22:17, 2026-02-25T22:17:00+01:00 or 25/Feb/26 10:17 PM).",
    ),
    ("ACME-9,,Story,Done,2026-02-02,,,,,,,,,", "items.csv: Row 3: 'title' is empty."),
    (
        "ACME-1,Again,Story,Done,2026-02-02,,,,,,,,,",
        "items.csv: Row 3: key 'ACME-1' is also on row 2.",
    ),
    (
        "ACME-9,Thing,Story,Done,2026-02-02,,,2026-02-01,,,,,,",
        "items.csv: Row 3: 'done' is before 'created'; an item cannot start or finish before it exists.",
    ),
    (
        "ACME-9,Thing,Story,Done,2026-02-02,,2026-02-05,2026-02-04,,,,,,",
        "items.csv: Row 3: 'done' is before 'started'.",
    ),
    (
        "ACME-9,Thing,Story,Done,2026-02-02,,,,,,,lots,,",
        "items.csv: Row 3: 'story_points' is not a number: “lots” (expected e.g. 3 or 0.5).",
    ),
    (
        "ACME-9,Thing,Story,Done,2026-02-02,,,,,,,,tracker/ACME-9,",
        "items.csv: Row 3: 'url' is not a web address: “tracker/ACME-9” (expected https://…).",
    ),
    (
        "ACME-9,Thing,Story,Done,2026-02-02,,,,Ana,ana-at-vendor,,,,",
        "items.csv: Row 3: 'assignee_email' is not an email address: “ana-at-vendor”.",
    ),
    (
        "ACME-9,Thing,Story,Done,2026-02-02,,,,,,,,,,extra",
        "items.csv, row 3: 15 cells but the header has 14 columns (a comma inside a value needs quotes).",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("line", "message"), BAD_ROWS)
def test_a_bad_row_fails_with_one_sentence_naming_it_and_writes_nothing(
    source: DataSource, tmp_path: Path, line: str, message: str
) -> None:
    # given: a good first row, then the bad one on row 3
    text = f"{HEADER}\nACME-1,Login,Story,Done,2026-02-02,,,,,,,,,\n{line}\n"
    # when
    result = run(source, write(tmp_path, text))
    # then
    assert result.status == "failed"
    assert result.error == message
    assert WorkItem.objects.count() == 0
    assert StatusChange.objects.count() == 0


@pytest.mark.django_db
def test_the_header_spelling_is_used_in_messages(source: DataSource, tmp_path: Path) -> None:
    # given: row 14 is the bad one
    rows = "".join(f"K-{n},T,Story,Done,2026-02-02\n" for n in range(12))
    text = f"Key,Title,Type,Status,Created\n{rows}K-99,T,Story,Done,yesterday\n"
    # when
    result = run(source, write(tmp_path, text))
    # then
    assert result.error.startswith(
        "items.csv: Row 14: 'Created' is not a date: “yesterday” (expected"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"key,title,created\nK-1,T,2026-02-02\n",
            "items.csv has no 'status' column (expected a header row with key, title, status, "
            "created; optional: type, updated, started, done, assignee, assignee_email, labels, "
            "story_points, url, parent).",
        ),
        (
            "key,title,status,created\nK-1,Café,Done,2026-02-02\n".encode("latin-1"),
            "items.csv is not UTF-8 text (byte 33 cannot be read); save it as “CSV UTF-8” and "
            "import it again.",
        ),
        (
            b"",
            "items.csv is empty (expected a header row: key, title, type, status, created, "
            "updated, started, done, assignee, assignee_email, labels, story_points, url, parent).",
        ),
    ],
)
def test_unreadable_files_fail_with_one_clear_error(
    source: DataSource, tmp_path: Path, content: bytes, message: str
) -> None:
    result = run(source, write(tmp_path, content))
    assert (result.status, result.error) == ("failed", message)
    assert WorkItem.objects.count() == 0


@pytest.mark.django_db
def test_without_the_option_the_sources_zone_applies(source: DataSource, tmp_path: Path) -> None:
    # given: a source set to India (UTC+5:30)
    source.scope = {"zone": "Asia/Kolkata"}
    source.save()
    # when
    run(source, write(tmp_path, GOOD), zone=None)
    # then
    assert WorkItem.objects.get(key="ACME-2").created_at == at(4, 18, 30)


@pytest.mark.django_db
def test_a_bad_zone_is_named(source: DataSource, tmp_path: Path) -> None:
    result = run(source, write(tmp_path, GOOD), zone="Europe/Berln")
    assert (
        result.error
        == "“Europe/Berln” is not a time zone (expected an IANA name like Europe/Berlin)."
    )


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + GOOD)
    rows, unknown = importer.read_rows(path, "UTC")
    assert [row.key for row in rows] == ["ACME-1", "ACME-2", "ACME-3", "ACME-4", "ACME-5"]
    assert unknown == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-25", dt.datetime(2026, 2, 24, 23, 0, tzinfo=UTC)),
        ("2026-02-25 22:17", dt.datetime(2026, 2, 25, 21, 17, tzinfo=UTC)),
        ("2026-02-25T22:17:00+05:30", dt.datetime(2026, 2, 25, 16, 47, tzinfo=UTC)),
        ("2026-02-25T21:17:00Z", dt.datetime(2026, 2, 25, 21, 17, tzinfo=UTC)),
        ("25/Feb/26 10:17 PM", dt.datetime(2026, 2, 25, 21, 17, tzinfo=UTC)),
        ("25/Feb/2026 09:05", dt.datetime(2026, 2, 25, 8, 5, tzinfo=UTC)),
        ("25 February 2026", dt.datetime(2026, 2, 24, 23, 0, tzinfo=UTC)),
        ("2026-07-01 12:00", dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),  # summer time
        ("02/03/2026", None),
        ("25.02.2026", None),
        ("soon", None),
    ],
)
def test_accepted_date_forms_in_berlin(text: str, expected: dt.datetime | None) -> None:
    assert parse_date(text, zone_named("Europe/Berlin")) == expected


GOOD_ROWS = GOOD.strip().splitlines()[1:]


def csv_state(source: DataSource) -> tuple[list[Any], list[Any]]:
    items = list(
        WorkItem.objects.filter(data_source=source)
        .order_by("key")
        .values(
            "key",
            "status",
            "status_category",
            "created_at",
            "started_at",
            "done_at",
            "story_points",
            "labels",
            "assignee__email",
        )
    )
    changes = list(
        StatusChange.objects.filter(data_source=source)
        .order_by("external_id")
        .values("external_id", "to_status", "to_category", "changed_at")
    )
    return items, changes


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=st.lists(st.sets(st.sampled_from(GOOD_ROWS), min_size=1), min_size=1, max_size=4))
def test_any_sequence_of_overlapping_csv_imports_ends_as_one_import_of_their_union(
    source: DataSource, tmp_path: Path, files: list[set[str]]
) -> None:
    # when: the files one after another, the first again at the end
    with transaction.atomic():
        for n, rows in enumerate([*files, files[0]]):
            path = write(tmp_path, HEADER + "\n" + "\n".join(sorted(rows)) + "\n", f"f{n}.csv")
            assert run(source, path).status == "succeeded"
        in_turn = csv_state(source)
        transaction.set_rollback(True)
    with transaction.atomic():
        union = set().union(*files)
        run(source, write(tmp_path, HEADER + "\n" + "\n".join(sorted(union)) + "\n", "all.csv"))
        at_once = csv_state(source)
        transaction.set_rollback(True)
    # then
    assert in_turn == at_once
