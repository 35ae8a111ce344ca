"""Failed sign-ins slow down, then lock, per account identifier and per client address.

The identifier is hashed and counted whether or not an account has it, so a locked or
slowed answer says nothing about which accounts exist. A success clears the identifier's
count; counts start again an hour after the first failure of a run, or after a lock ends.

Ours, not Flask-Limiter's: the counts must hold across every gunicorn process and every
sign-in, and its storage (the `limits` package: memory, Redis, Memcached, MongoDB) has no
SQL backend. Memory is per process (N workers, N times the attempts); any other would be a
new stateful service in production beside PostgreSQL, holding a security control, where
Memcached may evict a lock under memory pressure. Here a row per key, locked FOR UPDATE,
serialises one key's failures across processes, on the database every process already
shares, and commits in the same transaction as the audit record of that failure. Nor is
the policy a windowed rate: a slow-down that doubles to a minute, a lock for
SIGNIN_LOCK_MINUTES, a success that clears the count, an administrator's unlock, and the
hold's end time shown to the person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request

from careplan.core import clock
from careplan.extensions import db
from careplan.identity.models import SignInThrottle

ADDRESS_WINDOW = timedelta(hours=1)
LONGEST_WAIT = timedelta(seconds=60)


@dataclass(frozen=True)
class Hold:
    """Why an attempt may not be made now, and until when."""

    reason: str  # "locked" (too many failures) or "slowed" (wait a little)
    until: datetime


def identifier_key(identifier: str) -> str:
    folded = identifier.strip().casefold().encode()
    return "account:" + hashlib.sha256(folded).hexdigest()[:40]


def invitation_key() -> str:
    """Invitation codes are guessed, not typed for an account: count them per address, so
    one person's guessing cannot lock everyone else out of their invitations."""
    return "invitation@" + (request.remote_addr or "unknown")[:60]


def address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")[:60]


def _row(key: str) -> SignInThrottle:
    row = db.session.get(SignInThrottle, key, with_for_update=True)
    if row is None:
        row = SignInThrottle(key=key, failures=0, window_started_at=clock.now())
        db.session.add(row)
    return row


def hold_on(identifier: str) -> Hold | None:
    """A lock or slow-down in force for this identifier or this address, if any."""
    now = clock.now()
    for key in (identifier_key(identifier), address_key()):
        row = db.session.get(SignInThrottle, key)
        if row is None:
            continue
        if row.locked_until and row.locked_until > now:
            return Hold("locked", row.locked_until)
        if row.next_attempt_at and row.next_attempt_at > now:
            return Hold("slowed", row.next_attempt_at)
    return None


def failed(identifier: str) -> Hold | None:
    """Count a failure; returns the hold it starts, if it starts one."""
    config = current_app.config
    now = clock.now()
    hold = None
    # Only an identifier is slowed: slowing an address would slow a whole office behind
    # one gateway for one person's typing; an address is only locked, at a higher count.
    for key, lock_after, slows in (
        (identifier_key(identifier), config["SIGNIN_LOCK_AFTER"], True),
        (address_key(), config["SIGNIN_ADDRESS_LOCK_AFTER"], False),
    ):
        row = _row(key)
        expired_lock = row.locked_until is not None and row.locked_until <= now
        if expired_lock or now - row.window_started_at > ADDRESS_WINDOW:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures = (row.failures or 0) + 1
        if row.failures >= lock_after:
            row.locked_until = now + timedelta(minutes=config["SIGNIN_LOCK_MINUTES"])
            hold = Hold("locked", row.locked_until)
        elif slows and row.failures >= config["SIGNIN_SLOW_AFTER"]:
            extra = row.failures - config["SIGNIN_SLOW_AFTER"]
            wait = min(timedelta(seconds=2**extra), LONGEST_WAIT)
            row.next_attempt_at = now + wait
            hold = hold or Hold("slowed", row.next_attempt_at)
    return hold


def succeeded(identifier: str) -> None:
    row = db.session.get(SignInThrottle, identifier_key(identifier))
    if row is not None:
        db.session.delete(row)


def unlock(identifier: str) -> bool:
    """An administrator lifts a lock early; True when there was one."""
    row = db.session.get(SignInThrottle, identifier_key(identifier))
    if row is None:
        return False
    db.session.delete(row)
    return True
