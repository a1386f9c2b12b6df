"""Benchmark the git import against `git log --numstat` alone over the same history.

    python benchmarks/bench_git_import.py [--commits 50000] [--repo PATH]

Generates the repository with make_git_repo.py in a temporary folder (or uses --repo PATH,
generating it there when it is missing, to keep it between runs), times the
exact `git log` command the importer runs with its output thrown away, then imports the whole
history into a fresh SQLite database in a temporary ACCORD_HOME (or DATABASE_URL's database when
set), and re-imports it (nothing changes, so that measures the idempotency check). Prints
commits per second, the ratio of import time to git's own time (target: at most 2x) and peak memory.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def time_git_log(repo: Path, runs: int = 3) -> tuple[float, float]:
    """The best wall and CPU time of the importer's own `git log` command, output discarded."""
    from accord.delivery.connectors.git.importer import git_env, log_command

    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        began, cpu = time.perf_counter(), cpu_seconds()
        subprocess.run(log_command(repo, []), stdout=subprocess.DEVNULL, env=git_env(), check=True)
        best = min(best, time.perf_counter() - began)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    return best, best_cpu


def setup_django(home: str) -> None:
    """Settings on a throwaway ACCORD_HOME, migrated."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
    os.environ["ACCORD_HOME"] = home
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def make_source() -> Any:
    """An engagement with a git data source to import into."""
    from accord.accounts.actions import ensure_client_organization
    from accord.delivery.models import DataSource
    from accord.engagements import actions as engagement_actions
    from accord.vendors import actions as vendor_actions

    ensure_client_organization(name="Bench client")
    vendor = vendor_actions.create_vendor(actor=None, name=f"Bench vendor {time.time_ns()}")
    engagement = engagement_actions.create_engagement(
        actor=None, name=f"Bench {time.time_ns()}", vendor=vendor
    )
    return DataSource.objects.create(engagement=engagement, kind="git", name="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--repo", type=Path, help="the repository to import (generated if missing)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="accord-bench-") as scratch:
        repo = args.repo or Path(scratch) / f"git-{args.commits}"
        if not repo.exists():
            print(f"generating {args.commits} commits in {repo} …", flush=True)
            subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / "make_git_repo.py"), str(repo),
                 "--commits", str(args.commits)],
                check=True,
            )  # fmt: skip
        home = Path(scratch) / "home"
        home.mkdir()
        setup_django(str(home))
        from accord.delivery.actions import ImportSummary, run_import
        from accord.delivery.connectors.git.importer import import_file
        from accord.delivery.models import Commit

        git_seconds, git_cpu = time_git_log(repo)
        source = make_source()
        timings = []
        for label in ("first import", "re-import"):
            began, cpu = time.perf_counter(), cpu_seconds()
            run = run_import(
                data_source=source,
                trigger="import",
                work=lambda summary: import_file(data_source=source, path=repo, summary=summary),
            )
            timings.append((label, time.perf_counter() - began, cpu_seconds() - cpu, run))
            assert run.status == "succeeded", run.error
        commits = Commit.objects.filter(data_source=source).count()
        _ = ImportSummary

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"repository        {repo} ({commits} commits)\n"
        f"machine           load average {load} on {os.cpu_count()} CPUs"
    )
    print(
        f"git log --numstat {git_seconds:8.2f} s wall, {git_cpu:6.2f} s CPU "
        f"({commits / git_seconds:,.0f} commits/s)"
    )
    for label, seconds, cpu, run in timings:
        print(
            f"{label:<17} {seconds:8.2f} s wall, {cpu:6.2f} s CPU ({commits / seconds:,.0f} "
            f"commits/s; {seconds / git_seconds:.2f}x git log's wall time, "
            f"{cpu / git_cpu:.2f}x its CPU time)  {run.summary.splitlines()[0]}"
        )
    print(f"peak memory       {_peak_mib(resource.RUSAGE_SELF):8.1f} MiB (this process)")
    print(f"peak memory (git) {_peak_mib(resource.RUSAGE_CHILDREN):8.1f} MiB (largest child)")


if __name__ == "__main__":
    main()
