"""GitHub client and sync against a fake GitHub on 127.0.0.1 serving the recorded payloads:
Link paging, ETags, rate limits, 5xx retries, and a run that fails half-way and is resumed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from accord.delivery.actions import ImportFailed, ImportSummary, run_import
from accord.delivery.connectors.github import sync as github_sync
from accord.delivery.connectors.github.client import GitHubClient, rate_limit_wait
from accord.delivery.models import DataSource, Deployment, PullRequest, PullRequestReview, SyncRun
from accord.delivery.tests.fakeserver import FakeServer, Reply, Request, Sleeps
from accord.delivery.tests.github_payloads import PULLS, RUNS, reviews_of, sample

REPO = "panjf2000/ants"
PATH = f"/repos/{REPO}/pulls"
NOW = 1_800_000_000.0
PAGE = 20


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


def newest_first() -> list[dict[str, Any]]:
    return sorted(sample(PULLS), key=lambda p: p["updated_at"], reverse=True)


class FakeGitHub:
    """The routes a sync of panjf2000/ants reads, paged by 20, with scripted failures."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.pulls = newest_first()
        self.etag = 'W/"pulls-1"'
        self.fail_page: dict[int, list[Reply]] = {}
        server.route("GET", PATH, self.pull_page)
        for number in {p["number"] for p in self.pulls}:
            server.route("GET", f"{PATH}/{number}/reviews", Reply(200, json=reviews_of(number)))
        server.route("GET", f"/repos/{REPO}/deployments", Reply(200, json=[]))
        server.route("GET", f"/repos/{REPO}/actions/runs", Reply(200, json=sample(RUNS)))

    def pull_page(self, request: Request) -> Reply:
        page = int(request.param("page") or 1)
        scripted = self.fail_page.get(page)
        if scripted:
            return scripted.pop(0) if len(scripted) > 1 else scripted[0]
        if page == 1 and request.headers.get("if-none-match") == self.etag:
            return Reply(304)
        items = self.pulls[(page - 1) * PAGE : page * PAGE]
        headers = {"ETag": self.etag} if page == 1 else {}
        if page * PAGE < len(self.pulls):
            headers["Link"] = self.link(page + 1)
        return Reply(200, json=items, headers=headers)

    def link(self, page: int) -> str:
        return (
            f"<{self.server.url}{PATH}?state=all&sort=updated&direction=desc&per_page=100"
            f'&page={page}>; rel="next", <{self.server.url}{PATH}?page=3>; rel="last"'
        )

    def pull_pages_requested(self) -> list[int]:
        return [int(r.param("page") or 1) for r in self.server.requests_to(PATH)]


@pytest.fixture
def github(server: FakeServer) -> FakeGitHub:
    return FakeGitHub(server)


@pytest.fixture
def source(vistula_engagement, server: FakeServer) -> DataSource:
    return DataSource.objects.create(
        engagement=vistula_engagement,
        kind="github",
        name="GitHub",
        scope={"repos": [REPO], "api_url": server.url},
        token="ghp_test_token_value",
        deployment_rule={"workflow": "Tests"},
    )


def client(server: FakeServer, sleeps: Sleeps | None = None, **kwargs: Any) -> GitHubClient:
    return GitHubClient(
        api_url=server.url,
        token="ghp_test_token_value",
        sleep=sleeps or Sleeps(),
        clock=lambda: NOW,
        **kwargs,
    )


def do_sync(source: DataSource, server: FakeServer, **kwargs: Any) -> ImportSummary:
    summary = ImportSummary()
    with client(server, **kwargs) as api:
        github_sync.sync(data_source=source, summary=summary, client=api)
    return summary


