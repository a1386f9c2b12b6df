"""GitHub payload mapping on the recorded samples; expected values worked out by hand from the
raw JSON in ../shared/data/github."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.delivery.connectors.github import mapping
from accord.delivery.connectors.github.mapping import (
    PayloadError,
    ReviewFact,
    Skip,
    StatusUpdate,
    attributed_deployment,
    first_review_at,
    merge_status,
)
from accord.delivery.tests.github_payloads import (
    RUNS,
    deployment,
    deployment_status,
    issue,
    pull,
    release,
    reviews_of,
    sample,
)

UTC = dt.UTC


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def facts(reviews: list[dict]) -> list[ReviewFact]:
    mapped = [mapping.map_review(r) for r in reviews]
    return [
        ReviewFact(m.fields["reviewer_login"], m.fields["is_bot"], m.fields["state"],
                   m.fields["submitted_at"])
        for m in mapped
    ]  # fmt: skip


def test_a_merged_pull_request_takes_its_repo_from_the_base_not_the_fork():
    # given PR #4, opened by barryz from the fork barryz/ants into panjf2000/ants
    mapped = mapping.map_pull_request(pull(4))
    # then it belongs to the base repo, and it is merged
    assert mapped.external_id == "panjf2000/ants#4"
    f = mapped.fields
    assert (f["repo"], f["number"], f["base_branch"]) == ("panjf2000/ants", 4, "master")
    assert f["author_login"] == "barryz" and mapped.accounts["author_id"].is_bot is False
    assert f["created_at"] == dt.datetime(2018, 7, 25, 8, 19, 30, tzinfo=UTC)
    assert f["merged_at"] == f["closed_at"] == dt.datetime(2018, 7, 26, 2, 32, 41, tzinfo=UTC)
    assert (f["state"], f["is_draft"]) == ("merged", False)
    assert f["merge_commit_sha"] == "3ddd58c390b0f928a5782c235f90ad0c9c21312c"
    assert f["url"] == "https://github.com/panjf2000/ants/pull/4"


def test_a_title_longer_than_the_column_is_cut_to_500_characters():
    # PR #4's title is its first sentence repeated, 792 characters in the first copy
    title = mapping.map_pull_request(pull(4)).fields["title"]
    assert len(title) == 500 and title.endswith("he worker listpre-allocate the")


def test_a_closed_unmerged_pull_request_and_an_open_one():
    closed = mapping.map_pull_request(pull(8)).fields
    assert (closed["state"], closed["merged_at"]) == ("closed", None)
    assert closed["closed_at"] == dt.datetime(2018, 10, 30, 0, 12, 13, tzinfo=UTC)
    still_open = mapping.map_pull_request(pull(158)).fields
    assert (still_open["state"], still_open["closed_at"]) == ("open", None)


def test_a_pull_request_into_develop_keeps_its_base_branch():
    assert mapping.map_pull_request(pull(11)).fields["base_branch"] == "develop"


def test_size_fields_are_taken_only_when_the_payload_has_them():
    # the list endpoint has no sizes; a single GET (or a webhook) has them
    assert "additions" not in mapping.map_pull_request(pull(41)).fields
    payload = pull(41) | {"additions": 120, "deletions": 7, "changed_files": 3, "draft": True}
    f = mapping.map_pull_request(payload).fields
    assert (f["additions"], f["deletions"], f["changed_files"], f["is_draft"]) == (120, 7, 3, True)


def test_a_review_names_its_pull_request_by_url():
    review = mapping.map_review(reviews_of(41)[0])
    assert review.external_id == "277027723" and review.parent == "panjf2000/ants#41"
    assert review.fields["reviewer_login"] == "choleraehyq"
    assert review.fields["state"] == "COMMENTED"
    assert review.fields["submitted_at"] == dt.datetime(2019, 8, 20, 9, 5, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "created", "first", "pickup"),
    [
        # #41 by choleraehyq: his own comments at 09:05:02 do not count; panjf2000 at 09:19:55
        (41, "2019-08-20T03:24:27Z", "2019-08-20T09:19:55Z", dt.timedelta(hours=5, seconds=55 * 60 + 28)),
        # #51 by choleraehyq: panjf2000 reviews first, at 12:07:36
        (51, "2019-09-11T08:46:23Z", "2019-09-11T12:07:36Z", dt.timedelta(hours=3, minutes=21, seconds=13)),
        # #53 by KevinBaiSg: panjf2000 requests changes at 16:56:26
        (53, "2019-10-07T08:17:20Z", "2019-10-07T16:56:26Z", dt.timedelta(hours=8, minutes=39, seconds=6)),
    ],
)  # fmt: skip
def test_pickup_time_runs_to_the_first_review_by_someone_other_than_the_author(
    number, created, first, pickup
):
    pr = mapping.map_pull_request(pull(number)).fields
    got = first_review_at(pr["author_login"], facts(reviews_of(number)))
    assert pr["created_at"] == t(created) and got == t(first)
    assert got - pr["created_at"] == pickup


def test_a_pull_request_reviewed_only_by_its_author_has_no_pickup_time():
    # given only choleraehyq's own comments on his PR #41: 8 of its 13 review records (review
    # 277027723 was recorded twice)
    own = [r for r in reviews_of(41) if r["user"]["login"] == "choleraehyq"]
    assert (len(own), len({r["id"] for r in own}), len(reviews_of(41))) == (8, 7, 13)
    assert first_review_at("choleraehyq", facts(own)) is None


def test_a_pull_request_reviewed_only_by_bots_has_no_pickup_time():
    # given panjf2000's first review of #41, as if a bot had left it (by type, then by login)
    by_type, by_login = reviews_of(41)[2], reviews_of(41)[2]
    by_type["user"] = by_type["user"] | {"login": "review-helper", "type": "Bot"}
    by_login["user"] = by_login["user"] | {"login": "renovate[bot]"}
    own = [r for r in reviews_of(41) if r["user"]["login"] == "choleraehyq"]
    assert mapping.map_review(by_type).fields["is_bot"] is True
    assert mapping.map_review(by_login).fields["is_bot"] is True
    assert first_review_at("choleraehyq", facts([*own, by_type, by_login])) is None


def test_a_pending_review_is_not_a_review_yet():
    pending = reviews_of(51)[0] | {"state": "PENDING", "submitted_at": None}
    later = reviews_of(51)[1]  # choleraehyq, the author
    assert first_review_at("choleraehyq", facts([pending, later])) is None


def test_a_review_comment_counts_as_a_review():
    comment = {
        "id": 311029101,
        "pull_request_review_id": 286687335,
        "diff_hunk": "@@ -1,3 +1,3 @@",
        "path": "pool.go",
        "user": {"login": "panjf2000", "type": "User"},
        "created_at": "2019-09-11T12:07:36Z",
        "html_url": "https://github.com/panjf2000/ants/pull/51#discussion_r311029101",
        "pull_request_url": "https://api.github.com/repos/panjf2000/ants/pulls/51",
    }
    mapped = mapping.map_review_comment(comment)
    assert (mapped.external_id, mapped.parent) == ("comment-311029101", "panjf2000/ants#51")
    assert first_review_at("choleraehyq", facts([])) is None
    fact = ReviewFact("panjf2000", False, "COMMENTED", mapped.fields["submitted_at"])
    assert first_review_at("choleraehyq", [fact]) == t("2019-09-11T12:07:36Z")


def runs_named(name: str) -> list[dict]:
    return [r for r in sample(RUNS)["workflow_runs"] if r["name"] == name]


def test_a_successful_run_of_the_deployment_workflow_is_a_production_deployment():
    # given the rule "runs of Tests on master deploy", and Tests run 2589885628 (#75)
    rule = {"workflow": "tests", "branch": "master"}
    run = next(r for r in runs_named("Tests") if r["id"] == 2589885628)
    mapped = mapping.map_workflow_run(run, rule)
    assert not isinstance(mapped, Skip)
    f = mapped.fields
    assert mapped.external_id == "run-2589885628" and f["status"] == "success"
    assert (f["environment"], f["is_production"]) == ("production", True)
    assert f["started_at"] == t("2022-07-01T13:34:14Z")
    assert f["finished_at"] == t("2022-07-01T13:40:47Z")
    assert f["commit_sha"] == "fa938334e73faf88a15b59622ab1da61a643c5da"
    assert f["version"] == "Tests #75"


def test_runs_of_other_workflows_or_branches_are_skipped_with_a_reason():
    rule = {"workflow": "Tests", "branch": "master"}
    lint = mapping.map_workflow_run(runs_named("Lint")[0], rule)
    assert isinstance(lint, Skip) and "Lint" in lint.reason
    # Tests run #71 ran on the branch Fix_rm_redundancy_code
    other_branch = mapping.map_workflow_run(runs_named("Tests")[2], rule)
    assert isinstance(other_branch, Skip) and "Fix_rm_redundancy_code" in other_branch.reason
    assert isinstance(mapping.map_workflow_run(runs_named("Tests")[0], {}), Skip)


def test_14_of_the_29_codeql_runs_succeeded_whatever_the_casing_of_their_status():
    # 10 scheduled successes, push 2566218976, and 2559400712/22/23 ("COMPLETED", "SUCCESS")
    mapped = [mapping.map_workflow_run(r, {"workflow": "CodeQL"}) for r in runs_named("CodeQL")]
    statuses = [m.fields["status"] for m in mapped if not isinstance(m, Skip)]
    assert len(statuses) == 29 and statuses.count("success") == 14
    by_id = {m.external_id: m.fields for m in mapped if not isinstance(m, Skip)}
    assert by_id["run-2559400728"]["status"] == "in_progress"  # IN_PROGRESS, no conclusion
    assert by_id["run-2559400728"]["finished_at"] is None
    assert by_id["run-2559400724"]["status"] == "failure"


def test_deployments_to_environments_matching_the_pattern_are_production():
    rule = {"environment_pattern": "prod*"}
    prod_eu = mapping.map_deployment(deployment(7, "Prod-EU", "2026-03-02T10:00:00Z"), rule)
    staging = mapping.map_deployment(deployment(8, "staging", "2026-03-02T11:00:00Z"), rule)
    assert prod_eu.fields["is_production"] is True and staging.fields["is_production"] is False
    assert prod_eu.external_id == "deployment-7" and prod_eu.repo == "octo-org/payments"
    # without a pattern, GitHub's production_environment flag decides
    assert mapping.map_deployment(deployment(9, "production", "2026-03-02T12:00:00Z"), {}).fields[
        "is_production"
    ]


def test_a_deployment_status_is_the_furthest_one_reached_in_any_order():
    pending = mapping.map_deployment_status(
        deployment_status(1, 7, "pending", "2026-03-02T10:00:05Z")
    )
    running = mapping.map_deployment_status(
        deployment_status(2, 7, "in_progress", "2026-03-02T10:01:00Z")
    )
    success = mapping.map_deployment_status(
        deployment_status(3, 7, "success", "2026-03-02T10:06:40Z")
    )
    inactive = mapping.map_deployment_status(
        deployment_status(4, 7, "inactive", "2026-03-09T09:00:00Z")
    )
    assert success == StatusUpdate("deployment-7", "success", t("2026-03-02T10:06:40Z"))
    every = [pending, running, success, inactive]
    expected = ("success", t("2026-03-02T10:06:40Z"))
    assert merge_status(("", None), every) == expected
    assert merge_status(("", None), every[::-1]) == expected
    assert merge_status(merge_status(("", None), [inactive, success]), [pending]) == expected
    assert merge_status(("", None), [pending, running]) == ("in_progress", None)


def test_releases_are_deployments_only_when_the_rule_counts_them():
    payload = release(42, "v2.3.0", "2026-03-04T16:00:00Z")
    assert isinstance(mapping.map_release(payload, {}), Skip)
    mapped = mapping.map_release(payload, {"releases": True})
    assert not isinstance(mapped, Skip)
    assert (mapped.external_id, mapped.fields["version"]) == ("release-42", "v2.3.0")
    assert mapped.fields["is_production"] and mapped.fields["status"] == "success"
    assert mapped.fields["finished_at"] == t("2026-03-04T16:00:00Z")
    draft = mapping.map_release(release(43, "v2.4.0", "") | {"created_at": "2026-03-05T10:00:00Z",
                                "draft": True}, {"releases": True})  # fmt: skip
    assert isinstance(draft, Skip) and "draft" in draft.reason


def test_issues_with_an_incident_label_are_incidents_and_pull_requests_are_skipped():
    rule = {"labels": ["Incident"]}
    outage = issue(
        17, ["incident", "severity: high"], "2026-03-05T08:00:00Z", "2026-03-05T09:30:00Z"
    )
    mapped = mapping.map_issue(outage, rule)
    assert not isinstance(mapped, Skip)
    assert mapped.external_id == "octo-org/payments#17"
    f = mapped.fields
    assert (f["severity"], f["started_at"], f["resolved_at"]) == (
        "high",
        t("2026-03-05T08:00:00Z"),
        t("2026-03-05T09:30:00Z"),
    )
    assert isinstance(mapping.map_issue(issue(18, ["bug"], "2026-03-05T08:00:00Z"), rule), Skip)
    as_pr = issue(19, ["incident"], "2026-03-05T08:00:00Z") | {"pull_request": {"url": "…"}}
    skipped = mapping.map_issue(as_pr, rule)
    assert isinstance(skipped, Skip) and "pull request" in skipped.reason


def test_an_incident_is_attributed_to_the_latest_deployment_at_or_before_its_start():
    deployments = [(t("2026-03-02T10:06:40Z"), 1), (t("2026-03-04T16:00:00Z"), 2)]
    assert attributed_deployment(t("2026-03-04T16:00:00Z"), deployments) == 2  # at: counts
    assert attributed_deployment(t("2026-03-04T15:59:59Z"), deployments) == 1
    assert attributed_deployment(t("2026-03-01T00:00:00Z"), deployments) is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (pull(4) | {"created_at": "25/Jul/18 8:19 AM"}, "'created_at' is not a time"),
        (pull(4) | {"created_at": "2018-07-25T08:19:30"}, "has no time zone"),
        (pull(4) | {"number": "four"}, "'number' is missing or not a whole number"),
        ({k: v for k, v in pull(4).items() if k != "base"} | {"head": {}, "base": None}, "'base'"),
    ],
)
def test_malformed_pull_requests_say_which_field_is_wrong(payload, message):
    with pytest.raises(PayloadError, match=message):
        mapping.map_pull_request(payload)


def test_a_review_without_a_pull_request_url_is_malformed():
    with pytest.raises(PayloadError, match="does not name a pull request"):
        mapping.map_review(reviews_of(41)[0] | {"pull_request_url": "https://x/issues/41"})
