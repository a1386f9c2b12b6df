"""git import on small repositories built with real git commands in tmp_path."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.delivery.actions import ImportFailed, ImportSummary, run_import
from accord.delivery.connectors.git.importer import import_file
from accord.delivery.connectors.git.mapping import LogError, parse_log, parse_raw_date
from accord.delivery.models import Commit, DataSource, Person, SyncRun

UTC = dt.UTC
OLA = ("Ola Nowak", "ola@vistula.example")
LUKASZ = ("Łukasz Żółć", "Lukasz@Vistula.example")


def git(repo: Path, *args: str, author=OLA, when: str = "2026-03-02T10:15:00+0200") -> str:
    env = {
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": "CI",
        "GIT_COMMITTER_EMAIL": "ci@northwind.example",
        "GIT_COMMITTER_DATE": "2026-03-02T12:00:00-0530",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True)
    return done.stdout.decode().strip()


def commit(repo: Path, message: str, files: dict[str, bytes | str], **kwargs) -> str:
    for name, content in files.items():
        path = repo / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        git(repo, "add", "--", name)
    git(repo, "commit", "-q", "-m", message, **kwargs)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "payments"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


@pytest.fixture
def source(vistula_engagement) -> DataSource:
    return DataSource.objects.create(engagement=vistula_engagement, kind="git", name="git")


def do_import(source: DataSource, path: Path, **options) -> ImportSummary:
    summary = ImportSummary()
    import_file(data_source=source, path=path, summary=summary, options=options)
    return summary


@pytest.fixture
def history(repo: Path) -> dict[str, str]:
    """main: first → on-main → merge of feature; feature: first → feature-work."""
    shas = {"first": commit(repo, "First", {"a.txt": "one\ntwo\nthree\n"})}
    git(repo, "checkout", "-q", "-b", "feature")
    shas["feature"] = commit(
        repo, "Feature work", {"a.txt": "one\nTWO\nthree\n", "b.txt": "x\ny\n"}, author=LUKASZ
    )
    git(repo, "checkout", "-q", "main")
    shas["main"] = commit(repo, "On main", {"c.txt": "c\n"})
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    shas["merge"] = git(repo, "rev-parse", "HEAD")
    return shas


@pytest.mark.django_db
def test_every_commit_of_every_branch_is_imported_with_its_size(source, repo, history):
    # when the repository is imported
    summary = do_import(source, repo)
    # then the four commits are there, merges counting no files
    assert summary.counts["commits"].created == 4
    by_sha = {c.external_id: c for c in Commit.objects.all()}
    first, feature = by_sha[history["first"]], by_sha[history["feature"]]
    assert (first.additions, first.deletions, first.files_changed) == (3, 0, 1)
    # "two" became "TWO" (1 added, 1 deleted) and b.txt got 2 lines
    assert (feature.additions, feature.deletions, feature.files_changed) == (3, 1, 2)
    merge = by_sha[history["merge"]]
    assert (merge.additions, merge.files_changed, merge.summary) == (0, 0, "Merge feature")
    assert first.repo == "payments"


@pytest.mark.django_db
def test_times_keep_the_offsets_git_recorded(source, repo, history):
    do_import(source, repo)
    first = Commit.objects.get(external_id=history["first"])
    # 10:15 at +02:00 is 08:15 UTC; 12:00 at -05:30 is 17:30 UTC
    assert first.authored_at == dt.datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert first.committed_at == dt.datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    assert (first.authored_offset, first.committed_offset) == (120, -330)


@pytest.mark.django_db
def test_one_ref_limits_the_import_to_its_history(source, repo, history):
    do_import(source, repo, ref="feature")
    assert set(Commit.objects.values_list("external_id", flat=True)) == {
        history["first"],
        history["feature"],
    }
    with pytest.raises(ImportFailed, match="has no branch, tag or commit named “nope”"):
        do_import(source, repo, ref="nope")
    with pytest.raises(ImportFailed, match="is not a ref name"):
        do_import(source, repo, ref="--output=/tmp/x")


@pytest.mark.django_db
def test_people_are_resolved_by_email_whatever_its_case(source, repo, history):
    commit(repo, "Again", {"d.txt": "d\n"}, author=("Łukasz Ż.", "lukasz@vistula.example"))
    do_import(source, repo)
    lukasz = Commit.objects.filter(author_email__iexact="lukasz@vistula.example")
    assert lukasz.count() == 2 and len({c.author_id for c in lukasz}) == 1
    person = Person.objects.get(pk=lukasz[0].author_id or 0)
    assert person.email == "lukasz@vistula.example"
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_a_renamed_file_counts_once_and_a_binary_file_changes_no_lines(source, repo):
    commit(repo, "Add", {"notes.txt": "a\nb\n"})
    git(repo, "mv", "notes.txt", "docs.txt")
    git(repo, "commit", "-q", "-m", "Rename")
    binary = commit(repo, "Logo", {"logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01"})
    do_import(source, repo)
    renamed = Commit.objects.get(summary="Rename")
    assert (renamed.additions, renamed.deletions, renamed.files_changed) == (0, 0, 1)
    logo = Commit.objects.get(external_id=binary)
    assert (logo.additions, logo.deletions, logo.files_changed) == (0, 0, 1)


@pytest.mark.django_db
def test_non_ascii_names_paths_and_messages_survive(source, repo):
    sha = commit(
        repo,
        "Naprawa błędu — żółw 🐢",
        {"żółw.txt": "ą\nę\n", "tab\tname.txt": "1\n"},
        author=LUKASZ,
    )
    do_import(source, repo)
    c = Commit.objects.get(external_id=sha)
    assert (c.author_name, c.author_email) == ("Łukasz Żółć", "Lukasz@Vistula.example")
    assert c.summary == "Naprawa błędu — żółw 🐢"
    assert (c.additions, c.files_changed) == (3, 2)


@pytest.mark.django_db
def test_importing_twice_changes_nothing(source, repo, history):
    do_import(source, repo)
    again = do_import(source, repo)
    assert again.counts["commits"].as_dict() == {
        "created": 0,
        "updated": 0,
        "unchanged": 4,
        "skipped": 0,
    }


@pytest.mark.django_db
def test_an_empty_repository_imports_nothing_and_says_so(source, repo):
    summary = do_import(source, repo)
    assert summary.counts["commits"].created == 0 and "has no commits yet" in summary.notes[0]


@pytest.mark.django_db
def test_a_folder_that_is_not_a_repository_fails_once_and_writes_nothing(source, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    run = run_import(
        data_source=source,
        trigger=SyncRun.Trigger.IMPORT,
        work=lambda summary: import_file(data_source=source, path=plain, summary=summary),
    )
    assert run.status == "failed"
    assert run.error == f"{plain} is not a git repository (expected the folder of a clone)."
    assert not Commit.objects.exists()
    with pytest.raises(ImportFailed, match="is not a folder"):
        do_import(source, tmp_path / "missing")


def test_the_parser_reads_git_output_line_by_line():
    # given git's output for a commit with a text and a binary file, then a merge
    sha1, sha2 = "a" * 40, "b" * 40
    lines = [
        b"\x1e" + sha1.encode() + b"\x1fOla\x1fola@x.example\x1f1772439300 +0200\x1f"
        b"1772472600 -0530\x1fFix \x1f odd subject\n",
        b"\n",
        b"10\t2\tsrc/a.py\n",
        b"-\t-\tlogo.png\n",
        b"\x1e" + sha2.encode() + b"\x1fOla\x1fola@x.example\x1f1772439300 +0000\x1f"
        b"1772439300 +0000\x1fMerge\n",
    ]
    first, merge = parse_log(iter(lines))
    assert (first.sha, first.additions, first.deletions, first.files_changed) == (sha1, 10, 2, 2)
    assert first.summary == "Fix \x1f odd subject"
    assert first.authored_at == dt.datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert (merge.sha, merge.files_changed) == (sha2, 0)


@pytest.mark.parametrize(
    "lines",
    [
        [b"10\t2\tsrc/a.py\n"],
        [b"\x1enot a header\n"],
        [b"\x1e" + b"a" * 40 + b"\x1fx\x1fy\x1fz\x1fw\x1fs\n"],
    ],
)
def test_the_parser_refuses_output_it_did_not_ask_for(lines):
    with pytest.raises(LogError):
        list(parse_log(iter(lines)))


def test_raw_dates_keep_their_offset():
    when, offset = parse_raw_date(b"1772439300 -0930")
    assert offset == -570 and when.utcoffset() == dt.timedelta(hours=-9, minutes=-30)


def _commits(source: DataSource) -> set[tuple]:
    return set(
        Commit.objects.filter(data_source=source).values_list(
            "external_id",
            "author_email",
            "authored_at",
            "committed_at",
            "additions",
            "deletions",
            "files_changed",
            "summary",
        )
    )


@pytest.fixture(scope="module")
def shared_history(tmp_path_factory) -> Path:
    """One repository for every example: main and feature as in `history`, plus a tag."""
    path = tmp_path_factory.mktemp("shared") / "payments"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, "First", {"a.txt": "one\ntwo\nthree\n"})
    git(path, "checkout", "-q", "-b", "feature")
    commit(path, "Feature work", {"a.txt": "one\nTWO\nthree\n", "b.txt": "x\ny\n"}, author=LUKASZ)
    git(path, "checkout", "-q", "main")
    commit(path, "On main", {"c.txt": "c\n"})
    git(path, "tag", "v1")
    git(path, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    return path


_GIT_EXAMPLES = iter(range(10**6))


@pytest.mark.django_db
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(refs=st.lists(st.sampled_from(["main", "feature", "v1", ""]), min_size=1, max_size=4))
def test_any_sequence_of_overlapping_ref_imports_ends_where_one_import_of_their_union_does(
    vistula_engagement, shared_history, refs
):
    # given two fresh sources ("" stands for every branch and tag)
    n = next(_GIT_EXAMPLES)
    pieces, whole = (
        DataSource.objects.create(engagement=vistula_engagement, kind="git", name=f"{name} {n}")
        for name in ("pieces", "whole")
    )

    # when one imports the refs one by one (the first twice), the other all their history once
    for ref in [*refs, refs[0]]:
        do_import(pieces, shared_history, **({"ref": ref} if ref else {}))
    reachable = {
        sha for ref in refs for sha in git(shared_history, "rev-list", ref or "--all").split()
    }
    for sha in sorted(reachable):
        do_import(whole, shared_history, ref=sha)

    # then both hold the same commits, each once
    assert _commits(pieces) == _commits(whole)
    assert {c[0] for c in _commits(pieces)} == reachable
    pieces.delete()
    whole.delete()
