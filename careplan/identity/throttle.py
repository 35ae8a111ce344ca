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

Second-factor codes are counted per account, on a key of their own that a right password
never clears: otherwise each right password would start a fresh run of code guesses (NIST
SP 800-63B section 5.2.2: limit consecutive failed attempts on an account, at most 100).
That count is not reset by time or by a lock ending, only by a right code (or recovery
code), an administrator's unlock, or a reset of the second factor: it slows and locks like
a password's, and after SECOND_FACTOR_MAX_FAILURES in a row the account's codes are
refused until an administrator unlocks it. Every check of a password or code (signing in,
confirming it is you, changing a credential) goes through the same counts.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request

from careplan.core import clock
from careplan.extensions import db
from careplan.identity.models import SignInThrottle

ADDRESS_WINDOW = timedelta(hours=1)
LONGEST_WAIT = timedelta(seconds=60)


SECOND_FACTOR_PREFIX = "second_factor:"


@dataclass(frozen=True)
class Hold:
    """Why an attempt may not be made now, and until when (None: until an administrator
    unlocks it)."""

    # "locked" (too many failures, for a while), "slowed" (wait a little), or "blocked"
    # (too many wrong codes in a row: an administrator must unlock the account)
    reason: str
    until: datetime | None


def message(hold: Hold) -> str:
    """What the person is told: what happened and what to do, never whether an account
    exists."""
    if hold.reason == "blocked" or hold.until is None:
        return (
            "Signing in to this account is locked because too many codes that were not "
            "right were entered. Contact your service's administrator to unlock it."
        )
    when = clock.local(hold.until).strftime("%H:%M")  # the clock the person sees (UK time)
    if hold.reason == "locked":
        return (
            "Signing in is locked after too many attempts that were not right. Try again "
            f"after {when}. If you cannot wait, or you did not make these attempts, "
            "contact your service's administrator."
        )
    return f"There have been several attempts that were not right. Wait until {when} and try again."


def identifier_key(identifier: str) -> str:
    folded = identifier.strip().casefold().encode()
    return "account:" + hashlib.sha256(folded).hexdigest()[:40]


def invitation_key() -> str:
    """Invitation codes are guessed, not typed for an account: count them per address, so
    one person's guessing cannot lock everyone else out of their invitations."""
    return "invitation@" + (request.remote_addr or "unknown")[:60]


def address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")[:60]


def second_factor_key(user_id: uuid.UUID) -> str:
    """The account's own count of wrong second-factor codes (by its id: codes are asked
    for only once a password has named the account)."""
    return SECOND_FACTOR_PREFIX + user_id.hex


def _row(key: str) -> SignInThrottle:
    row = db.session.get(SignInThrottle, key, with_for_update=True)
    if row is None:
        row = SignInThrottle(key=key, failures=0, window_started_at=clock.now())
        db.session.add(row)
    return row


def _hold(keys: tuple[str, ...]) -> Hold | None:
    now = clock.now()
    most = current_app.config["SECOND_FACTOR_MAX_FAILURES"]
    for key in keys:
        row = db.session.get(SignInThrottle, key)
        if row is None:
            continue
        if key.startswith(SECOND_FACTOR_PREFIX) and (row.failures or 0) >= most:
            return Hold("blocked", None)
        if row.locked_until and row.locked_until > now:
            return Hold("locked", row.locked_until)
        if row.next_attempt_at and row.next_attempt_at > now:
            return Hold("slowed", row.next_attempt_at)
    return None


def hold_on(identifier: str) -> Hold | None:
    """A lock or slow-down in force for this identifier or this address, if any."""
    return _hold((identifier_key(identifier), address_key()))


def hold_on_second_factor(user_id: uuid.UUID) -> Hold | None:
    """A lock or slow-down in force on this account's codes, or on this address."""
    return _hold((second_factor_key(user_id), address_key()))


