"""Command-line tools: tokens, the first administrator, demo data, audit verification.

Each command commits once, with an audit record of what it did (the actor is the account
it acts for, and the request id says it came from the command line).
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, g
from flask.cli import AppGroup
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select

from audit import archive, partitions, summary
from audit.actions import AuditAction
from audit.signing import load_public_key
from audit.verify import cpu_processes
from careplan.access.subject import Role
from careplan.accounts import tokens
from careplan.accounts.models import AccountKind, User
from careplan.accounts.passwords import hash_password
from careplan.accounts.schemas import StaffSchema
from careplan.cli.recording import commit_recorded
from careplan.core import clock
from careplan.core.schemas import BaseSchema, Readable
from careplan.extensions import db
from careplan.identity import housekeeping
from careplan.ig.services import verify_with_configured_witnesses
from careplan.records import backup, retention, rotation

token_cli = AppGroup("token", help="Personal access tokens for the JSON API.")
admin_cli = AppGroup("admin", help="Administrator accounts.")
demo_cli = AppGroup("demo", help="The demo world.")
audit_cli = AppGroup("audit", help="The audit log.")


class TokenLabelSchema(BaseSchema):
    label = fields.Str(required=True, validate=Readable(min=1, max=100))


# What the command line stores is checked like any other input (careplan.core.schemas).
admin_input = StaffSchema(only=("email", "name"))
token_label = TokenLabelSchema()


def checked(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """`data` loaded by `schema`, or click's usage error naming each option and problem."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        problems = "; ".join(f"--{k}: {' '.join(map(str, v))}" for k, v in exc.messages.items())
        raise click.UsageError(problems) from None


