"""Walking one stretch of the hash chain, in this process or in a worker process.

A stretch starts from a known point of the chain, `(seq, hash)`: the genesis `(0, 000…)`
or a signed checkpoint. Because a checkpoint's signature fixes the hash the chain had at
its record, the stretch after it can be checked on its own, without walking what came
before: that is what lets verification split the log at checkpoints and check the
pieces in parallel processes (audit.verify.verify_chain), and start an incremental check
from the last verified checkpoint (audit.verified).

This module is kept lean (the chain encoding, the driver, the public key): each worker
process of the pool imports it, not the app.
"""

from __future__ import annotations

import bisect
import hashlib
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.chain import CHAINED_FIELDS, link_hash_values
from audit.signing import checkpoint_message, verify_signature

BATCH = 5000

MISSING = "missing record"
BROKEN = "broken link"
ALTERED = "record altered"
DIFFERS = "record differs from the signed checkpoint"
CUT = "records signed in a checkpoint are missing from the end"
BAD_SIGNATURE = "checkpoint signature is not valid"


@dataclass(frozen=True)
class Checkpoint:
    """A signed checkpoint as stored: `signed_at` naive UTC, `signature` base64."""

    seq: int
    hash: str
    signed_at: datetime
    signature: str


@dataclass(frozen=True)
class Segment:
    """Records `start_seq + 1` up to `end_seq` (None: to the end of the log), whose chain
    starts from `start_hash`; `checkpoints`: the signed checkpoints that fall in it, in
    order (the last one is at `end_seq` when it is bounded); `hashes_at`: records whose
    stored hash the caller wants back (the witnesses' heads)."""

    start_seq: int
    start_hash: str
    end_seq: int | None
    checkpoints: tuple[Checkpoint, ...] = ()
    hashes_at: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SegmentResult:
    """`last`: the last record found good (start_seq if none); `problem`: (first bad
    record, what is wrong) or None; `bad_signature`: the first checkpoint of the segment
    whose signature fails (checked before any record is read)."""

    last: int
    problem: tuple[int, str] | None = None
    bad_signature: int | None = None
    hashes: dict[int, str] = field(default_factory=dict)


def record_hash(prev_hash: str, values: Sequence[Any]) -> str:
    """The link hash of a stored record (audit.chain.link_hash_values), computed fast.

    orjson writes the canonical encoding (a compact JSON array, non-ASCII as UTF-8) about
    ten times faster than the standard library's encoder, byte for byte the same for the
    values the log holds (ints, None, text). The standard encoder stays the reference:
    whenever the fast hash does not match the stored one, or orjson refuses a value, the
    hash is computed again with audit.chain, so a difference between the two encoders
    could only cost time, never a wrong verdict (SHA-256 collisions aside)."""
    try:
        return hashlib.sha256(prev_hash.encode("ascii") + orjson.dumps(values)).hexdigest()
    except (orjson.JSONEncodeError, TypeError):
        return link_hash_values(prev_hash, values)


def hashes_to(prev_hash: str, values: Sequence[Any], stored: Any) -> bool:
    """Whether a stored record (`values`: its CHAINED_FIELDS as stored) links from
    `prev_hash` to `stored`: the fast hash first, the standard encoder's when they
    differ. A value no record is written with and neither encoder takes (bytes, which
    SQLite will store in any column) is a change, not an error."""
    try:
        return record_hash(prev_hash, values) == stored or (
            link_hash_values(prev_hash, values) == stored
        )
    except (TypeError, ValueError):
        return False


def check_signatures(public_key: Ed25519PublicKey, checkpoints: Sequence[Checkpoint]) -> int | None:
    """The sequence number of the first checkpoint whose signature fails, or None."""
    for cp in checkpoints:
        message = checkpoint_message(cp.seq, cp.hash, cp.signed_at)
        if not verify_signature(public_key, cp.signature, message):
            return cp.seq
    return None


