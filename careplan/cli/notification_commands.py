"""`flask --app careplan notifications send [--once]` and `notifications due`."""

from __future__ import annotations

import click
from flask import current_app, g
from flask.cli import AppGroup

from careplan.core import clock, unit_of_work
from careplan.extensions import db
from careplan.notifications import sender
from consent import notices

notifications_cli = AppGroup("notifications", help="Email, text and in-app notifications.")


def queue_due() -> int:
    """The daily notices (consents ending within 30 days), in a unit of work of their own;
    idempotent. Returns how many were queued."""
    with unit_of_work.job("notifications-due"):
        return notices.consents_ending(db.session, clock.today())


@notifications_cli.command("due")
def due_command() -> None:
    """Queue today's notices of consents ending within 30 days (safe to run again: one
    notice per consent, end date and recipient). The sender also runs this each day."""
    queued = queue_due()
    g.pop("user", None)
    click.echo(f"{queued} notices queued.")


@notifications_cli.command("send")
@click.option("--once", is_flag=True, help="One round, then stop (for cron or a test).")
def send_command(once: bool) -> None:
    """Deliver queued notifications by GOV.UK Notify: runs until stopped (SIGTERM or
    Ctrl-C end it after the round under way). Needs CAREPLAN_NOTIFY_API_KEY and
    CAREPLAN_NOTIFY_TEMPLATES_FILE. Several may run at once on PostgreSQL."""
    try:
        job = sender.Sender(current_app._get_current_object())  # type: ignore[attr-defined]
    except sender.NotConfigured as exc:
        raise click.ClickException(str(exc)) from None
    counts = job.run(once=once, daily=queue_due)
    g.pop("user", None)
    if once:
        click.echo(
            f"{counts.fanned_out} notifications handled, {counts.accepted} emails and texts "
            f"sent, {counts.retrying} to try again, {counts.failed} failed for good, "
            f"{counts.delivered} confirmed delivered."
        )
