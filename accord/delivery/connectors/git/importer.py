"""Import every commit of a local git repository: one `git log --numstat` streamed and parsed as
it runs, people resolved by email, commits written in bulk chunks.

`options["ref"]` (a branch, tag or sha, or a list of them) limits the import to the history of
those refs; otherwise the data source's scope `refs`, and without those every branch and tag
(`--all`). Re-importing is idempotent: a commit is keyed on its sha.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from django.db import connection, models

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from accord.delivery.actions import (
    Account,
    Counts,
    ImportFailed,
    ImportSummary,
    resolve_accounts,
    upsert_records,
)
from accord.delivery.connectors.git.mapping import LOG_FORMAT, LogError, ParsedCommit, parse_log
from accord.delivery.models import Commit, DataSource

CHUNK = 5000
FIELDS = [
    "repo",
    "author_id",
    "author_name",
    "author_email",
    "authored_at",
    "authored_offset",
    "committed_at",
    "committed_offset",
    "additions",
    "deletions",
    "files_changed",
    "summary",
]
# git reads no user or system configuration that could change its output (a pager, colours, a
# log format, external diff drivers), and never prompts.
_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "LC_ALL": "C",
}


def git_env() -> dict[str, str]:
    """The environment git runs in: the caller's, without user or system git configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_ENV)
    return env


def _git(path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "-C", str(path), *args], capture_output=True, env=git_env(), check=False
    )


def _first_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    return text.splitlines()[-1].removeprefix("fatal: ") if text else "no message"


def check_repository(path: Path) -> None:
    """Raise ImportFailed unless `path` is a git repository (a work tree or a bare one)."""
    if not path.is_dir():
        raise ImportFailed(f"{path} is not a folder; give the path of a local git repository.")
    found = _git(path, "rev-parse", "--absolute-git-dir")
    if found.returncode != 0:
        reason = _first_line(found.stderr)
        if "dubious ownership" in reason:
            raise ImportFailed(
                f"{path} belongs to another user, so git refuses to read it; add it to git's "
                "safe.directory or import a copy."
            )
        raise ImportFailed(f"{path} is not a git repository (expected the folder of a clone).")


