"""`accord kpis`: imports with one-sentence errors, recompute, and exports under the policy."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from accord.cli import main
from accord.metrics import actions
from accord.metrics.models import ManualValue, SurveyResponse

pytestmark = pytest.mark.django_db


def test_values_and_surveys_import_from_files(mark, vistula_engagement, tmp_path):
    values = tmp_path / "values.csv"
    values.write_text("kpi,period start,period end,value\nretention,2026-01-01,2026-03-31,96%\n")
    surveys = tmp_path / "surveys.csv"
    surveys.write_text("kind,score,responded at\nnps,9,2026-02-02\n")
    slug = vistula_engagement.slug
    runner = CliRunner()
    first = runner.invoke(
        main, ["kpis", "import-values", str(values), "--engagement", slug, "--user", "mark"]
    )
    assert first.exit_code == 0, first.output
    assert "1 created, 0 updated, 0 unchanged" in first.output
    second = runner.invoke(main, ["kpis", "import-surveys", str(surveys), "--engagement", slug])
    assert second.exit_code == 0, second.output
    assert ManualValue.objects.get().value == pytest.approx(0.96)
    assert SurveyResponse.objects.get().score == 9


def test_a_bad_file_is_one_sentence_and_nothing_is_written(vistula_engagement, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,score,responded at\ncsat,7,2026-02-02\n")
    result = CliRunner().invoke(
        main, ["kpis", "import-surveys", str(bad), "--engagement", vistula_engagement.slug]
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Row 2, column “score”: csat scores go from 1 to 5, not 7. Nothing was written."
    )
    assert not SurveyResponse.objects.exists()


def test_a_vendor_user_may_not_import(lena, vistula_engagement, tmp_path):
    values = tmp_path / "values.csv"
    values.write_text("kpi,period start,period end,value\nretention,2026-01-01,2026-03-31,1\n")
    slug = vistula_engagement.slug
    args = ["kpis", "import-values", str(values), "--engagement", slug, "--user", "lena"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "lena may not change the KPIs of Mobile banking app." in result.output


def test_recompute_and_export_measurements(mark, dev, vistula_engagement, tmp_path):
    actions.define_kpi(
        actor=mark, engagement=vistula_engagement, metric_key="nps", target=30, warning_threshold=0
    )
    slug = vistula_engagement.slug
    runner = CliRunner()
    recomputed = runner.invoke(main, ["kpis", "recompute", slug, "--since", "2026-02-01"])
    assert recomputed.exit_code == 0, recomputed.output
    assert "measurements recomputed" in recomputed.output
    exported = runner.invoke(main, ["kpis", "export", slug])
    assert exported.output.startswith("kpi,metric_key,period_start")
    xlsx = tmp_path / "m.xlsx"
    assert runner.invoke(main, ["kpis", "export", slug, "--format", "xlsx", "-o", str(xlsx)])
    rows = list(load_workbook(io.BytesIO(xlsx.read_bytes())).active.iter_rows(values_only=True))
    assert len(rows) == len(exported.output.strip().splitlines())
    refused = runner.invoke(main, ["kpis", "export", slug, "--format", "xlsx"])
    assert "give a file with --output" in refused.output
    other = runner.invoke(main, ["kpis", "export", slug, "--user", "dev"])
    assert other.exit_code == 1
    assert f"There is no engagement “{slug}”." in other.output