@pytest.mark.django_db
def test_a_first_sync_pages_through_every_pull_request_and_its_reviews(source, server, github):
    # when the source is synced for the first time
    summary = do_sync(source, server)
    # then 50 records on three pages (20, 20, 10) are 49 pull requests, with 30 reviews
    assert github.pull_pages_requested() == [1, 2, 3]
    first = server.requests_to(PATH)[0]
    assert (first.param("per_page"), first.param("sort"), first.param("direction")) == (
        "100",
        "updated",
        "desc",
    )
    assert first.param("state") == "all"
    assert first.headers["authorization"] == "Bearer ghp_test_token_value"
    assert summary.counts["pull_requests"].created == 49
    assert PullRequestReview.objects.count() == 30
    assert PullRequest.objects.get(number=53).first_review_at == dt.datetime(
        2019, 10, 7, 16, 56, 26, tzinfo=dt.UTC
    )
    # and the 3 runs of "Tests" are deployments
    assert Deployment.objects.filter(external_id__startswith="run-").count() == 3
    # and the watermark is the newest update seen
    source.refresh_from_db()
    assert source.watermark["repos"][REPO]["pulls_updated"] == github.pulls[0]["updated_at"]
    assert source.watermark["etags"]


@pytest.mark.django_db
def test_an_unchanged_list_answers_304_and_counts_nothing(source, server, github):
    do_sync(source, server)
    server.requests.clear()
    summary = do_sync(source, server)
    assert server.requests_to(PATH)[0].headers["if-none-match"] == 'W/"pulls-1"'
    assert github.pull_pages_requested() == [1]
    assert "pull_requests" not in summary.counts
    assert any("pull requests unchanged" in note for note in summary.notes)


@pytest.mark.django_db
def test_an_incremental_sync_stops_at_the_watermark(source, server, github):
    # given a sync that already saw everything up to #211, updated 2022-02-22T16:48:28Z — the
    # same second as #158, #167 and #176; only #210 (2022-04-14T17:31:43Z) is newer
    fifth = github.pulls[4]
    assert (fifth["number"], fifth["updated_at"]) == (211, "2022-02-22T16:48:28Z")
    source.watermark = {"repos": {REPO: {"pulls_updated": fifth["updated_at"]}}}
    source.save()
    # when it syncs (with a new ETag, so the list is read)
    github.etag = 'W/"pulls-2"'
    summary = do_sync(source, server)
    # then only the first page is read: #210, and the four at the watermark's second again
    assert github.pull_pages_requested() == [1]
    assert sorted(PullRequest.objects.values_list("number", flat=True)) == [158, 167, 176, 210, 211]
    assert summary.counts["pull_requests"].created == 5
    reviewed = [r.path for r in server.requests if r.path.endswith("/reviews")]
    assert sorted(reviewed) == sorted(f"{PATH}/{p['number']}/reviews" for p in github.pulls[:5])


@pytest.mark.parametrize(
    ("status", "headers", "body", "wait"),
    [
        # retry-after wins
        (429, {"retry-after": "7"}, "", 7.0),
        (403, {"retry-after": "30", "x-ratelimit-remaining": "0"}, "", 30.0),
        # primary limit exhausted: until the reset time (NOW + 120)
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 120)}, "", 120.0),
        (429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 5)}, "", 5.0),
        # otherwise at least a minute
        (403, {}, '{"message": "You have exceeded a secondary rate limit."}', 60.0),
        (429, {}, "", 60.0),
        # a 403 that is not a rate limit is not waited for
        (403, {}, '{"message": "Resource not accessible by integration"}', None),
        (500, {}, "", None),
    ],
)
def test_rate_limit_waits_follow_githubs_rules(status, headers, body, wait):
    response = httpx.Response(status, headers=headers, text=body)
    assert rate_limit_wait(response, 1, NOW) == wait


@pytest.mark.django_db
def test_rate_limited_pages_are_waited_for_and_then_read(source, server, github):
    # given page 2 answers a primary rate limit, then a 429, then a secondary limit, then itself
    github.fail_page[2] = [
        Reply(403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 90)}),
        Reply(429, headers={"retry-after": "3"}),
        Reply(403, json={"message": "You have exceeded a secondary rate limit."}),
        Reply(200, json=github.pulls[PAGE : 2 * PAGE], headers={"Link": github.link(3)}),
    ]
    sleeps = Sleeps()
    # when it syncs
    summary = do_sync(source, server, sleeps=sleeps)
    # then it waited 90 s (until the reset), 3 s (retry-after), and for the secondary limit a
    # minute per attempt so far (third attempt: 3 minutes), in that order
    assert sleeps.calls == [90.0, 3.0, 180.0]
    assert summary.counts["pull_requests"].created == 49
    assert github.pull_pages_requested() == [1, 2, 2, 2, 2, 3]


