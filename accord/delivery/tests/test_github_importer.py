"""GitHub file import: the recorded samples, kinds told by content, derived facts, malformed
files, and idempotency as a property over overlapping imports."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.delivery.actions import ImportFailed, ImportSummary, run_import
from accord.delivery.connectors.github.importer import import_file
from accord.delivery.models import (
    DataSource,
    Deployment,
    Incident,
    Person,
    PersonIdentity,
    PullRequest,
    PullRequestReview,
    SyncRun,
)
from accord.delivery.tests.github_payloads import (
    PULLS,
    REVIEWS,
    RUNS,
    deployment,
    deployment_status,
    issue,
    release,
    sample,
)

UTC = dt.UTC


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def source(vistula_engagement) -> DataSource:
    return DataSource.objects.create(
        engagement=vistula_engagement,
        kind="github",
        name="GitHub",
        deployment_rule={"workflow": "Tests", "environment_pattern": "prod*", "releases": True},
        incident_rule={"labels": ["incident"]},
    )


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def do_import(source: DataSource, path: Path) -> ImportSummary:
    summary = ImportSummary()
    import_file(data_source=source, path=path, summary=summary, options={})
    return summary


def counts(summary: ImportSummary) -> dict[str, dict[str, int]]:
    return {kind: c.as_dict() for kind, c in summary.counts.items()}


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    folder = tmp_path / "ants"
    folder.mkdir()
    for path in (PULLS, REVIEWS, RUNS):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.mark.django_db
def test_the_recorded_samples_import_from_one_folder(source, samples):
    # when the folder with pulls, reviews and workflow runs is imported
    summary = do_import(source, samples)
    # then 50 PR records are 49 PRs (#4 is listed twice), 31 reviews are 30 (277027723 twice),
    # and of 35 runs the 3 of "Tests" are deployments
    got = counts(summary)
    assert got["pull_requests"] == {"created": 49, "updated": 0, "unchanged": 0, "skipped": 0}
    assert got["reviews"]["created"] == 30
    assert got["deployments"]["created"] == 3 and got["workflow_runs"]["skipped"] == 32
    assert PullRequest.objects.count() == 49 and PullRequestReview.objects.count() == 30
    # and first reviews are derived on write, excluding each PR's author
    first = dict(PullRequest.objects.values_list("number", "first_review_at"))
    assert first[41] == t("2019-08-20T09:19:55Z")
    assert first[51] == t("2019-09-11T12:07:36Z")
    assert first[53] == t("2019-10-07T16:56:26Z")
    assert sum(v is not None for v in first.values()) == 3
    # and one person per login, reviewers and authors alike
    pr53 = PullRequest.objects.get(number=53)
    assert pr53.author is not None and pr53.author.display_name == "KevinBaiSg"
    review = PullRequestReview.objects.get(external_id="298229495")
    assert review.reviewer is not None and review.reviewer.display_name == "panjf2000"
    assert PersonIdentity.objects.filter(source_kind="github", external_id="panjf2000").count() == 1


@pytest.mark.django_db
def test_importing_the_same_files_twice_changes_nothing(source, samples):
    do_import(source, samples)
    again = counts(do_import(source, samples))
    assert again["pull_requests"] == {"created": 0, "updated": 0, "unchanged": 49, "skipped": 0}
    assert again["reviews"] == {"created": 0, "updated": 0, "unchanged": 30, "skipped": 0}
    assert again["deployments"]["unchanged"] == 3 and again["deployments"]["created"] == 0


@pytest.mark.django_db
def test_reviews_of_a_pull_request_not_imported_are_skipped_with_a_reason(source, tmp_path):
    summary = do_import(source, write(tmp_path, "reviews.json", sample(REVIEWS)))
    assert summary.counts["reviews"].skipped == 31
    assert "panjf2000/ants#41 is not imported" in summary.skipped[0]["reason"]
    assert not PullRequestReview.objects.exists()


@pytest.mark.django_db
def test_a_review_imported_after_its_pull_request_sets_the_first_review(source, tmp_path):
    # given PR #51 imported alone, so with no first review yet
    do_import(
        source, write(tmp_path, "pulls.json", [p for p in sample(PULLS) if p["number"] == 51])
    )
    assert PullRequest.objects.get().first_review_at is None
    # when its reviews arrive
    reviews = [r for r in sample(REVIEWS) if r["pull_request_url"].endswith("/51")]
    do_import(source, write(tmp_path, "reviews.json", reviews))
    # then the first review by someone else is set: panjf2000 at 12:07:36
    assert PullRequest.objects.get().first_review_at == t("2019-09-11T12:07:36Z")


@pytest.mark.django_db
def test_a_pull_request_outside_the_sources_repos_is_skipped(source, samples):
    source.scope = {"repos": ["octo-org/payments"]}
    source.save()
    summary = do_import(source, samples / PULLS.name)
    assert summary.counts["pull_requests"].skipped == 50 and not PullRequest.objects.exists()


def deployments_folder(folder: Path) -> Path:
    write(
        folder,
        "deployments.json",
        [
            deployment(7, "production", "2026-03-02T10:00:00Z"),
            deployment(8, "staging", "2026-03-03T10:00:00Z"),
            deployment(9, "production", "2026-03-04T10:00:00Z"),
        ],
    )
    write(
        folder,
        "statuses-7.json",
        [
            deployment_status(71, 7, "success", "2026-03-02T10:06:40Z"),
            deployment_status(70, 7, "in_progress", "2026-03-02T10:01:00Z"),
        ],
    )
    write(folder, "statuses-8.json", [deployment_status(81, 8, "success", "2026-03-03T10:05:00Z")])
    write(folder, "statuses-9.json", [deployment_status(91, 9, "failure", "2026-03-04T10:03:00Z")])
    write(folder, "releases.json", [release(42, "v2.3.0", "2026-03-04T16:00:00Z")])
    write(
        folder,
        "issues.json",
        [
            issue(17, ["incident"], "2026-03-04T12:00:00Z", "2026-03-04T13:30:00Z"),
            issue(18, ["incident"], "2026-03-05T08:00:00Z"),
            issue(19, ["incident"], "2026-03-01T08:00:00Z"),
            issue(20, ["question"], "2026-03-05T08:00:00Z"),
        ],
    )
    return folder


@pytest.mark.django_db
def test_incidents_are_attributed_to_the_latest_successful_production_deployment(source, tmp_path):
    # given production deployment 7 succeeded at 03-02 10:06:40, staging 8 on 03-03, production
    # 9 failed on 03-04, and release v2.3.0 was published on 03-04 at 16:00
    do_import(source, deployments_folder(tmp_path))
    by_id = {d.external_id: d for d in Deployment.objects.all()}
    assert (by_id["deployment-7"].status, by_id["deployment-7"].finished_at) == (
        "success",
        t("2026-03-02T10:06:40Z"),
    )
    assert by_id["deployment-8"].is_production is False
    assert by_id["deployment-9"].status == "failure"
    # then #17 (03-04 12:00) goes to deployment 7 — 9 failed, 8 is staging — #18 (03-05) to the
    # release, and #19 (03-01) happened before any deployment
    links = {
        i.external_id: i.deployment.external_id if i.deployment else None
        for i in Incident.objects.select_related("deployment")
    }
    assert links == {
        "octo-org/payments#17": "deployment-7",
        "octo-org/payments#18": "release-42",
        "octo-org/payments#19": None,
    }
    assert Incident.objects.get(external_id="octo-org/payments#17").resolved_at == t(
        "2026-03-04T13:30:00Z"
    )


@pytest.mark.django_db
def test_statuses_imported_before_their_deployment_wait_for_a_reimport(source, tmp_path):
    summary = do_import(
        source,
        write(tmp_path, "s.json", [deployment_status(71, 7, "success", "2026-03-02T10:06:40Z")]),
    )
    assert summary.counts["deployment_statuses"].skipped == 1
    assert "deployment-7 is not imported" in summary.skipped[0]["reason"]
    # a deployment without statuses is pending
    do_import(
        source, write(tmp_path, "d.json", [deployment(7, "production", "2026-03-02T10:00:00Z")])
    )
    assert Deployment.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"number": 4, "head": {}', "pulls.json is not valid JSON: Expecting"),
        (b"\xff\xfe[]", "pulls.json is not UTF-8 text"),
        ('"just text"', "pulls.json: the file holds a JSON str"),
        ('[{"name": "not github"}]', "pulls.json, record 1 is not a GitHub record (expected"),
        ("[1, 2]", "pulls.json, record 1 is not a GitHub record"),
    ],
)
@pytest.mark.django_db
def test_a_malformed_file_fails_with_one_sentence_naming_the_file(
    source, tmp_path, content, message
):
    path = tmp_path / "pulls.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ImportFailed) as failure:
        do_import(source, path)
    assert str(failure.value).startswith(message)


@pytest.mark.django_db
def test_a_bad_record_fails_the_whole_import_and_writes_nothing(source, tmp_path):
    # given the recorded PRs with record 3 (PR #8) given a date in Jira's CSV style
    pulls = sample(PULLS)
    pulls[2]["created_at"] = "29/Aug/18 1:35 AM"
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a-pulls.json", pulls)
    write(folder, "b-reviews.json", sample(REVIEWS))
    # when it is imported as a run
    run = run_import(
        data_source=source,
        trigger=SyncRun.Trigger.IMPORT,
        work=lambda summary: import_file(data_source=source, path=folder, summary=summary),
    )
    # then the run failed with one sentence, and nothing was written
    assert run.status == "failed"
    assert run.error == (
        "a-pulls.json, record 3 (pull request 8): 'created_at' is not a time: "
        "'29/Aug/18 1:35 AM' (expected ISO 8601 like 2024-05-01T12:00:00Z)."
    )
    assert not PullRequest.objects.exists() and not Person.objects.exists()


@pytest.mark.django_db
def test_a_missing_path_and_an_empty_folder_fail_clearly(source, tmp_path):
    with pytest.raises(ImportFailed, match="does not exist"):
        do_import(source, tmp_path / "nope.json")
    with pytest.raises(ImportFailed, match=r"holds no \.json files"):
        do_import(source, tmp_path)


# -- idempotency as a property --------------------------------------------------------------

PULL_RECORDS = sample(PULLS)
REVIEW_RECORDS = sample(REVIEWS)
RUN_RECORDS = sample(RUNS)["workflow_runs"]
DEPLOYMENTS = [deployment(n, "production", f"2026-03-0{n - 5}T10:00:00Z") for n in (7, 8, 9)]
STATUSES = [
    deployment_status(70, 7, "in_progress", "2026-03-02T10:01:00Z"),
    deployment_status(71, 7, "success", "2026-03-02T10:06:40Z"),
    deployment_status(72, 7, "inactive", "2026-03-03T10:06:40Z"),
    deployment_status(81, 8, "success", "2026-03-03T10:05:00Z"),
    deployment_status(91, 9, "failure", "2026-03-04T10:03:00Z"),
]
ISSUES = [issue(n, ["incident"], f"2026-03-0{n - 10}T12:00:00Z") for n in (11, 12, 13, 14, 15)]


def _pr_of(review: dict) -> int:
    return int(review["pull_request_url"].rsplit("/", 1)[1])


def _dep_of(status: dict) -> int:
    return int(status["deployment_url"].rsplit("/", 1)[1])


@st.composite
def import_sequences(draw: st.DrawFn) -> tuple[list[list[dict]], list[dict]]:
    """1 to 4 imports of overlapping subsets, and everything they hold in another order; a review or
    status comes in the import of its PR or deployment or a later one (earlier ones are skipped
    by design and tested above)."""
    imports: list[list[dict]] = []
    seen_prs: set[int] = set()
    seen_deps: set[int] = set()
    for _ in range(draw(st.integers(1, 4))):
        pulls = draw(st.lists(st.sampled_from(PULL_RECORDS), max_size=12))
        deps = draw(st.lists(st.sampled_from(DEPLOYMENTS), max_size=3))
        seen_prs |= {p["number"] for p in pulls}
        seen_deps |= {d["id"] for d in deps}
        reviews = [r for r in REVIEW_RECORDS if _pr_of(r) in seen_prs and draw(st.booleans())]
        statuses = [s for s in STATUSES if _dep_of(s) in seen_deps and draw(st.booleans())]
        runs = draw(st.lists(st.sampled_from(RUN_RECORDS), max_size=6))
        issues = draw(st.lists(st.sampled_from(ISSUES), max_size=5))
        records = [*pulls, *reviews, *deps, *statuses, *runs, *issues]
        imports.append(draw(st.permutations(records)))
    union = draw(st.permutations([r for records in imports for r in records]))
    return imports, union


def snapshot() -> dict[str, list[Any]]:
    """The database state, with keys replaced by external ids so two runs can be compared."""
    login: dict[int | None, str] = dict(
        PersonIdentity.objects.values_list("person_id", "external_id")
    )
    return {
        "prs": sorted(
            (p.external_id, p.title, p.state, p.created_at, p.merged_at, p.closed_at,
             p.first_review_at, login.get(p.author_id), p.base_branch, p.repo)
            for p in PullRequest.objects.all()
        ),
        "reviews": sorted(
            (r.external_id, r.pull_request.external_id, login.get(r.reviewer_id), r.state,
             r.submitted_at, r.is_bot)
            for r in PullRequestReview.objects.select_related("pull_request")
        ),
        "deployments": sorted(
            (d.external_id, d.status, d.finished_at, d.started_at, d.is_production, d.version)
            for d in Deployment.objects.all()
        ),
        "incidents": sorted(
            (i.external_id, i.deployment.external_id if i.deployment else None, i.started_at)
            for i in Incident.objects.select_related("deployment")
        ),
        "people": sorted(login.values()),
    }  # fmt: skip


def _import_records(source: DataSource, records: list[dict]) -> ImportSummary:
    with tempfile.TemporaryDirectory() as folder:
        # split each import over two files, as a user's folder of pages would be
        half = len(records) // 2
        write(Path(folder), "1.json", records[:half])
        write(Path(folder), "2.json", records[half:])
        return do_import(source, Path(folder))


def _reset() -> None:
    for model in (Incident, Deployment, PullRequestReview, PullRequest, PersonIdentity, Person):
        model.objects.all().delete()


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=import_sequences())
def test_any_sequence_of_overlapping_imports_ends_where_one_import_of_their_union_does(
    source, drawn
):
    imports, union = drawn
    # when the imports run one after another
    _reset()
    for records in imports:
        _import_records(source, records)
    after_sequence = snapshot()
    # then importing everything they held once more, in any order, changes nothing…
    again = _import_records(source, union)
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    assert snapshot() == after_sequence
    # …and one import of the union into an empty database ends in the same state
    _reset()
    _import_records(source, union)
    assert snapshot() == after_sequence
