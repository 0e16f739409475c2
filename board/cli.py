"""Flask commands a town's admin runs: flask --app board <command>."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from board.accounts.models import Role, User
from board.extensions import db
from board.timeutil import utcnow


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(run_jobs)
    app.cli.add_command(scheduler)
    app.cli.add_command(demo_data)
    app.cli.add_command(sync_town)
    from board.backup import backup_command
    from board.organisations.cli import organisation_command

    app.cli.add_command(organisation_command)

    app.cli.add_command(backup_command)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.option("--password", help="Leave out to log in by e-mailed link only.")
def create_user(email: str, role: str, password: str | None) -> None:
    """Create a confirmed account (or change an existing one's role), e.g. the first admin."""
    from board.accounts.forms import normalise_email
    from board.accounts.services import find_user

    address = normalise_email(email)
    if address is None:
        raise click.BadParameter(f"{email!r} is not a valid e-mail address", param_hint="EMAIL")
    user = find_user(address)
    now = utcnow()
    if user is None:
        user = User(email=address)
        db.session.add(user)
    user.role = Role(role)
    user.email_confirmed_at = user.email_confirmed_at or now
    user.registered_at = user.registered_at or now
    if password:
        user.set_password(password)
    db.session.commit()
    click.echo(f"{address}: {role}")


@click.command("run-jobs")
@with_appcontext
def run_jobs() -> None:
    """Run every job once (for cron, e.g. every minute); a job running elsewhere is skipped."""
    from board.scheduler import run_all_due

    try:
        # Asked first: each job would otherwise fail on its own, and cron's log show no cause.
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        results = run_all_due(current_app._get_current_object())  # type: ignore[attr-defined]
    except OperationalError as error:  # cron tries again in a minute; say why in its log
        raise click.ClickException(f"database unavailable: {error.orig}") from error
    for name, result in results.items():
        click.echo(f"{name}: {result}")
    if any(result.startswith("failed") for result in results.values()):
        raise click.ClickException("some jobs failed; see the log above")


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the job scheduler in the foreground (systemd, a container). One per deployment:
    a second one stands by and takes over when the first stops."""
    import logging
    import signal

    from board.scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    runner = Scheduler(app, blocking=True)

    def stop(signum: int, frame: object) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.start()


@click.command("demo-data")
@with_appcontext
@click.option("--posts", "post_count", type=click.IntRange(0, 1_000_000), default=100)
def demo_data(post_count: int) -> None:
    """Fill the board with a believable town (running it twice adds nothing twice)."""
    from board.demo import load_demo_data

    started = time.perf_counter()
    created = load_demo_data(post_count, now=utcnow())
    db.session.commit()
    if created:  # thousands of new rows: let the query planner know at once, not tonight
        from board.jobs.maintenance import refresh_statistics

        refresh_statistics()
        db.session.commit()
    click.echo(f"demo data: {created} posts added in {time.perf_counter() - started:.1f} s")


@click.command("sync-town")
@with_appcontext
def sync_town() -> None:
    """Write the categories and districts from the configuration into the database.

    A new board also gets the default moderation reasons (its moderators edit them later).
    """
    from board.moderation.reasons import seed_reason_templates
    from board.posts.town import TownSettingError, sync_categories, sync_districts

    try:
        categories = sync_categories(current_app.config["CATEGORIES"])
        districts = sync_districts(current_app.config["DISTRICTS"])
    except TownSettingError as error:
        raise click.ClickException(str(error)) from error
    reasons = seed_reason_templates()
    db.session.commit()
    click.echo(f"{len(categories)} categories, {len(districts)} districts")
    if reasons:
        click.echo(f"{reasons} moderation reasons to start with")
