"""Generate a large git repository for the git import benchmark, with `git fast-import`.

    python benchmarks/make_git_repo.py PATH [--commits 50000] [--seed 7]

The history looks like a team's: a main line, a feature branch every ~200 commits (merged back
with a merge commit, the last few left open), 1 to 3 files changed per commit out of ~600 text
files, the odd binary file, renames, 40 authors in several time zones, non-ASCII names.
Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

AUTHORS = [
    (f"{first} {last}", f"{first.lower()}.{n}@{domain}", zone)
    for n, (first, last, domain, zone) in enumerate(
        [
            ("Ola", "Nowak", "vistula.example", "+0100"),
            ("Łukasz", "Żółć", "vistula.example", "+0200"),
            ("Priya", "Raman", "deccan.example", "+0530"),
            ("Arjun", "Mehta", "deccan.example", "+0530"),
            ("Dana", "Smith", "northwind.example", "-0500"),
            ("José", "Muñoz", "northwind.example", "-0300"),
            ("Mei", "Chen", "deccan.example", "+0800"),
            ("Sam", "Taylor", "northwind.example", "+0000"),
        ]
        * 5
    )
]


class Stream:
    """Writes a fast-import stream to git's stdin."""

    def __init__(self, out) -> None:
        self.out = out
        self.mark = 0

    def w(self, text: str) -> None:
        self.out.write(text.encode())

    def data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def commit(self, ref, author, when, message, changes, parent=None, merge=None) -> int:
        self.mark += 1
        name, email, zone = author
        self.w(f"commit {ref}\nmark :{self.mark}\n")
        self.w(f"author {name} <{email}> {when} {zone}\n")
        self.w(f"committer {name} <{email}> {when} {zone}\n")
        self.data(message.encode())
        if parent:
            self.w(f"from :{parent}\n")
        if merge:
            self.w(f"merge :{merge}\n")
        for kind, path, payload in changes:
            if kind == "M":
                self.w(f"M 100644 inline {path}\n")
                self.data(payload)
            elif kind == "R":
                self.w(f'R "{path}" "{payload.decode()}"\n')
        return self.mark


def generate(path: Path, commits: int, seed: int) -> None:
    """Create the repository at `path` with `commits` commits."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    path.mkdir(parents=True, exist_ok=False)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    files = {f"src/module_{n:03}/file_{n}.py": [f"line {i} of {n}\n" for i in range(30)]
             for n in range(600)}  # fmt: skip
    names = list(files)
    proc = subprocess.Popen(
        ["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    stream = Stream(proc.stdin)
    when = 1_600_000_000
    initial = [("M", name, "".join(lines).encode()) for name, lines in files.items()]
    main_tip = stream.commit("refs/heads/main", AUTHORS[0], when, "Initial import", initial)
    made = 1
    branch_no = 0
    while made < commits:
        # a stretch on main, then a feature branch merged back (the last ones stay open)
        for _ in range(min(150, commits - made)):
            when += rng.randint(60, 3600)
            main_tip = stream.commit(
                "refs/heads/main", rng.choice(AUTHORS), when,
                f"Change {made}: adjust {rng.choice(names)} — ąę",
                _changes(rng, files, names, True),
                parent=main_tip,
            )  # fmt: skip
            made += 1
        if made >= commits:
            break
        branch_no += 1
        ref = f"refs/heads/feature/{branch_no}"
        tip = main_tip
        for _ in range(min(49, commits - made)):
            when += rng.randint(60, 3600)
            tip = stream.commit(
                ref, rng.choice(AUTHORS), when, f"Feature {branch_no} work {made}",
                _changes(rng, files, names), parent=tip,
            )  # fmt: skip
            made += 1
        if made < commits - 500:
            when += 60
            main_tip = stream.commit(
                "refs/heads/main", rng.choice(AUTHORS), when,
                f"Merge feature/{branch_no}", [], parent=main_tip, merge=tip,
            )  # fmt: skip
            made += 1
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")


def _changes(
    rng: random.Random, files: dict[str, list[str]], names: list[str], renames: bool = False
) -> list:
    changes = []
    for name in rng.sample(names, rng.randint(1, 3)):
        lines = files[name]
        lines[rng.randrange(len(lines))] = f"changed {rng.random()}\n"
        if rng.random() < 0.7:
            lines.insert(rng.randrange(len(lines)), f"added {rng.random()}\n")
        if len(lines) > 60:
            del lines[: rng.randint(1, 10)]
        changes.append(("M", name, "".join(lines).encode()))
    roll = rng.random()
    if roll < 0.01:
        blob = bytes(rng.getrandbits(8) for _ in range(256)) + b"\x00"
        changes.append(("M", f"assets/image_{rng.randrange(50)}.png", blob))
    elif roll < 0.015 and renames:
        old = rng.choice(names)
        new = old.replace("file_", "renamed_file_") + f".{rng.randrange(1000)}"
        changes.append(("R", old, new.encode()))
        files[new] = files.pop(old)
        names[names.index(old)] = new
    return changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.path, args.commits, args.seed)
    print(f"{args.path}: {args.commits} commits")


if __name__ == "__main__":
    main()