def walk(
    connection: Any,
    public_key: Ed25519PublicKey,
    segment: Segment,
    mark: str,
    dialect: str | None = None,
) -> SegmentResult:
    """Check one segment through a DB-API `connection` (sqlite3 or psycopg; `mark`: its
    parameter marker, `?` or `%s`), in batches,
    in constant memory: each record's link to the one before, its hash, the checkpoints'
    signatures and hashes, and (for a bounded segment) that it reaches its end. The same
    problems, with the same first bad record, as one walk of the whole log would report
    for this stretch when everything before it is intact.

    `dialect` (the SQLAlchemy dialect's name): on "sqlite" (FAST_SQL) batches are first
    checked the fast way (the database writes each record's canonical bytes, see
    fast_batches); any batch that is not intact that way is read again and checked record
    by record (check_rows), which decides. Otherwise (PostgreSQL, or None): record by
    record."""
    bad = check_signatures(public_key, segment.checkpoints)
    if bad is not None:
        return SegmentResult(segment.start_seq, bad_signature=bad)
    state = _Walk(segment)
    if dialect in FAST_SQL:
        problem = state.check_fast(connection, mark, dialect, segment.end_seq)
    else:
        problem = state.check_rows(rows(connection, mark, segment.start_seq, segment.end_seq))
    if problem is not None:
        return SegmentResult(state.expected - 1, problem, hashes=state.hashes)
    last = state.expected - 1
    wanted = state.wanted
    must_reach = segment.end_seq if segment.end_seq is not None else max(wanted, default=0)
    if last < must_reach:
        # A walk of the whole log would meet the next record still there (a gap) or
        # run out of records before a signed checkpoint (a cut tail).
        kind = MISSING if _any_after(connection, mark, last) else CUT
        return SegmentResult(last, (last + 1, kind), hashes=state.hashes)
    return SegmentResult(last, hashes=state.hashes)


class _Walk:
    """Where a walk of one segment has got to: the hash the next record must link to
    (`prev_hash`), its sequence number (`expected`), and the stored hashes the caller
    asked for (`hashes`)."""

    def __init__(self, segment: Segment) -> None:
        self.prev_hash = segment.start_hash
        self.expected = segment.start_seq + 1
        self.hashes: dict[int, str] = {}
        self.hashes_at = segment.hashes_at
        self.wanted = {cp.seq: cp.hash for cp in segment.checkpoints}
        self._wanted_seqs = sorted(self.wanted)
        self._hashes_seqs = sorted(segment.hashes_at)

    def check_rows(self, records: Iterable[tuple[Any, ...]]) -> tuple[int, str] | None:
        """The reference check, record by record (rows' tuples): the first problem as
        (record, what is wrong), or None with the walk advanced past them all."""
        wanted, hashes_at = self.wanted, self.hashes_at
        prev_hash, expected = self.prev_hash, self.expected
        try:
            for row in records:
                seq, row_prev, row_hash = row[0], row[-2], row[-1]
                problem = None
                if seq != expected:
                    problem = (expected, MISSING)
                elif row_prev != prev_hash:
                    problem = (seq, BROKEN)
                elif record_hash(prev_hash, row[:-2]) != row_hash and (
                    link_hash_values(prev_hash, row[:-2]) != row_hash
                ):
                    problem = (seq, ALTERED)
                elif wanted.get(seq, row_hash) != row_hash:
                    problem = (seq, DIFFERS)
                if problem is not None:
                    return problem
                if seq in hashes_at:
                    self.hashes[seq] = row_hash
                prev_hash, expected = row_hash, expected + 1
            return None
        except (TypeError, ValueError):
            # A value no record is written with and neither encoder takes (bytes, which
            # SQLite stores in any column): that record was changed.
            return (expected, ALTERED)
        finally:
            self.prev_hash, self.expected = prev_hash, expected

    def check_fast(
        self, connection: Any, mark: str, dialect: str, until: int | None
    ) -> tuple[int, str] | None:
        """Batches of fast_batches; a batch that is not intact that way (or that the
        database could not render) is read again as rows and checked by check_rows,
        which finds the first problem exactly as a walk record by record would."""
        last = self.expected - 1
        for batch in fast_batches(connection, mark, dialect, last, until):
            if batch is None:  # the database refused to render a record: the rest slowly
                return self.check_rows(rows(connection, mark, last, until))
            top = batch[-1][0]
            if not self._take(batch):
                problem = self.check_rows(rows(connection, mark, last, top))
                if problem is not None:
                    return problem
            last = top
        return None

    def _take(self, batch: Sequence[tuple[Any, ...]]) -> bool:
        """True, with the walk advanced past `batch`, when every record in it is in
        sequence, links to the one before and hashes to its stored hash, and every
        checkpoint in it names its record's hash; False (nothing changed) otherwise.
        Each record is (seq, bytes to hash, prev_hash, hash), as fast_batches reads it.
        Loops in C (map, tuple comparison): no Python code runs per record."""
        first, count = self.expected, len(batch)
        seqs = tuple(map(_FIRST, batch))
        prevs = tuple(map(_PREV, batch))
        stored = tuple(map(_LAST, batch))
        if seqs != tuple(range(first, first + count)):
            return False
        if prevs[0] != self.prev_hash or prevs[1:] != stored[:-1]:
            return False
        try:
            if tuple(map(_HEXDIGEST, map(hashlib.sha256, map(_SECOND, batch)))) != stored:
                return False
        except TypeError:  # a NULL field made the bytes NULL
            return False
        end = first + count - 1
        for seq in _between(self._wanted_seqs, first, end):
            if stored[seq - first] != self.wanted[seq]:
                return False
        for seq in _between(self._hashes_seqs, first, end):
            self.hashes[seq] = stored[seq - first]
        self.prev_hash, self.expected = stored[-1], end + 1
        return True


