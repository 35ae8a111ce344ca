"""Re-walking the chain and its signed checkpoints, in batches, in constant memory.

It finds an edited record (its hash no longer matches), a removed or inserted record (a
gap or a broken link), reordering (broken links), and a tail cut off after the last
checkpoint was signed (the checkpoint names a record that is no longer there). Checkpoint
signatures are checked with the public key, so someone who can rewrite the database but
does not hold the private key cannot rewrite history and re-sign it.

The log is cut at signed checkpoints into segments (audit.segments), each checkable on
its own from its checkpoint's sequence number and hash; with `processes` above 1 they
are checked in a process pool (the standard library's concurrent.futures), and the
first problem in log order is the answer, the same as one walk from the start would
give. `start`: an incremental check from a checkpoint verified before (audit.verified).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import archive, segments
from audit.models import AuditCheckpoint
from audit.segments import Checkpoint, Segment, SegmentResult
from audit.signing import verify_signature
from audit.witnesses import entry_message, read_entries

BATCH = segments.BATCH
# Below this many records a segment is not worth a process of its own (starting the
# pool costs about as much as walking 100,000 records).
MIN_SEGMENT = 100_000
# Segments per process: a few each, so one slow segment does not leave a core idle.
SEGMENTS_PER_PROCESS = 4
# What an incremental check reads of each witness file: its newest part.
WITNESS_TAIL_BYTES = 1 << 20


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoint: dict[str, Any] | None = None
    # Each witness checked (verify_witnessed): {name, ok, last_seq, behind, problem, line}.
    witnesses: tuple[dict[str, Any], ...] = ()
    # The stored hash of each record asked for in `verify_chain(..., hashes_at=)`.
    hashes: dict[int, str] = field(default_factory=dict)
    # "full" (from record 1) or "incremental" (from a checkpoint verified before).
    mode: str = "full"
    # The first record this check read (1, the first after an archived year's anchor, or
    # the verified checkpoint it started from).
    from_seq: int = 1
    # The last record archived (audit.archive): the log starts after it; 0 if none.
    anchor_seq: int = 0
    processes: int = 1
    # Filled by audit.verified: when the whole log was last checked in full and found
    # intact ({"at", "seq"}), and why an incremental check was not possible, if it was not.
    last_full: dict[str, Any] | None = None
    note: str | None = None


def cpu_processes(setting: int) -> int:
    """The number of processes for a setting: 0 means one a CPU this process may use."""
    if setting > 0:
        return setting
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def verify_chain(
    session: Session,
    public_key: Ed25519PublicKey,
    hashes_at: frozenset[int] = frozenset(),
    *,
    processes: int = 1,
    start: Checkpoint | None = None,
    min_segment: int = MIN_SEGMENT,
) -> VerifyResult:
    """Walk the chain from record 1 (or from `start`, a signed checkpoint verified
    before: its signature and its own record are checked again first) to the end.

    `processes` above 1: segments between checkpoints are checked in that many worker
    processes, each opening the database itself (an in-memory SQLite database is walked
    here, in one). Returns the same result as one walk would: ok, the last record
    checked (`checked`), the first bad record and what is wrong with it."""
    # An archived year (audit.archive): the log starts after its signed anchor.
    anchored = archive.anchor(session, public_key)
    if start is not None and start.seq <= anchored.seq:
        start = None  # verified before the archive: check from the anchor instead
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.seq)
    query = query.where(AuditCheckpoint.seq > (start.seq if start is not None else anchored.seq))
    checkpoints = [
        Checkpoint(cp.seq, cp.hash, cp.signed_at, cp.signature) for cp in session.scalars(query)
    ]
    newest = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).first()
    summary = (
        {
            "seq": newest.seq,
            "signed_at": newest.signed_at.isoformat() + "Z",
            "key_id": newest.key_id,
        }
        if newest is not None
        else None
    )
    mode = "full" if start is None else "incremental"
    from_seq = anchored.seq + 1 if start is None else start.seq
    base = {"mode": mode, "from_seq": from_seq, "anchor_seq": anchored.seq}
    if anchored.problem is not None:
        seq, problem = anchored.problem
        return VerifyResult(False, seq - 1, seq, problem, summary, **base)
    if start is not None:
        started = _check_anchor(session, public_key, start)
        if started is not None:
            return VerifyResult(False, start.seq - 1, started[0], started[1], summary, **base)
    origin = (anchored.seq, anchored.hash) if start is None else (start.seq, start.hash)
    url = _worker_url(session) if processes > 1 else None
    plan = _segments(origin, checkpoints, hashes_at, processes if url else 1, min_segment)
    if len(plan) > 1 and url is not None:
        results = _walk_in_pool(url, public_key, plan, processes)
        used = min(processes, len(plan))
    else:
        connection = session.connection()
        mark = segments.marker(connection.dialect.paramstyle)
        dialect = connection.dialect.name
        results = [segments.walk(connection.connection, public_key, s, mark, dialect) for s in plan]
        used = 1
    return _merge(results, summary, origin[0], used, base)


def _merge(
    results: Sequence[SegmentResult],
    summary: dict[str, Any] | None,
    origin: int,
    processes: int,
    base: dict[str, Any],
) -> VerifyResult:
    """The first problem in log order, as one walk would have stopped at it: a forged
    checkpoint first (signatures are checked before any record), then the first segment
    that is not intact."""
    base = {**base, "processes": processes}
    forged = [r.bad_signature for r in results if r.bad_signature is not None]
    if forged:
        return VerifyResult(False, 0, min(forged), segments.BAD_SIGNATURE, **base)
    hashes: dict[int, str] = {}
    for result in results:
        hashes.update(result.hashes)
        if result.problem is not None:
            seq, problem = result.problem
            return VerifyResult(False, result.last, seq, problem, summary, (), hashes, **base)
    last = results[-1].last if results else origin
    return VerifyResult(True, last, None, None, summary, (), hashes, **base)


def _check_anchor(
    session: Session, public_key: Ed25519PublicKey, start: Checkpoint
) -> tuple[int, str] | None:
    """The checkpoint an incremental check starts from, checked again: its signature,
    and its record still there, hashing to what it signed."""
    if segments.check_signatures(public_key, [start]) is not None:
        return (start.seq, segments.BAD_SIGNATURE)
    connection = session.connection()
    mark = segments.marker(connection.dialect.paramstyle)
    row = next(iter(segments.rows(connection.connection, mark, start.seq - 1, start.seq)), None)
    if row is None:
        return (start.seq, segments.MISSING)
    if not segments.hashes_to(row[-2], row[:-2], row[-1]):
        return (start.seq, segments.ALTERED)
    if row[-1] != start.hash:
        return (start.seq, segments.DIFFERS)
    return None


def _segments(
    origin: tuple[int, str],
    checkpoints: Sequence[Checkpoint],
    hashes_at: frozenset[int],
    processes: int,
    min_segment: int,
) -> list[Segment]:
    """The log after `origin` cut at checkpoints into about SEGMENTS_PER_PROCESS
    segments a process, none shorter than `min_segment` records (bar the last, which runs
    to the end of the log); one segment when `processes` is 1."""
    if processes <= 1 or not checkpoints:
        return [Segment(*origin, None, tuple(checkpoints), hashes_at)]
    span = checkpoints[-1].seq - origin[0]
    size = max(span // (processes * SEGMENTS_PER_PROCESS), min_segment, 1)
    plan: list[Segment] = []
    seq, chain_hash = origin
    inside: list[Checkpoint] = []
    for cp in checkpoints:
        inside.append(cp)
        if cp.seq - seq >= size:
            wanted = frozenset(s for s in hashes_at if seq < s <= cp.seq)
            plan.append(Segment(seq, chain_hash, cp.seq, tuple(inside), wanted))
            seq, chain_hash, inside = cp.seq, cp.hash, []
    rest = frozenset(s for s in hashes_at if s > seq)
    plan.append(Segment(seq, chain_hash, None, tuple(inside), rest))
    return plan


def _worker_url(session: Session) -> str | None:
    """The URL worker processes open, or None when they cannot share the database (an
    in-memory SQLite database)."""
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def _walk_in_pool(
    url: str, public_key: Ed25519PublicKey, plan: Sequence[Segment], processes: int
) -> list[SegmentResult]:
    """Each segment in a worker process; results in the order of `plan`. Workers come
    from a fork server (a clean process that imported audit.segments once), never forked
    from this process with its threads and open connections."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["audit.segments"])
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with ProcessPoolExecutor(
        max_workers=min(processes, len(plan)),
        mp_context=context,
        initializer=segments.start_worker,
        initargs=(url, raw),
    ) as pool:
        return list(pool.map(segments.walk_in_worker, plan))