@token_cli.command("create")
@click.option("--user", "email", required=True, help="Email of the account.")
@click.option("--expires", default=None, help="Lifetime such as 30m, 1h or 7d.")
@click.option("--label", default="cli", help="What the token is for.")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="write",
    show_default=True,
    help="read: GET requests only; write: everything the account may do.",
)
def token_create(email: str, expires: str | None, label: str, scope: str) -> None:
    """Print a new bearer token for USER (shown once; stored only as a hash)."""
    label = checked(token_label, {"label": label})["label"]
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        raise click.ClickException("No active account with that email.")
    try:
        lifetime = (
            tokens.parse_lifetime(expires)
            if expires
            else tokens.parse_lifetime(f"{current_app.config['TOKEN_DEFAULT_HOURS']}h")
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires") from exc
    scopes = ["read"] if scope == "read" else ["read", "write"]
    raw = tokens.issue(db.session, user, lifetime, label, scopes)
    commit_recorded(
        AuditAction.AUTH_TOKEN,
        user=user,
        details={"label": label, "scopes": scopes},
    )
    click.echo(raw)


@admin_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
def admin_create(email: str, name: str) -> None:
    """Create an administrator with a local account and print a one-time password."""
    given = checked(admin_input, {"email": email.strip(), "name": name})
    email, name = given["email"], given["name"]
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise click.ClickException("An account with that email exists.")
    password = secrets.token_urlsafe(18)
    user = User(
        kind=AccountKind.STAFF,
        email=email,
        name=name.strip(),
        roles=[Role.ADMIN.value],
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    commit_recorded(AuditAction.STAFF_CREATE, user=user, details={"staff_id": user.id})
    click.echo(
        f"Administrator {email} created. One-time password (change it at first sign-in): {password}"
    )


@demo_cli.command("load")
def demo_load() -> None:
    """Load the fixed demo world (idempotent) and print the demo sign-ins."""
    from careplan.demo import load_demo

    logins = load_demo(db.session)
    db.session.commit()
    click.echo("Demo world loaded. Demo sign-ins (demo data only):")
    for line in logins:
        click.echo("  " + line)


@audit_cli.command("verify")
@click.option(
    "--public-key",
    "public_key_path",
    default=None,
    help="PEM public key to check checkpoint signatures with (default: this installation's key).",
)
@click.option(
    "--witness",
    "witness_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A witness file to check the log against (this service's file witness, or a syslog "
    "collector's file holding its messages); may be given more than once. The configured "
    "file witnesses are always checked.",
)
@click.option(
    "--archive",
    "archive_path",
    default=None,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Check an archive file written by `flask audit archive` on its own (its records "
    "and its signed checkpoint), instead of the log in the database.",
)
@click.option(
    "--incremental",
    is_flag=True,
    help="Check only from the last verified checkpoint to the end (as the IG page does); "
    "without it, the whole log is checked.",
)
@click.option(
    "--processes",
    type=click.IntRange(0, 256),
    default=None,
    help="Worker processes for the segments between signed checkpoints; 1: one walk in this "
    "process; 0: one a CPU (default: CAREPLAN_AUDIT_VERIFY_PROCESSES).",
)
def audit_verify(
    public_key_path: str | None,
    witness_paths: tuple[Path, ...],
    archive_path: Path | None,
    incremental: bool,
    processes: int | None,
) -> None:
    """Re-walk the audit chain and checkpoints, and check them against the witnesses;
    exit 0 only when it is intact (a witness that is only behind is reported, not failed).
    What it found is kept for the next incremental check (audit.verified). With
    --archive, check that archive file on its own instead."""
    g.user = None
    public = load_public_key(Path(public_key_path)) if public_key_path else None
    if archive_path is not None:
        key = public or current_app.extensions["careplan.checkpoints"].signer.public
        found = archive.verify_file(archive_path, key)
        if not found.ok:
            click.echo(f"Archive NOT intact: {found.problem}.", err=True)
            sys.exit(1)
        click.echo(
            f"Archive of {found.year} intact: records {found.first} to {found.last} "
            f"({found.checked} records), ending at a validly signed checkpoint."
        )
        return
    result = verify_with_configured_witnesses(
        db.session,
        witness_paths,
        incremental=incremental,
        processes=None if processes is None else cpu_processes(processes),
        public=public,
    )
    db.session.commit()
    for report in result.witnesses:
        click.echo(_witness_line(report), err=not report["ok"])
    if result.note:
        click.echo(f"Not incremental: {result.note}.")
    if result.ok:
        last = result.checkpoint
        click.echo(
            f"Audit log intact: {_scope(result)}"
            + (
                f", last signed checkpoint at record {last['seq']}."
                if last
                else ", no checkpoint signed yet."
            )
        )
        click.echo(_last_full(result))
        return
    click.echo(
        f"Audit log NOT intact: first bad record is {result.first_bad_seq} ({result.problem}).",
        err=True,
    )
    sys.exit(1)


def _scope(result: Any) -> str:
    """What a check read: "records 1 to N checked in full (2 processes)" and the like."""
    how = f"{result.processes} processes" if result.processes > 1 else "one process"
    if result.mode == "incremental":
        return (
            f"records {result.from_seq} to {result.checked} checked from the last verified "
            f"checkpoint ({how})"
        )
    count = max(result.checked - result.from_seq + 1, 0)
    after = (
        f", from the signed anchor of the archived records 1 to {result.anchor_seq}"
        if result.anchor_seq
        else ""
    )
    return f"{count} records checked in full, {result.from_seq} to {result.checked}{after} ({how})"


def _last_full(result: Any) -> str:
    full = result.last_full
    if not full:
        return "No full check of the whole log is on record."
    first = result.anchor_seq + 1  # after the archived years, if any
    return (
        f"The whole log was last checked in full at {full['at']} "
        f"(records {first} to {full['seq']})."
    )


def _witness_line(report: dict[str, Any]) -> str:
    name = report["name"]
    if not report["ok"]:
        return f"Witness {name}: NOT consistent with the log: {report['problem']}."
    if report["last_seq"] == 0:
        return f"Witness {name}: holds no head yet ({report['behind']} records not witnessed)."
    behind = report["behind"]
    lag = f"behind by {behind} records (not yet delivered)" if behind else "up to date"
    return f"Witness {name}: every record up to {report['last_seq']} present and unchanged; {lag}."


@audit_cli.command("partitions")
@click.option(
    "--ahead",
    type=click.IntRange(0, 36),
    default=partitions.AHEAD,
    show_default=True,
    help="Months to make ahead of this one.",
)
def audit_partitions(ahead: int) -> None:
    """Make the audit log's month partitions for this month and the next ones, and move
    any records held in the default partition into their months (PostgreSQL; run it
    monthly or daily from a scheduled job: it does nothing when all are there)."""
    connection = db.session.connection()
    if not partitions.is_partitioned(connection):
        click.echo("The audit log is not partitioned on this database (SQLite): nothing to do.")
        return
    stranded = partitions.default_rows(connection)
    made = partitions.ensure(connection, clock.now(), ahead)
    db.session.commit()
    if stranded:
        click.echo(
            f"The default partition held {stranded} records (a month had no partition): "
            "moved into their months.",
            err=True,
        )
    click.echo(f"Made {len(made)} partitions" + (f": {', '.join(made)}." if made else "."))
    listed = partitions.listing(db.session.connection())
    if listed:
        first, last = listed[0], listed[-1]
        click.echo(
            f"{len(listed)} month partitions, {first.year}-{first.month:02d} to "
            f"{last.year}-{last.month:02d}; default partition: "
            f"{partitions.default_rows(db.session.connection())} records."
        )


@audit_cli.command("archive")
@click.argument("year", type=click.IntRange(2000, 9999))
@click.option(
    "--to",
    "path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive file to write (gzip JSON lines); it must not exist.",
)
def audit_archive(year: int, path: Path) -> None:
    """Archive a closed YEAR of the audit log: write its records and the signed
    checkpoint covering them to a file (check it with `audit verify --archive`), then
    detach and drop its month partitions; verification starts from that checkpoint."""
    g.user = None
    signer = current_app.extensions["careplan.checkpoints"].signer
    try:
        row = archive.archive_year(db.session, signer, year, path, clock.now())
    except archive.Refused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    commit_recorded(
        AuditAction.AUDIT_ARCHIVE,
        details={
            "year": year,
            "records": row.records,
            "first_seq": row.first_seq,
            "last_seq": row.last_seq,
            "checkpoint_seq": row.checkpoint_seq,
        },
    )
    click.echo(
        f"Archived {row.records} records of {year} (records {row.first_seq} to "
        f"{row.last_seq}) to {path}; the log now starts after record {row.last_seq}, "
        f"anchored at the signed checkpoint at record {row.checkpoint_seq}."
    )


@audit_cli.command("rebuild-summary")
@click.option(
    "--from",
    "first",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The first UTC day to rebuild (default: the day of the log's first record).",
)
@click.option(
    "--to",
    "last",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The last UTC day to rebuild (default: today).",
)
def audit_rebuild_summary(first: Any, last: Any) -> None:
    """Recompute the summary of who touched whom (audit.summary: what the "many people"
    report reads) from the audit log, for UTC days --from to --to. One transaction a
    month, each holding the log's head so nothing is appended meanwhile; running it
    again changes nothing. The log itself is only read."""
    start = first.date() if first else summary.first_day(db.session)
    end = last.date() if last else clock.now().date()
    if end < start:
        raise click.BadParameter("must not be before --from", param_hint="--to")
    made = [0, 0]
    month = start
    while month <= end:
        following = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
        through = min(following - timedelta(days=1), end)
        people, actors = summary.rebuild(db.session, month, through)
        db.session.commit()
        made[0] += people
        made[1] += actors
        month = following
    click.echo(
        f"Rebuilt the summary of {start.isoformat()} to {end.isoformat()}: "
        f"{made[0]} actor-person-day rows, {made[1]} actor-day rows."
    )


@audit_cli.command("public-key")
def audit_public_key() -> None:
    """Print the public key that verifies this installation's audit checkpoints."""
    click.echo(current_app.extensions["careplan.checkpoints"].signer.public_pem(), nl=False)


keys_cli = AppGroup("keys", help="Keys for data at rest.")


@keys_cli.command("rotate")
@click.option(
    "--reencrypt",
    is_flag=True,
    help="Also give every family a fresh data key and seal every value again.",
)
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 10000))
def keys_rotate(reencrypt: bool, batch: int) -> None:
    """Re-wrap data keys under the current key (and optionally re-encrypt), in batches."""

    vault = current_app.extensions["careplan.vault"]
    count = rotation.rewrap(db.session, vault)
    click.echo(f"Re-wrapped {count} data keys under {vault.ring.current!r}.")
    if reencrypt:

        def progress(table: str, seen: int, total: int) -> None:
            click.echo(f"  {table}: {seen}/{total}")

        moved = rotation.reencrypt(db.session, vault, batch, progress)
        click.echo(f"Sealed {moved} values again under fresh data keys.")
    others = sorted(set(vault.ring.keys) - {vault.ring.current})
    if others:
        click.echo(
            "Nothing is wrapped by " + ", ".join(others) + " any more: those keys can "
            "now be removed from the key ring."
        )


@click.command("backup")
@click.option("--to", "target", default=None, help="Backup file (default: instance/backups/).")
def backup_command(target: str | None) -> None:
    """Consistent online backup of the SQLite database (keys are never in it)."""
    from pathlib import Path

    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    path = (
        Path(target)
        if target
        else (Path(current_app.instance_path) / "backups" / f"careplan-{stamp}.sqlite")
    )
    g.user = None
    # Recorded first, so the backup holds the record of its own making.
    commit_recorded(AuditAction.EXPORT, details={"kind": "backup"})
    try:
        made = backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backup written to {made}. Keep the key files safe separately: the backup "
        "cannot be read without them."
    )


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the live database without asking.")
def restore_command(source: str, yes: bool) -> None:
    """Replace the SQLite database with a checked backup. Stop the service first."""
    from pathlib import Path

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    public = current_app.extensions["careplan.checkpoints"].signer.public
    if not yes:
        click.confirm("This replaces the live database. Is the service stopped?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        result = backup.restore(url, Path(source), public)
    except backup.BackupError as exc:
        raise click.ClickException(f"Not restored: {exc}.") from exc
    g.user = None
    commit_recorded(AuditAction.RESTORE, details={"from": Path(source).name})
    click.echo(f"Restored from {source}: {result.checked} audit records verified.")


@click.command("retention")
@click.argument("what", type=click.Choice(["run"]))
@click.option("--dry-run", is_flag=True, help="Only say what is due.")
def retention_command(what: str, dry_run: bool) -> None:
    """Erase closed plans whose retention period has passed; each erasure is recorded.
    Also removes sign-in records that have done their job (ended sessions, old flows)."""

    days = current_app.config["RETENTION_DAYS"]
    plans = retention.due(db.session, clock.today(), days)
    click.echo(f"{len(plans)} closed plans are past the {days}-day retention period.")
    if dry_run:
        return
    g.user = None
    for plan in plans:
        closed_on = plan.closed_on
        person_id = retention.erase(db.session, plan)
        commit_recorded(
            AuditAction.ERASE,
            person_id=person_id,
            details={"reason": "retention", "closed_on": closed_on, "retention_days": days},
        )
    click.echo(f"Erased {len(plans)}.")
    pruned = housekeeping.prune(db.session)
    db.session.commit()
    click.echo(
        "Removed {sessions} old sessions, {flows} old sign-in flows, {counters} old failure "
        "counters.".format(**pruned)
    )


def register(app: Flask) -> None:
    from careplan.cli import (
        account_commands,
        directory_commands,
        notification_commands,
        referral_commands,
    )

    account_commands.register(token_cli)
    for group in (
        token_cli,
        admin_cli,
        demo_cli,
        audit_cli,
        keys_cli,
        account_commands.account_cli,
        directory_commands.directory_cli,
        notification_commands.notifications_cli,
        referral_commands.referrals_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_command)