def _between(ordered: Sequence[int], low: int, high: int) -> Sequence[int]:
    """The items of sorted `ordered` from `low` to `high`, both included."""
    return ordered[bisect.bisect_left(ordered, low) : bisect.bisect_right(ordered, high)]


def marker(paramstyle: str) -> str:
    """The driver's parameter marker for a dialect's `paramstyle`."""
    return "?" if paramstyle == "qmark" else "%s"


def rows(connection: Any, mark: str, after: int, until: int | None) -> Iterator[tuple[Any, ...]]:
    """Records with `after < seq <= until` (no upper bound when None), as stored, in
    order, in batches, through the plain driver cursor: no type conversion, no objects.
    Each tuple: the chained fields (CHAINED_FIELDS), prev_hash, hash."""
    columns = ", ".join((*CHAINED_FIELDS, "prev_hash", "hash"))
    bound = f" AND seq <= {mark}" if until is not None else ""
    sql = (
        f"SELECT {columns} FROM audit_event WHERE seq > {mark}{bound} "  # noqa: S608 - fixed names
        f"ORDER BY seq LIMIT {BATCH}"
    )
    cursor = connection.cursor()
    try:
        last = after
        while True:
            params = (last, until) if until is not None else (last,)
            try:
                cursor.execute(sql, params)
                batch = cursor.fetchall()
            except sqlite3.OperationalError:
                # Text that is not UTF-8 (SQLite stores whatever it is given): read the
                # batch as it is, and the record will not hash (a changed record).
                batch = _as_stored(connection, sql, params)
            if not batch:
                return
            yield from batch
            last = batch[-1][0]
            if len(batch) < BATCH:
                return
    finally:
        cursor.close()


