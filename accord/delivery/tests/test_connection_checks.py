""" "Test connection" for every connector against a local fake service on 127.0.0.1: one cheap
authenticated request, and one clear sentence for refused credentials (401), missing
permission (403), nothing at that address (404), no answer in time, a failed TLS handshake and
a host that cannot be reached; git checks its repository path or URL."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from accord.delivery.connectors.checks import ConnectionCheckFailed
from accord.delivery.connectors.git import client as git_client
from accord.delivery.connectors.git.importer import git_env
from accord.delivery.connectors.github import client as github_client
from accord.delivery.connectors.jira import client as jira_client
from accord.delivery.connectors.trello import client as trello_client
from accord.delivery.models import DataSource
from accord.delivery.tests.fakeserver import FakeServer, Reply
from accord.delivery.tests.ui_records import source
from conftest import logged_in

pytestmark = pytest.mark.django_db

MYSELF = "/rest/api/3/myself"


@pytest.fixture
def server():
    with FakeServer() as running:
        yield running


def _jira(engagement, base_url: str) -> DataSource:
    scope = {"base_url": base_url, "project_keys": ["EE"]}
    return source(engagement, kind="jira", name="Jira", username="lena", token="t", scope=scope)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_jira_names_the_account_the_credentials_belong_to(vistula_engagement, server):
    # given
    server.route("GET", MYSELF, Reply(200, json={"displayName": "Lena Nowak"}))
    src = _jira(vistula_engagement, server.url)

    # when
    answer = jira_client.check_connection(src)

    # then
    assert answer == f"Connected to Jira at {server.url} as Lena Nowak."
    (request,) = server.requests_to(MYSELF)
    assert request.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("reply", "sentence"),
    [
        (
            Reply(401, json={"errorMessages": ["Unauthorized"]}),
            "Jira refused the credentials (401); check the account and the API token.",
        ),
        (
            Reply(403, json={}),
            "Jira accepted the credentials but denied access to the account profile (403); "
            "give the token permission to read it.",
        ),
        (Reply(500), "Jira answered 500 Internal Server Error for GET"),
        (Reply(429, headers={"Retry-After": "30"}), "gave up rather than wait"),
    ],
)
def test_jira_failures_are_one_sentence_after_one_request(
    vistula_engagement, server, reply, sentence
):
    # given
    server.route("GET", MYSELF, reply)
    src = _jira(vistula_engagement, server.url)

    # when
    with pytest.raises(ConnectionCheckFailed) as failure:
        jira_client.check_connection(src)

    # then
    assert sentence in str(failure.value)
    assert len(server.requests_to(MYSELF)) == 1
    assert "\n" not in str(failure.value)


def test_a_wrong_address_is_not_found(vistula_engagement, server):
    src = _jira(vistula_engagement, server.url + "/wrong")
    with pytest.raises(
        ConnectionCheckFailed, match=r"Jira at .*/wrong found no account profile \(404\)"
    ):
        jira_client.check_connection(src)


def test_a_service_that_does_not_answer_in_time_says_so(vistula_engagement, server):
    # given
    server.route("GET", MYSELF, Reply(200, json={}, delay=1.0))
    src = _jira(vistula_engagement, server.url)

    # when
    with pytest.raises(ConnectionCheckFailed) as failure:
        jira_client.check_connection(src, timeout=0.2)

    # then
    assert str(failure.value) == (
        f"Jira did not answer in time at {server.url}; check the address or try again."
    )


def test_a_failed_tls_handshake_and_an_unreachable_host_are_told_apart(vistula_engagement, server):
    # given the fake server speaks plain HTTP, and nothing listens on a closed port
    tls = _jira(vistula_engagement, server.url.replace("http://", "https://"))
    port = _closed_port()
    nowhere = DataSource.objects.create(
        engagement=vistula_engagement,
        kind="jira",
        name="Nowhere",
        username="lena",
        token="t",
        scope={"base_url": f"http://127.0.0.1:{port}", "project_keys": ["EE"]},
    )

    # then
    with pytest.raises(ConnectionCheckFailed, match=r"^A secure \(TLS\) connection to Jira"):
        jira_client.check_connection(tls)
    with pytest.raises(ConnectionCheckFailed, match=rf"^Jira could not be reached at .*:{port}"):
        jira_client.check_connection(nowhere)


def test_github_reads_the_first_repository_with_the_token(vistula_engagement, server):
    # given
    server.route(
        "GET",
        "/repos/acme/payments",
        Reply(200, json={"full_name": "acme/payments"}, headers={"x-ratelimit-remaining": "4999"}),
    )
    scope = {"api_url": server.url, "repos": ["acme/payments", "acme/mobile"]}
    src = source(vistula_engagement, token="ghp_token", scope=scope)

    # when
    answer = github_client.check_connection(src)

    # then
    assert (
        answer == "Connected to GitHub: acme/payments is readable (4999 requests left this hour)."
    )
    assert server.requests_to("/repos/acme/payments")[0].headers["authorization"] == (
        "Bearer ghp_token"
    )


def test_github_says_which_repository_it_cannot_see(vistula_engagement, server):
    # given an unknown repository (the fake answers 404) and a bad token
    scope = {"api_url": server.url, "repos": ["acme/secret"]}
    src = source(vistula_engagement, token="ghp_token", scope=scope)

    # then
    with pytest.raises(
        ConnectionCheckFailed, match=r"GitHub at .* found no repository acme/secret \(404\); check"
    ):
        github_client.check_connection(src)
    server.route("GET", "/repos/acme/secret", Reply(401, json={"message": "Bad credentials"}))
    with pytest.raises(ConnectionCheckFailed, match=r"GitHub refused the credentials \(401\)"):
        github_client.check_connection(src)


def test_trello_reads_the_board_name_and_keeps_the_token_out_of_errors(vistula_engagement, server):
    # given
    server.route("GET", "/1/boards/b1", Reply(200, json={"id": "b1", "name": "Payments"}))
    scope = {"api_url": server.url, "board_id": "b1"}
    src = source(
        vistula_engagement, kind="trello", name="Trello", username="key1", token="tok1", scope=scope
    )

    # when
    answer = trello_client.check_connection(src)

    # then
    assert answer == "Connected to Trello: the board “Payments” is readable."
    assert server.requests_to("/1/boards/b1")[0].param("token") == "tok1"
    server.route("GET", "/1/boards/b1", Reply(401, body="invalid token"))
    with pytest.raises(ConnectionCheckFailed) as failure:
        trello_client.check_connection(src)
    assert "Trello refused the credentials (401)" in str(failure.value)
    assert "tok1" not in str(failure.value)


def _repository(path: Path) -> Path:
    env = git_env() | {
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@acme.invalid",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@acme.invalid",
    }
    for args in (
        ["init", "-q", "-b", "main", str(path)],
        ["-C", str(path), "commit", "-q", "--allow-empty", "-m", "first"],
        ["-C", str(path), "tag", "v1"],
    ):
        subprocess.run(["git", *args], check=True, env=env)
    return path


def test_git_checks_that_the_repository_path_or_url_is_readable(vistula_engagement, tmp_path):
    # given
    repo = _repository(tmp_path / "repo")
    src = source(vistula_engagement, kind="git", name="git", scope={"path": str(repo)})
    plain = tmp_path / "plain"
    plain.mkdir()

    # then
    assert git_client.check_connection(src) == (
        f"{repo} is a readable git repository with 1 branches and 1 tags."
    )
    src.scope = {"path": f"file://{repo}"}
    assert git_client.check_connection(src) == f"file://{repo} answers: 1 branches."
    src.scope = {"path": str(plain)}
    with pytest.raises(ConnectionCheckFailed, match="is not a git repository"):
        git_client.check_connection(src)
    src.scope = {"path": f"file://{plain}"}
    with pytest.raises(ConnectionCheckFailed, match=r"^git could not read it: "):
        git_client.check_connection(src)
    src.scope = {}
    with pytest.raises(ConnectionCheckFailed, match="has no repository path"):
        git_client.check_connection(src)


def test_the_test_button_shows_the_connectors_sentence(vistula_engagement, server, mark):
    # given
    server.route("GET", MYSELF, Reply(401, json={}))
    src = _jira(vistula_engagement, server.url)
    client = logged_in(mark)
    page = f"/delivery/engagements/{vistula_engagement.slug}/sources/{src.pk}/"
    assert "Test connection" in client.get(page).content.decode()

    # when
    response = client.post(page + "test/", follow=True)

    # then
    assert "Jira refused the credentials (401)" in response.content.decode()