@pytest.mark.django_db
def test_a_server_error_is_retried_and_then_succeeds(source, server, github):
    github.fail_page[3] = [Reply(502), Reply(500), Reply(200, json=github.pulls[2 * PAGE :])]
    sleeps = Sleeps()
    summary = do_sync(source, server, sleeps=sleeps)
    assert len(sleeps.calls) == 2 and summary.counts["pull_requests"].created == 49
    assert github.pull_pages_requested() == [1, 2, 3, 3, 3]


@pytest.mark.django_db
def test_a_permission_error_fails_the_sync_with_one_sentence(source, server, github):
    server.route("GET", PATH, Reply(403, json={"message": "Resource not accessible"}))
    with pytest.raises(ImportFailed, match=r"GitHub answered 403 Forbidden for GET .*credentials"):
        do_sync(source, server)


@pytest.mark.django_db
def test_a_run_that_fails_half_way_is_resumed_by_the_next_from_where_it_stopped(
    source, server, github
):
    # given page 3 of the pull requests keeps failing, so the first run gives up there
    github.fail_page[3] = [Reply(500)]
    first = SyncRun.objects.create(data_source=source, trigger=SyncRun.Trigger.SYNC)
    api = client(server, max_retries=1)
    failed = run_import(
        data_source=source,
        trigger=SyncRun.Trigger.SYNC,
        run=first,
        work=lambda s: github_sync.sync(data_source=source, summary=s, run=first, client=api),
        atomic=False,
    )
    assert failed.status == "failed" and "The next sync goes on from here." in failed.error
    # the two pages read were written, each with the cursor saying where to go on
    assert PullRequest.objects.count() == 40
    failed.refresh_from_db()
    assert failed.cursor["next"].endswith("&page=3") and failed.cursor["records"] == []
    assert failed.counts["pull_requests"]["created"] == 40
    source.refresh_from_db()
    assert "repos" not in source.watermark
    # when GitHub recovers and the next run starts
    github.fail_page.clear()
    server.requests.clear()
    second = SyncRun.objects.create(data_source=source, trigger=SyncRun.Trigger.SYNC)
    done = run_import(
        data_source=source,
        trigger=SyncRun.Trigger.SYNC,
        run=second,
        work=lambda s: github_sync.sync(data_source=source, summary=s, run=second, client=api),
        atomic=False,
    )
    # then it reads only page 3 of the list and everything lands once
    assert done.status == "succeeded", done.error
    assert github.pull_pages_requested() == [3]
    assert PullRequest.objects.count() == 49 and PullRequestReview.objects.count() == 30
    assert "Resumed from where the previous sync stopped." in done.summary
    failed.refresh_from_db()
    assert failed.cursor == {} and done.cursor == {}


@pytest.mark.django_db
def test_a_source_without_an_api_address_or_repos_says_what_to_set(source):
    source.scope = {"repos": [REPO]}
    with pytest.raises(ImportFailed, match="set its scope's api_url"):
        github_sync.sync(data_source=source, summary=ImportSummary())
    source.scope = {"api_url": "http://127.0.0.1:9"}
    with pytest.raises(ImportFailed, match="set its scope's repos"):
        github_sync.sync(data_source=source, summary=ImportSummary())


def test_a_compacted_record_maps_exactly_like_the_full_payload():
    from accord.delivery.connectors.github import mapping

    for payload in sample(PULLS):
        small = github_sync.compact(payload, github_sync.KEEP["pull_request"])
        assert mapping.map_pull_request(small) == mapping.map_pull_request(payload)
    for run in sample(RUNS)["workflow_runs"]:
        small = github_sync.compact(run, github_sync.KEEP["workflow_run"])
        rule = {"workflow": "CodeQL"}
        assert mapping.map_workflow_run(small, rule) == mapping.map_workflow_run(run, rule)