# --- witnesses (audit.witnesses) ----------------------------------------------------


@dataclass
class _Witnessed:
    name: str
    head: tuple[int, str] | None = None  # the newest entry (head or checkpoint)
    checkpoints: dict[int, str] = field(default_factory=dict)
    problem: str | None = None
    line: int | None = None
    first_bad_seq: int | None = None


def _read_witness(
    name: str, path: Path, public_key: Ed25519PublicKey, given: int, since: int | None = None
) -> _Witnessed:
    """Everything a witness file holds, every line's signature checked. `since`: an
    incremental check from that record: only the newest WITNESS_TAIL_BYTES are read, and
    only entries past it are checked and used (those before were checked by earlier
    checks; the full check reads them all). `given`: what the database says this
    witness was given (audit_witness), 0 if unknown."""
    tail = since is not None
    seen = _Witnessed(name)
    newest = 0  # the newest entry read, checked or not (a cut witness holds less)
    try:
        lines = list(read_entries(path, WITNESS_TAIL_BYTES if tail else None))
    except FileNotFoundError:
        lines = []
        if given:
            seen.problem = (
                f"the witness file is missing, though records up to {given} were written to it"
            )
        return seen
    except OSError:
        seen.problem = "the witness file cannot be read"
        return seen
    for item in lines:
        if isinstance(item, int):
            seen.problem = f"{_where(item, tail)} is not an entry this service wrote"
            seen.line = None if tail else item
            return seen
        entry = item.entry
        newest = max(newest, entry["seq"])
        if tail and entry["seq"] <= since:
            continue
        message = entry_message(entry)
        if message is None or not verify_signature(public_key, entry["signature"], message):
            seen.problem = (
                f"{_where(item.line, tail)} is not validly signed: the witness was edited"
            )
            seen.line = None if tail else item.line
            return seen
        if seen.head is None or entry["seq"] > seen.head[0]:
            seen.head = (entry["seq"], entry["hash"])
        if entry["kind"] == "checkpoint":
            seen.checkpoints[entry["seq"]] = entry["hash"]
    if given and newest < given:
        seen.problem = (
            f"the witness holds less than it was given (records up to {given}): "
            "its newest entries were removed"
        )
    return seen