def revisions(path: Path, refs: list[str]) -> list[str]:
    """The rev-list arguments: `--all`, or the refs after checking each names a commit."""
    if not refs:
        return ["--all"]
    for ref in refs:
        if ref.startswith("-") or not ref.strip():
            raise ImportFailed(f"“{ref}” is not a ref name (expected a branch, tag or sha).")
        known = _git(
            path, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
        if known.returncode != 0:
            raise ImportFailed(f"{path} has no branch, tag or commit named “{ref}”.")
    return ["--end-of-options", *refs]


def log_command(path: Path, refs: list[str]) -> list[str]:
    """The one git command whose output the import reads."""
    return [
        "git",
        "-C",
        str(path),
        "-c",
        "core.quotepath=on",
        "-c",
        "log.showSignature=false",
        "log",
        "--numstat",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--date=raw",
        f"--format={LOG_FORMAT}",
        *revisions(path, refs),
    ]


def stream_commits(path: Path, refs: list[str]) -> Iterator[ParsedCommit]:
    """Commits as git prints them, parsed while it runs; ImportFailed if git fails."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            log_command(path, refs),
            stdout=subprocess.PIPE,
            stderr=errors,
            env=git_env(),
            bufsize=1 << 20,
        )
        assert process.stdout is not None
        _widen_pipe(process.stdout)
        try:
            yield from parse_log(process.stdout)
        except LogError as exc:
            raise ImportFailed(f"git log of {path} printed something unexpected: {exc}.") from None
        finally:
            _finish(process, process.stdout)
        if process.returncode != 0:
            errors.seek(0)
            raise ImportFailed(
                f"git could not read the history of {path}: {_first_line(errors.read())}."
            )


def _widen_pipe(stdout: IO[bytes]) -> None:
    """Ask Linux for a 1 MiB pipe: git then blocks, and we wake up, 16 times less often."""
    set_pipe_size = getattr(fcntl, "F_SETPIPE_SZ", 1031) if fcntl else None
    if set_pipe_size is None or not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(stdout.fileno(), set_pipe_size, 1 << 20)


def _finish(process: subprocess.Popen[bytes], stdout: IO[bytes]) -> None:
    if process.poll() is None:
        stdout.close()  # a consumer that stopped early: git gets SIGPIPE and ends
    process.wait()


def chunked(commits: Iterable[ParsedCommit], size: int = CHUNK) -> Iterator[list[ParsedCommit]]:
    """Lists of at most `size` commits."""
    batch: list[ParsedCommit] = []
    for commit in commits:
        batch.append(commit)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


_DONE = object()


def prefetched(
    batches: Iterator[list[ParsedCommit]], depth: int = 4
) -> Iterator[list[ParsedCommit]]:
    """`batches`, produced by a reader thread while the caller writes the previous ones.

    git computes diffs while the database takes the last chunk, so the import costs about as
    long as the slower of the two instead of their sum. The thread touches no database; an
    error in it is raised here, and a caller that stops early stops the reader (and git)."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        handoff.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(_DONE)
        except BaseException as exc:  # handed to the caller, who raises it
            handoff.put(exc)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="git-log-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def _account(commit: ParsedCommit) -> Account:
    email = commit.author_email.strip().lower()
    key = email or f"name:{commit.author_name}"
    return Account(external_id=key, name=commit.author_name, email=email if "@" in email else "")


def _refs(data_source: DataSource, options: Mapping[str, Any]) -> list[str]:
    ref = options.get("ref") or (data_source.scope or {}).get("refs") or []
    return [ref] if isinstance(ref, str) else [str(r) for r in ref]


def write_commits(data_source: DataSource, rows: list[dict[str, Any]]) -> Counts:
    """Upsert one chunk of commit rows keyed on (data source, sha).

    Commits git printed that are not stored yet — all of them on a first import — go in with
    one multi-row INSERT, skipping the ORM's per-value work (the bulk of a large import's time);
    the rest go through upsert_records, which compares and updates only what changed. Two
    imports of one source at once would collide on the unique key and one would fail whole."""
    stored = set(
        Commit.objects.filter(
            data_source=data_source, external_id__in=[r["external_id"] for r in rows]
        ).values_list("external_id", flat=True)
    )
    fresh = [r for r in rows if r["external_id"] not in stored]
    counts = Counts(created=len(fresh))
    if fresh:
        insert_rows(Commit, data_source=data_source, rows=fresh)
    if stored:
        old = [r for r in rows if r["external_id"] in stored]
        counts += upsert_records(Commit, data_source=data_source, rows=old, fields=FIELDS)[0]
    return counts


_PASS_THROUGH = (
    models.CharField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.SmallIntegerField,
    models.ForeignKey,
)


def insert_rows(model: type[models.Model], *, data_source: DataSource, rows: list[dict]) -> None:
    """INSERT rows known to be new, with every concrete column (defaults for those not given)."""
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    simple = [isinstance(f, _PASS_THROUGH) for f in columns]
    defaults = [f.get_default() for f in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 (names quoted)
    params = []
    for row in rows:
        values = []
        row = {**row, "data_source_id": data_source.pk}
        for field, plain, default in zip(columns, simple, defaults, strict=True):
            value = row.get(field.attname, default)
            values.append(value if plain else field.get_db_prep_save(value, connection))
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def import_file(
    *,
    data_source: DataSource,
    path: Path | str,
    summary: ImportSummary,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Import the commits of the local repository at `path` (all refs, or options["ref"])."""
    options = options or {}
    repo_path = Path(path).expanduser()
    check_repository(repo_path)
    refs = _refs(data_source, options)
    repo = str(options.get("repo") or (data_source.scope or {}).get("name") or "")
    repo = (repo or repo_path.resolve().name.removesuffix(".git"))[:200]
    people: dict[str, int | None] = {}
    total = Counts()
    for batch in prefetched(chunked(stream_commits(repo_path, refs))):
        keyed = [(_account(c), c) for c in batch]
        accounts = {a.external_id: a for a, _ in keyed if a.external_id not in people}
        if accounts:
            people.update(resolve_accounts("git", accounts.values()))
        rows = [
            {
                "external_id": c.sha,
                "repo": repo,
                "author_id": people.get(a.external_id),
                "author_name": c.author_name,
                "author_email": c.author_email,
                "authored_at": c.authored_at,
                "authored_offset": c.authored_offset,
                "committed_at": c.committed_at,
                "committed_offset": c.committed_offset,
                "additions": c.additions,
                "deletions": c.deletions,
                "files_changed": c.files_changed,
                "summary": c.summary,
            }
            for a, c in keyed
        ]
        total += write_commits(data_source, rows)
    summary.add("commits", total)
    if not (total.created or total.updated or total.unchanged):
        summary.notes.append(f"{repo_path} has no commits yet.")
