"""Account care from the command line: list and revoke tokens, lift a sign-in lock, reset
a lost second factor. Each change is audited with the account it concerns as the actor."""

from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from audit.actions import AuditAction
from careplan.accounts import tokens
from careplan.accounts.models import AccessToken, User
from careplan.cli.recording import commit_recorded
from careplan.extensions import db
from careplan.identity import second_factor, sessions, throttle
from careplan.identity.models import IdentityLink

account_cli = AppGroup("account", help="Sign-in help for an account.")


def _account(email: str) -> User:
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).one_or_none()
    if user is None:
        raise click.ClickException("No account with that email.")
    return user


def _commit(user: User, details: dict) -> None:
    commit_recorded(AuditAction.AUTH_TOKEN, user=user, details=details)


def register(token_cli: AppGroup) -> None:
    @token_cli.command("list")
    @click.option("--user", "email", required=True, help="Email of the account.")
    def token_list(email: str) -> None:
        """The account's usable tokens: id, label, scopes, expiry (never the token)."""
        for token in tokens.active_for(db.session, _account(email)):
            scopes = ",".join(token.scopes or [])
            expires = f"{token.expires_at:%Y-%m-%d %H:%M}"
            click.echo(f"{token.id}  {token.label:20}  {scopes:10}  expires {expires}")

    @token_cli.command("revoke")
    @click.argument("token_id")
    def token_revoke(token_id: str) -> None:
        """Revoke one token by its id (from `token list`); it stops on its next use."""
        try:
            found = db.session.get(AccessToken, uuid.UUID(token_id))
        except ValueError:
            found = None
        if found is None or tokens.revoke(db.session, found.user, found.id) is None:
            raise click.ClickException("No usable token with that id.")
        _commit(found.user, {"revoked": found.id, "label": found.label, "by": "cli"})
        click.echo("Revoked.")


@account_cli.command("unlock")
@click.option("--email", required=True)
def unlock(email: str) -> None:
    """Lift a sign-in lock on EMAIL early (after checking it is really them): its wrong
    passwords, and its account's run of wrong second-factor codes."""

    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).one_or_none()
    if not throttle.unlock(email, user.id if user is not None else None):
        raise click.ClickException("That email address is not locked.")
    commit_recorded(
        AuditAction.AUTH_LOGIN,
        user=user,
        details={"method": "unlocked_by_administrator"},
    )
    click.echo("Unlocked.")


@account_cli.command("reset-second-factor")
@click.option("--email", required=True)
def reset_second_factor(email: str) -> None:
    """The person lost their phone and codes: they set up a new app at their next sign-in."""

    user = _account(email)
    second_factor.reset(user)
    sessions.end_all(user.id, "second_factor_reset")
    commit_recorded(
        AuditAction.STAFF_RESET_SECOND_FACTOR,
        user=user,
        details={"staff_id": user.id, "by": "cli"},
    )
    click.echo("Second factor reset; the account's sessions have ended.")


@account_cli.command("link-identity")
@click.option("--email", required=True, help="The staff account.")
@click.option("--provider", "provider_name", required=True, help="Provider name in the TOML.")
@click.option("--subject", required=True, help="The account's `sub` at that provider.")
def link_identity(email: str, provider_name: str, subject: str) -> None:
    """Pre-link a staff account to its subject at a provider configured with match = "subject"."""
    from flask import current_app

    if provider_name not in current_app.extensions["careplan.providers"]:
        raise click.ClickException("No provider with that name is configured.")
    user = _account(email)
    if not user.is_staff:
        raise click.ClickException("Individuals are linked by their key worker's invitation.")
    subject = subject.strip()
    if not subject or len(subject) > 255:
        raise click.ClickException("The subject must be 1 to 255 characters.")
    taken = db.session.scalar(
        select(IdentityLink.id).where(
            IdentityLink.provider == provider_name, IdentityLink.subject == subject
        )
    )
    if taken is not None:
        raise click.ClickException("That identity is already linked to an account.")
    db.session.add(IdentityLink(provider=provider_name, subject=subject, user_id=user.id))
    commit_recorded(AuditAction.ACCOUNT_LINK, user=user, details={"provider": provider_name})
    click.echo("Linked.")
