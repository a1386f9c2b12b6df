"""Benchmark `accord import jira` on a generated export of 100 000 issues / 1 000 000 changes.

    python benchmarks/bench_jira_import.py [--issues 100000] [--moves 10] [--export DIR]

Generates the export with make_jira_export.py into a temporary folder (or uses --export DIR,
generating it there when it is missing, to keep it between runs), migrates a fresh SQLite
database in a temporary ACCORD_HOME (or, when BENCH_DATABASE_URL is set, that database, which
must be empty and is left with the imported rows), creates an engagement, then runs
`accord import jira DIR --engagement …` as a child process twice: the first import and a
re-import of the same files (which must change nothing). Prints wall and CPU time, rates and
the child's peak memory (ru_maxrss). Targets: under 60 s and under 1 GiB on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _children() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _timed_import(env: dict[str, str], export: Path, slug: str) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak MiB, summary) of one `accord import jira` in a child process."""
    cpu_before, _ = _children()
    began = time.perf_counter()
    # A fresh interpreter per import, so ru_maxrss of the children is this import's own peak
    # (getrusage reports the largest child; the re-import is started in a new wrapper too).
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(export), slug],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"the import failed:\n{done.stdout}\n{done.stderr}")
    cpu_after, _ = _children()
    peak = float(done.stderr.strip().splitlines()[-1].split()[-1])
    return wall, cpu_after - cpu_before, peak, done.stdout


# Runs the real command line in-process and reports its own peak memory on stderr last.
_CHILD = """
import resource, sys
from accord.cli import main
export, slug = sys.argv[1], sys.argv[2]
try:
    main(["import", "jira", export, "--engagement", slug], standalone_mode=False)
finally:
    sys.stdout.flush()
    print("peak_mib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=10, help="status changes per issue, mean")
    parser.add_argument("--export", type=Path, help="keep the generated export in this folder")
    args = parser.parse_args()

    from make_jira_export import generate

    with tempfile.TemporaryDirectory(prefix="accord-bench-jira-") as scratch:
        export = args.export or Path(scratch) / "export"
        if not (export / "issues").exists():
            began = time.perf_counter()
            issues, entries = generate(export, issues=args.issues, moves=args.moves, seed=7)
            print(
                f"generated         {issues:,} issues, {entries:,} status changes in "
                f"{time.perf_counter() - began:.1f} s",
                flush=True,
            )
        size = sum(f.stat().st_size for f in export.rglob("*.json")) / 2**20
        home = Path(scratch) / "home"
        home.mkdir()
        env = {
            **os.environ,
            "ACCORD_HOME": str(home),
            "DJANGO_SETTINGS_MODULE": "accord.config.settings",
        }
        env.pop("DATABASE_URL", None)
        if os.environ.get("BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        slug = _prepare(env)
        database = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"export            {export.name}: {size:,.0f} MiB of JSON")
        print(f"machine           {database}; load average {load} on {os.cpu_count()} CPUs")
        for label in ("first import", "re-import"):
            wall, cpu, peak, out = _timed_import(env, export, slug)
            first = next((line for line in out.splitlines() if line.startswith("work items")), "")
            print(
                f"{label:<17} {wall:8.1f} s wall, {cpu:6.1f} s CPU, peak memory {peak:7.1f} MiB"
                f"  ({args.issues / wall:,.0f} issues/s)  {first}",
                flush=True,
            )
        print(f"stored            {_counts(env)}")


_SETUP = """
import django, time
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from accord.accounts.actions import ensure_client_organization
from accord.engagements import actions as engagement_actions
from accord.vendors import actions as vendor_actions
ensure_client_organization(name="Bench client")
vendor = vendor_actions.create_vendor(actor=None, name=f"Bench vendor {time.time_ns()}")
engagement = engagement_actions.create_engagement(
    actor=None, name=f"Bench {time.time_ns()}", vendor=vendor
)
print(engagement.slug)
"""

_COUNT = """
import django
django.setup()
from accord.delivery.models import Sprint, SprintMembership, StatusChange, WorkItem
print(", ".join(f"{m.objects.count():,} {n}" for m, n in (
    (WorkItem, "work items"), (StatusChange, "status changes"), (Sprint, "sprints"),
    (SprintMembership, "sprint memberships"))))
"""


def _prepare(env: dict[str, str]) -> str:
    """Migrate the throwaway database and create the engagement; its slug."""
    done = subprocess.run(
        [sys.executable, "-c", _SETUP], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def _counts(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _COUNT], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"(not counted: {done.stderr.strip().splitlines()[-1]})"
    return done.stdout.strip()


if __name__ == "__main__":
    main()