def _as_stored(connection: Any, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The rows of `sql` on a sqlite3 `connection` (or SQLAlchemy's wrapper of one) with
    text that is not UTF-8 read as it is (undecodable bytes kept as lone surrogates, which
    no encoder takes: `record_hash` reports the record changed, not a crash)."""
    raw = getattr(connection, "driver_connection", None) or connection
    before = raw.text_factory
    raw.text_factory = _stored_text
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()
    finally:
        raw.text_factory = before


def _stored_text(stored: bytes) -> str:
    return stored.decode("utf-8", "surrogateescape")


# --- the fast way: the database writes each record's canonical bytes --------------------

# Records a fast batch: a query each, but small enough (about 1 MB) for the bytes to be
# hashed while still in the CPU's cache (1,000 measured faster than 5,000 or 20,000).
FAST_BATCH = 1000
_HEXDIGEST = operator.methodcaller("hexdigest")


def _sqlite_bytes() -> str:
    """SQLite: seq, `prev_hash` followed by the canonical encoding as bytes (UTF-8),
    prev_hash, hash. SQLite's
    json_array writes a compact JSON array, ints as digits, NULL as null and text as a
    JSON string with the same escapes as the standard library's encoder (ensure_ascii
    off): tests/audit/test_fast_verify.py checks every character class."""
    return (
        f"seq, CAST(prev_hash || json_array({', '.join(CHAINED_FIELDS)}) AS BLOB), prev_hash, hash"
    )


# What a fast batch reads, by dialect. Only SQLite: on PostgreSQL the server's to_json
# and || on each field (or its sha256) cost it more than the client saves, and rows() with
# orjson is as fast as any batch-wise check in the client (bench/results/verify-*.md).
FAST_SQL = {"sqlite": _sqlite_bytes()}
_FIRST = operator.itemgetter(0)
_SECOND = operator.itemgetter(1)
_PREV = operator.itemgetter(-2)
_LAST = operator.itemgetter(-1)


def fast_batches(
    connection: Any, mark: str, dialect: str, after: int, until: int | None
) -> Iterator[list[tuple[Any, ...]] | None]:
    """Records with `after < seq <= until` (no upper bound when None) in order, in
    batches of up to FAST_BATCH, each record a tuple (seq, made, prev_hash, hash) as
    stored, where `made` is the bytes `prev_hash` + canonical encoding to hash, as the
    database wrote them (FAST_SQL[dialect]). They are not trusted to be the reference
    encoding: a batch that does not check out this way is checked again record by record
    from rows() (_Walk.check_fast). And they cannot make a changed record pass: a JSON
    text that hashes to the stored hash is, SHA-256 collisions aside, the very text the
    service hashed, and a JSON text parses back to one list of values. Yields None, then
    stops, if SQLite refuses to render a record (a BLOB in a text field)."""
    bound = f" AND seq <= {mark}" if until is not None else ""
    sql = (
        f"SELECT {FAST_SQL[dialect]} FROM audit_event "  # noqa: S608
        f"WHERE seq > {mark}{bound} ORDER BY seq LIMIT {FAST_BATCH}"
    )
    cursor = connection.cursor()
    try:
        last = after
        while True:
            try:
                cursor.execute(sql, (last, until) if until is not None else (last,))
                batch = cursor.fetchall()
            except sqlite3.Error:
                yield None
                return
            if not batch:
                return
            yield batch
            last = batch[-1][0]
            if len(batch) < FAST_BATCH:
                return
    finally:
        cursor.close()


def _any_after(connection: Any, mark: str, seq: int) -> bool:
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT seq FROM audit_event WHERE seq > {mark} LIMIT 1", (seq,))  # noqa: S608
        return cursor.fetchone() is not None
    finally:
        cursor.close()


# --- the worker processes -----------------------------------------------------------

_worker: dict[str, Any] = {}


def start_worker(url: str, public_key_raw: bytes) -> None:
    """Pool initializer: one connection for the life of the worker process, opened from
    the database URL the app uses (read only where the driver allows)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    _worker["engine"] = engine
    _worker["mark"] = marker(engine.dialect.paramstyle)
    _worker["dialect"] = engine.dialect.name
    _worker["key"] = Ed25519PublicKey.from_public_bytes(public_key_raw)


def walk_in_worker(segment: Segment) -> SegmentResult:
    """One segment, in a worker process (start_worker has run), in its own read
    transaction: the records of a segment that ends at a checkpoint were committed with
    that checkpoint, before the walk began."""
    connection = _worker["engine"].raw_connection()
    try:
        return walk(connection, _worker["key"], segment, _worker["mark"], _worker["dialect"])
    finally:
        connection.rollback()
        connection.close()
