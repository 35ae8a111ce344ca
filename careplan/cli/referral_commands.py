"""`flask --app careplan referrals expire`: unanswered referrals warned about, then closed."""

from __future__ import annotations

import click
from flask import g
from flask.cli import AppGroup

from careplan.core import unit_of_work
from careplan.referrals import expiry

referrals_cli = AppGroup("referrals", help="Referrals between services.")


@referrals_cli.command("expire")
def expire_command() -> None:
    """Warn the receiving service and the referrer of referrals about to close unanswered
    (once each), and close those whose time to answer has passed ("no answer"). Safe to
    run again; run it every hour."""
    with unit_of_work.job("referrals-expire"):
        done = expiry.run()
    g.pop("user", None)
    click.echo(
        f"{done.warned} referrals about to close warned of; {done.closed} closed unanswered."
    )