def _where(line: int, tail: bool) -> str:
    return f"line {line} of the witness" if not tail else "a line near the end of the witness"


def verify_witnessed(
    session: Session,
    public_key: Ed25519PublicKey,
    witnesses: Sequence[tuple[str, Path]],
    given: Mapping[str, int] | None = None,
    *,
    processes: int = 1,
    start: Checkpoint | None = None,
    min_segment: int = MIN_SEGMENT,
) -> VerifyResult:
    """The chain and checkpoints (verify_chain), and each witness `(name, file)`: every
    record up to the newest one a witness holds must be present and unchanged, and every
    checkpoint it holds must be in the database. A witness that is merely behind (the
    database holds newer records it was not given yet) is reported as behind, not as
    tampering; an edited witness (a line whose signature fails, or entries it was given,
    per `given`, that are gone) makes the result not intact.

    The witnesses are read first: whatever they hold was committed before the walk began.
    `processes`, `start`, `min_segment`: as for verify_chain; an incremental check
    (`start`) reads only the newest part of each witness, and checks a witnessed head only
    if it is past `start` (the record there and before were verified before).
    """
    since = start.seq if start is not None else None
    read = [_read_witness(n, p, public_key, (given or {}).get(n, 0), since) for n, p in witnesses]
    wanted = frozenset(
        s for w in read for s in ([w.head[0]] if w.head else []) + list(w.checkpoints)
    )
    result = verify_chain(
        session, public_key, wanted, processes=processes, start=start, min_segment=min_segment
    )
    stored = {
        cp.seq: cp.hash
        for cp in session.scalars(
            select(AuditCheckpoint).where(
                AuditCheckpoint.seq.in_(sorted({s for w in read for s in w.checkpoints}))
            )
        )
    }
    reports = []
    for w in read:
        _check_against_log(w, result, stored)
        last = w.head[0] if w.head else 0
        reports.append(
            {
                "name": w.name,
                "ok": w.problem is None,
                "last_seq": last,
                "behind": max(result.checked - last, 0) if w.problem is None else None,
                "problem": w.problem,
                "line": w.line,
            }
        )
    problems = [w for w in read if w.problem is not None]
    if result.ok and problems:
        first = min(problems, key=lambda w: w.first_bad_seq or 0)
        result = replace(
            result,
            ok=False,
            first_bad_seq=first.first_bad_seq,
            problem=f"witness {first.name}: {first.problem}",
        )
    return replace(result, witnesses=tuple(reports), hashes={})


def _check_against_log(w: _Witnessed, result: VerifyResult, stored: Mapping[int, str]) -> None:
    if w.problem is not None:
        return
    checked = result.checked if result.ok else (result.first_bad_seq or 1) - 1
    for seq, expected in sorted(w.checkpoints.items()):
        if stored.get(seq) != expected:
            w.problem = f"the signed checkpoint at record {seq} is missing from the database"
            w.first_bad_seq = seq
            return
    if w.head is None:
        return
    seq, expected = w.head
    if seq <= result.from_seq and result.mode == "incremental":
        return  # verified by an earlier check; the full check reads the whole witness
    if seq <= result.anchor_seq:
        return  # archived: the archive file is checked on its own (audit.archive)
    if seq > result.checked and result.ok:
        w.problem = f"records up to {seq} were witnessed but are missing from the end of the log"
        w.first_bad_seq = result.checked + 1
    elif seq <= checked and result.hashes.get(seq) != expected:
        w.problem = f"record {seq} differs from the witnessed head"
        w.first_bad_seq = seq