def _count_windowed(key: str, lock_after: int, slows: bool) -> Hold | None:
    """A failure on a key whose count starts again an hour after its run began, or once
    its lock has ended (an identifier, an address)."""
    config = current_app.config
    now = clock.now()
    row = _row(key)
    expired_lock = row.locked_until is not None and row.locked_until <= now
    if expired_lock or now - row.window_started_at > ADDRESS_WINDOW:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures = (row.failures or 0) + 1
    if row.failures >= lock_after:
        row.locked_until = now + timedelta(minutes=config["SIGNIN_LOCK_MINUTES"])
        return Hold("locked", row.locked_until)
    if slows and row.failures >= config["SIGNIN_SLOW_AFTER"]:
        return Hold("slowed", _slow(row, now))
    return None


def _slow(row: SignInThrottle, now: datetime) -> datetime:
    extra = row.failures - current_app.config["SIGNIN_SLOW_AFTER"]
    row.next_attempt_at = now + min(timedelta(seconds=2 ** min(extra, 10)), LONGEST_WAIT)
    return row.next_attempt_at


def _count_consecutive(key: str) -> Hold | None:
    """A wrong code: counted until a right one, never forgotten with time. Slowed after
    SIGNIN_SLOW_AFTER, locked for SIGNIN_LOCK_MINUTES at every SIGNIN_LOCK_AFTER more, and
    blocked (until an administrator unlocks it) at SECOND_FACTOR_MAX_FAILURES."""
    config = current_app.config
    now = clock.now()
    row = _row(key)
    row.failures = (row.failures or 0) + 1
    if row.failures >= config["SECOND_FACTOR_MAX_FAILURES"]:
        row.locked_until = None
        return Hold("blocked", None)
    if row.failures % config["SIGNIN_LOCK_AFTER"] == 0:
        row.locked_until = now + timedelta(minutes=config["SIGNIN_LOCK_MINUTES"])
        return Hold("locked", row.locked_until)
    if row.failures >= config["SIGNIN_SLOW_AFTER"]:
        return Hold("slowed", _slow(row, now))
    return None


def _worst(*holds: Hold | None) -> Hold | None:
    order = {"blocked": 0, "locked": 1, "slowed": 2}
    found = [h for h in holds if h is not None]
    return min(found, key=lambda h: order.get(h.reason, 3)) if found else None


def _address_failed() -> Hold | None:
    # An address is only locked, never slowed, and at a higher count: slowing an address
    # would slow a whole office behind one gateway for one person's typing.
    return _count_windowed(address_key(), current_app.config["SIGNIN_ADDRESS_LOCK_AFTER"], False)


def failed(identifier: str) -> Hold | None:
    """Count a wrong password (or invitation code) for this identifier and this address;
    returns the hold it starts, if it starts one."""
    mine = _count_windowed(
        identifier_key(identifier), current_app.config["SIGNIN_LOCK_AFTER"], True
    )
    return _worst(mine, _address_failed())


def failed_second_factor(user_id: uuid.UUID) -> Hold | None:
    """Count a wrong second-factor code (or recovery code) for this account and this
    address; returns the hold it starts, if it starts one."""
    return _worst(_count_consecutive(second_factor_key(user_id)), _address_failed())


def succeeded(identifier: str) -> None:
    """A right password: the identifier's count starts again (the code count does not)."""
    row = db.session.get(SignInThrottle, identifier_key(identifier))
    if row is not None:
        db.session.delete(row)


def succeeded_second_factor(user_id: uuid.UUID) -> None:
    """A right code: the account's run of wrong codes is over."""
    clear_second_factor(user_id)


def clear_second_factor(user_id: uuid.UUID) -> bool:
    """Forget the account's wrong codes (a right code, an administrator's unlock, a reset
    second factor); True when there were some."""
    row = db.session.get(SignInThrottle, second_factor_key(user_id))
    if row is None:
        return False
    db.session.delete(row)
    return True


def unlock(identifier: str, user_id: uuid.UUID | None = None) -> bool:
    """An administrator lifts a lock early: the identifier's, and the account's code
    count when the account is known. True when there was something to lift."""
    lifted = False
    row = db.session.get(SignInThrottle, identifier_key(identifier))
    if row is not None:
        db.session.delete(row)
        lifted = True
    if user_id is not None:
        lifted = clear_second_factor(user_id) or lifted
    return lifted
