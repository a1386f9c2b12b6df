"""The git "connection": the repository path on the server (or a remote URL) must be readable.

git sources are read from a clone on the server (`accord import git PATH`, or "Read the
repository" on the source page); testing one checks that git can open it and says how many
branches and tags it has. A URL is asked for its branches with `git ls-remote`, without ever
prompting for a password.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from accord.delivery.actions import ImportFailed
from accord.delivery.connectors.checks import ConnectionCheckFailed
from accord.delivery.connectors.git.importer import _first_line, check_repository, git_env
from accord.delivery.models import DataSource

TIMEOUT_SECONDS = 20.0
REMOTE_PREFIXES = ("https://", "http://", "ssh://", "git://", "git@", "file://")


def check_connection(data_source: DataSource) -> str:
    """Whether git can read the source's repository path or URL, in one sentence."""
    where = str((data_source.scope or {}).get("path") or "").strip()
    if not where:
        raise ConnectionCheckFailed(
            f"{data_source.name} has no repository path; set it on the edit page."
        )
    if where.startswith(REMOTE_PREFIXES):
        return _check_remote(where)
    try:
        check_repository(Path(where))
    except ImportFailed as exc:
        raise ConnectionCheckFailed(str(exc)) from None
    refs = _git(["-C", where, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags"])
    lines = [line for line in refs.splitlines() if line]
    branches = sum(line.startswith("refs/heads/") for line in lines)
    return (
        f"{where} is a readable git repository with {branches} branches and "
        f"{len(lines) - branches} tags."
    )


def _check_remote(url: str) -> str:
    heads = _git(["ls-remote", "--heads", "--", url])
    count = len([line for line in heads.splitlines() if line])
    return f"{url} answers: {count} branches."


def _git(args: list[str]) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            env=git_env(),
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConnectionCheckFailed(
            f"git did not answer within {TIMEOUT_SECONDS:.0f} s; check the address."
        ) from None
    if done.returncode != 0:
        raise ConnectionCheckFailed(f"git could not read it: {_first_line(done.stderr)}.")
    return done.stdout.decode("utf-8", "replace")
