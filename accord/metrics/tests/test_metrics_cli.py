"""`accord metrics SLUG`: the table, the JSON shape, the date range and clear errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.metrics.catalog import CATALOG
from accord.metrics.cli import date_range
from accord.metrics.tests.builders import Delivery, at

pytestmark = pytest.mark.django_db
REQUIRED = {
    "throughput",
    "cycle_time_p50_hours",
    "cycle_time_p85_hours",
    "lead_time_p50_hours",
    "wip",
    "say_do_ratio",
    "pr_pickup_p50_hours",
    "pr_time_to_merge_p50_hours",
    "deployment_frequency_per_week",
    "lead_time_for_changes_p50_hours",
    "change_failure_rate",
    "time_to_restore_p50_hours",
}


@pytest.fixture
def engagement(vistula_engagement):
    d = Delivery(vistula_engagement)
    # done 2 and 4 March after starting on the 1st: cycle 24 h and 72 h
    d.item("A-1", created=at(1), moves=[(at(1), "In Progress"), (at(2), "Done")])
    d.item("A-2", created=at(1), moves=[(at(1), "In Progress"), (at(4), "Done")])
    d.finish()
    return vistula_engagement


def run(*args: str):
    return CliRunner().invoke(main, ["metrics", *args])


def test_json_lists_every_catalog_metric_in_the_documented_shape(engagement):
    result = run(engagement.slug, "--from", "2026-03-01", "--to", "2026-03-31", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"engagement", "from", "to", "metrics"}
    assert (data["engagement"], data["from"], data["to"]) == (
        engagement.slug,
        "2026-03-01",
        "2026-03-31",
    )
    assert set(data["metrics"]) >= REQUIRED and set(data["metrics"]) == set(CATALOG)
    for entry in data["metrics"].values():
        assert set(entry) == {"value", "unit", "formula", "evidence_count"}
        assert entry["value"] is None or isinstance(entry["value"], float)
        assert isinstance(entry["evidence_count"], int) and entry["formula"]
    assert data["metrics"]["throughput"] == {
        "value": 2.0,
        "unit": "items",
        "formula": CATALOG["throughput"].formula,
        "evidence_count": 2,
    }
    assert data["metrics"]["cycle_time_p50_hours"]["value"] == 48.0  # (24 + 72) / 2
    assert data["metrics"]["say_do_ratio"]["value"] is None  # no sprint: no data


def test_the_to_day_is_included(engagement):
    # A-2 is done on 4 March: in a range ending on the 4th, not in one ending on the 3rd
    def throughput(last: str):
        out = run(engagement.slug, "--from", "2026-03-01", "--to", last, "--json").output
        return json.loads(out)["metrics"]["throughput"]["value"]

    assert (throughput("2026-03-03"), throughput("2026-03-04")) == (1.0, 2.0)


def test_the_table_shows_each_metric_with_its_value_or_no_data(engagement):
    result = run(engagement.slug, "--from", "2026-03-01", "--to", "2026-03-31")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("Throughput" in line and "2 items" in line for line in lines)
    assert any("Say/do ratio" in line and "no data" in line for line in lines)
    assert "FLOW" in lines and "DORA" in lines


def test_an_affiliation_restricts_the_work_counted(engagement, vistula):
    result = run(
        engagement.slug, "--from", "2026-03-01", "--to", "2026-03-31", "--json",
        "--affiliation", f"vendor:{vistula.organization.pk}",
    )  # fmt: skip
    # nobody is assigned to the items: none is the vendor's
    assert json.loads(result.output)["metrics"]["throughput"]["value"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-engagement"], "There is no engagement “no-such-engagement”"),
        (["{slug}", "--from", "1 March"], "“1 March” is not a date (expected YYYY-MM-DD)"),
        (["{slug}", "--from", "2026-03-05", "--to", "2026-03-01"], "is before --from"),
        (["{slug}", "--affiliation", "vendors"], "“vendors” is not an affiliation"),
        (["{slug}", "--affiliation", "vendor:999999"], "no vendor organization with id 999999"),
        (["{slug}", "--user", "nobody"], "There is no user “nobody”"),
    ],
)
def test_bad_input_is_one_clear_sentence_and_a_non_zero_exit(engagement, args, message):
    result = run(*[a.format(slug=engagement.slug) for a in args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_vendor_user_cannot_reach_another_vendors_engagement(engagement, dev, lena):
    assert run(engagement.slug, "--user", "dev").exit_code != 0
    assert run(engagement.slug, "--user", "lena", "--json").exit_code == 0


def test_the_default_range_is_the_last_thirty_days_including_today():
    today = dt.date(2026, 3, 31)
    assert date_range(None, None, today) == (dt.date(2026, 3, 2), today)
    assert date_range(dt.date(2026, 3, 1), None, today) == (dt.date(2026, 3, 1), today)
