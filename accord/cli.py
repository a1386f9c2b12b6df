"""The `accord` command: serve, worker, demo and manage (any Django management command)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import click

DEFAULT_SETTINGS = "accord.config.settings"


def setup_django() -> None:
    """Configure Django for a command; a settings error is one sentence and exit code 1."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    try:
        django.setup()
    except Exception as exc:  # ImproperlyConfigured and friends: one sentence, no traceback
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="accord")
def main() -> None:
    """Accord: run IT and software-development outsourcing as a partnership."""


@main.command()
@click.option(
    "--host", envvar="HOST", default="127.0.0.1", show_default=True, help="Address to bind."
)
@click.option(
    "--port", envvar="PORT", default=8000, type=click.IntRange(1, 65535), show_default=True
)
@click.option(
    "--workers",
    envvar="ACCORD_WEB_WORKERS",
    default=2,
    type=click.IntRange(1, 64),
    show_default=True,
    help="Web processes.",
)
@click.option(
    "--threads",
    envvar="ACCORD_WEB_THREADS",
    default=2,
    type=click.IntRange(1, 64),
    show_default=True,
    help="Threads per web process (1: one request at a time per process).",
)
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=True,
    show_default=True,
    help="Also run the background worker.",
)
@click.option(
    "--migrate/--no-migrate",
    default=None,
    help="Apply migrations first (default: on in the embedded mode, off in production).",
)
@click.option(
    "--demo/--no-demo",
    default=None,
    help="Load the demo workspace on first start (default: on unless ACCORD_DEMO=0).",
)
def serve(
    host: str,
    port: int,
    workers: int,
    threads: int,
    with_worker: bool,
    migrate: bool | None,
    demo: bool | None,
) -> None:
    """Serve the web app with gunicorn, together with the background worker."""
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from accord import demo as demo_module
    from accord.lib.env import envbool

    if migrate is None:
        migrate = not settings.PRODUCTION
    if demo is None:
        demo = envbool("ACCORD_DEMO", True) and not settings.PRODUCTION
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
        click.echo(f"Database ready: {settings.DATABASES['default']['NAME']}")
    if demo and demo_module.is_first_start():
        result = demo_module.load_demo()
        _print_logins(result)
    elif demo:
        click.echo(
            "Demo logins: run `accord demo --list-users` (the password was printed on first start)."
        )

    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    click.secho(f"Accord is at {url}  (Ctrl-C stops it)", fg="green", bold=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "accord.config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            # Threads let a process work on one request while another's page is still being
            # sent or a kept-alive connection waits: with 20 clients on 2 cores, 2 threads per
            # process served ~1.5x the KPI dashboards a second of 1 (README, Performance).
            *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
        ],
        env=env,
    )
    children = [web]
    if with_worker:
        children.append(subprocess.Popen([sys.executable, "-m", "accord.cli", "worker"], env=env))
    _supervise(children)


def _supervise(children: list[subprocess.Popen[bytes]]) -> None:
    """Wait for the children; on Ctrl-C or SIGTERM stop them all, and exit if any one dies."""
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for child in children:
            if child.poll() is not None:
                code = child.returncode or 1
                stopping = True
        time.sleep(0.2)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    click.echo("Accord stopped.")
    sys.exit(code)


@main.command()
@click.option("--batch", is_flag=True, help="Run what is queued, then exit.")
@click.option(
    "--schedule/--no-schedule",
    default=True,
    show_default=True,
    help="Also queue due syncs and red-flag refreshes every minute (safe with several workers).",
)
def worker(batch: bool, schedule: bool) -> None:
    """Run the background worker (django-tasks database backend)."""
    setup_django()
    from django.core.management import call_command

    args = ["--no-reload"]
    if batch:
        args.append("--batch")
    elif schedule:
        _start_scheduler()
    # Ctrl-C is how a person stops the worker; it is not an error.
    with contextlib.suppress(KeyboardInterrupt):
        call_command("db_worker", *args)


def scheduler_tick() -> None:
    """One look of the scheduler: claim the due syncs and red-flag refreshes and queue them."""
    import logging

    from accord.delivery.tasks import schedule_due_syncs_task
    from accord.selection.tasks import schedule_flag_refreshes_task

    for schedule in (schedule_due_syncs_task, schedule_flag_refreshes_task):
        try:
            schedule.call()
        except Exception:  # one bad minute of one schedule must not stop the others
            logging.getLogger("accord.scheduler").exception(
                "scheduler.tick_failed", extra={"task": schedule.name}
            )


def _start_scheduler(interval_seconds: float = 60.0) -> None:
    """Each minute, a scheduler tick. Every worker may run this: a claim is a conditional
    UPDATE, so each due sync or refresh is queued once however many schedulers look."""
    import logging
    import threading

    from django.db import close_old_connections

    def loop() -> None:
        while True:
            time.sleep(interval_seconds)
            try:
                # A connection the last tick broke, or one past its age, is replaced.
                close_old_connections()
            except Exception:
                logging.getLogger("accord.scheduler").exception("scheduler.connection_failed")
            scheduler_tick()

    threading.Thread(target=loop, name="accord-scheduler", daemon=True).start()


def _print_logins(result: dict[str, Any]) -> None:
    click.echo("Demo workspace loaded. Log in with any of these:")
    for row in result["users"]:
        click.echo(f"  {row['username']:<18} {row['role']:<14} {row['organization']}")
    if result.get("password"):
        click.secho(f"  password for all: {result['password']}", bold=True)
        if result.get("generated"):
            click.echo(
                "  (generated now and shown only once; set ACCORD_DEMO_PASSWORD to choose it)"
            )


@main.command()
@click.option("--list-users", is_flag=True, help="Print the demo users as JSON and change nothing.")
def demo(list_users: bool) -> None:
    """Load the demo workspace (idempotent: running it again changes nothing)."""
    setup_django()
    from accord import demo as demo_module

    if list_users:
        click.echo(json.dumps(demo_module.demo_users(), indent=2))
        return
    result = demo_module.load_demo()
    if result["created"]:
        _print_logins(result)
    else:
        click.echo("The demo workspace is already loaded; nothing changed.")


@main.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    }
)
@click.argument("command", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(command: str | None, args: tuple[str, ...]) -> None:
    """Run a Django management command: accord manage migrate, accord manage check --deploy."""
    setup_django()
    from django.core.management import execute_from_command_line

    if command is None:
        execute_from_command_line(["accord manage", "help"])
        return
    execute_from_command_line(["accord manage", command, *args])


def _register_commands() -> None:
    """Commands that live with their app."""
    from accord.delivery.cli import export, import_command, sync

    main.add_command(import_command)
    main.add_command(sync)
    main.add_command(export)
    from accord.selection.cli import selection

    main.add_command(selection)
    from accord.metrics.cli import metrics

    main.add_command(metrics)
    from accord.metrics.kpi_cli import kpis

    main.add_command(kpis)


_register_commands()

if __name__ == "__main__":
    main()
