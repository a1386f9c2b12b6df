"""`git log --numstat` output → commit fields. Pure: parses a stream of lines incrementally, so a
repository of any size is read in constant memory.

The log is asked for in one fixed format (LOG_FORMAT, with `--date=raw`): a header line per
commit starting with the record separator 0x1E, fields split by the unit separator 0x1F and the
subject last (so it may hold anything but a newline), then one numstat line per file changed:
`added<TAB>deleted<TAB>path`, with `-` for both counts on a binary file. A merge commit lists
no files (git shows no diff for merges unless asked), so it counts 0 lines and 0 files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

LOG_FORMAT = "%x1e%H%x1f%aN%x1f%aE%x1f%ad%x1f%cd%x1f%s"
RS, US = b"\x1e", b"\x1f"
SUMMARY_MAX = 500
_ZONES: dict[int, dt.timezone] = {}


class LogError(ValueError):
    """A line of git's output is not in the format asked for."""


@dataclass(slots=True)
class ParsedCommit:
    """One commit as git logged it."""

    sha: str
    author_name: str
    author_email: str
    authored_at: dt.datetime
    authored_offset: int
    committed_at: dt.datetime
    committed_offset: int
    summary: str
    additions: int = 0
    deletions: int = 0
    files_changed: int = 0


def parse_raw_date(value: bytes) -> tuple[dt.datetime, int]:
    """git's raw date '1112911993 +0200' → (aware time in that zone, offset in minutes)."""
    try:
        seconds_text, zone = value.split(b" ", 1)
        sign = -1 if zone[:1] == b"-" else 1
        minutes = sign * (int(zone[1:3]) * 60 + int(zone[3:5]))
        seconds = int(seconds_text)
    except (ValueError, IndexError):
        raise LogError(f"{value!r} is not a raw git date (expected '1112911993 +0200')") from None
    tz = _ZONES.get(minutes)
    if tz is None:
        tz = _ZONES[minutes] = dt.timezone(dt.timedelta(minutes=minutes))
    return dt.datetime.fromtimestamp(seconds, tz), minutes


def parse_header(line: bytes) -> ParsedCommit:
    """A commit's header line (without its leading 0x1E) → the commit, with no stats yet."""
    parts = line.rstrip(b"\r\n").split(US, 5)
    if len(parts) != 6 or len(parts[0]) not in (40, 64):
        raise LogError(f"{line[:80]!r} is not a commit header")
    sha, name, email, authored, committed, subject = parts
    authored_at, authored_offset = parse_raw_date(authored)
    committed_at, committed_offset = parse_raw_date(committed)
    return ParsedCommit(
        sha=sha.decode("ascii"),
        author_name=name.decode("utf-8", "replace")[:200],
        author_email=email.decode("utf-8", "replace")[:254],
        authored_at=authored_at,
        authored_offset=authored_offset,
        committed_at=committed_at,
        committed_offset=committed_offset,
        summary=subject.decode("utf-8", "replace")[:SUMMARY_MAX],
    )


def parse_log(lines: Iterable[bytes]) -> Iterator[ParsedCommit]:
    """Commits from `git log --numstat --date=raw --format=LOG_FORMAT` output, one at a time."""
    current: ParsedCommit | None = None
    for line in lines:
        if line[:1] == RS:
            if current is not None:
                yield current
            current = parse_header(line[1:])
            continue
        if line in (b"\n", b"", b"\r\n"):
            continue
        if current is None:
            raise LogError(f"{line[:80]!r} comes before any commit header")
        try:
            added, deleted, _path = line.split(b"\t", 2)
            if added != b"-":  # a binary file changes no lines
                current.additions += int(added)
                current.deletions += int(deleted)
        except ValueError:
            raise LogError(f"{line[:80]!r} is not a numstat line") from None
        current.files_changed += 1
    if current is not None:
        yield current
