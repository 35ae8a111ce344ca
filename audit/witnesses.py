"""Witnesses: copies of the chain's head kept outside the database.

The hash chain and the signed checkpoints prove that nothing *before* the newest
checkpoint was edited, removed, inserted or reordered. Records written after it could
still be cut off by someone who can write to the database. So, as each unit of work
commits, its new head (sequence number and hash, signed with the audit key) and every
checkpoint signed since are also written to one or more witnesses the database cannot
reach; `audit verify` then checks that every witnessed record is present and unchanged.

Two kinds of witness (configured by `CAREPLAN_AUDIT_WITNESSES`, see `parse`):

- `file:PATH`: an append-only file, one JSON line per entry. Every app process appends
  to it itself: the file is opened with O_APPEND and each line is written with a single
  `write` under an exclusive `flock`, so lines from several gunicorn workers never
  interleave (O_APPEND alone makes each write land at the end; POSIX promises no
  atomicity for a regular file, the lock does). We chose this over one process owning
  the delivery because it needs no extra daemon to run and watch, and a process that
  dies takes none of the others' deliveries with it.
- `syslog://HOST:PORT`: a syslog collector over TCP, RFC 5424 messages with RFC 6587
  octet-counting framing, as hospitals collect audit under IHE ATNA (ITI-20). The entry
  is the message's MSG part (the same JSON as a file line) and its structured data.

Delivery never holds up or fails a request: the after-commit hook hands the head to a
thread of the process (`Deliverer.offer`, microseconds), which signs and writes it.
A witness that cannot be reached is retried every `CAREPLAN_AUDIT_WITNESS_RETRY_SECONDS`;
the database is the backlog: a head proves every record before it, so catching up means
writing the newest head, and the checkpoints signed meanwhile are read back from
`audit_checkpoint`. Each witness's progress is kept in `audit_witness` (written at most
once a second per process, and on failure and recovery) for `GET /audit/head`, the IG
page, `/readyz` and `/metrics`.
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import json
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, case, select
from sqlalchemy.dialects import postgresql, sqlite

from audit.models import WitnessState
from audit.signing import Signer, checkpoint_message
from careplan.core import clock
from careplan.core.database import reading
from careplan.extensions import db

log = logging.getLogger(__name__)

# RFC 5424 section 6.2.1: facility 13 ("log audit"), severity 5 ("notice").
SYSLOG_PRI = 13 * 8 + 5
# RFC 5424 section 7.2.2: an SD-ID with a private enterprise number; 32473 is the number
# reserved for documentation and examples (RFC 5612) until one is registered.
SD_ID = "careplanAudit@32473"
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode


_state = WitnessState.__table__


def head_message(seq: int, chain_hash: str, signed_at: datetime) -> bytes:
    """What a witnessed head's signature covers (distinct from a checkpoint's)."""
    stamp = signed_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return f"careplan-audit-head:v1:{seq}:{chain_hash}:{stamp}".encode()


def signed_head(signer: Signer, seq: int, chain_hash: str) -> dict[str, Any]:
    """`{kind: "head", seq, hash, signed_at, key_id, signature}`: the head, signed now."""
    signed_at = clock.now().replace(tzinfo=None)
    return {
        "kind": "head",
        "seq": seq,
        "hash": chain_hash,
        "signed_at": signed_at.isoformat(timespec="microseconds"),
        "key_id": signer.key_id,
        "signature": signer.sign(head_message(seq, chain_hash, signed_at)),
    }


def checkpoint_entry(row: Any) -> dict[str, Any]:
    """A signed checkpoint (an `audit_checkpoint` row) as a witness entry."""
    return {
        "kind": "checkpoint",
        "seq": row.seq,
        "hash": row.hash,
        "signed_at": row.signed_at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "key_id": row.key_id,
        "signature": row.signature,
    }


def entry_line(entry: dict[str, Any]) -> str:
    return _encode(entry)


# --- the witnesses ------------------------------------------------------------------


class Witness(abc.ABC):
    """Somewhere outside the database that keeps what it is given."""

    kind = ""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    @property
    def name(self) -> str:
        """Its key in audit_witness: the configured spec (a file's also names the host,
        as each host of a deployment has its own file at that path)."""
        return self.spec

    @abc.abstractmethod
    def write(self, entries: Sequence[dict[str, Any]]) -> None:
        """Append `entries` (heads and checkpoints, in order); raises OSError if the
        witness cannot be reached (the deliverer retries later)."""

    def readable_path(self) -> Path | None:
        """The file `audit verify` can read this witness from, if this host has it."""
        return None

    def close(self) -> None:
        return None


class FileWitness(Witness):
    kind = "file"

    def __init__(self, spec: str, path: Path) -> None:
        super().__init__(spec)
        self.path = path
        self._fd: int | None = None
        self._pid = 0

    def _open(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
            self._fd, self._pid = os.open(self.path, flags, 0o600), os.getpid()
        return self._fd

    def write(self, entries: Sequence[dict[str, Any]]) -> None:
        data = "".join(entry_line(e) + "\n" for e in entries).encode("ascii")
        fd = self._open()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            written = os.write(fd, data)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        if written != len(data):  # a full disk: the line is incomplete; say so, retry
            raise OSError("short write to the audit witness file")

    @property
    def name(self) -> str:
        return f"{self.spec} on {socket.gethostname()}"[:300]

    def readable_path(self) -> Path | None:
        return self.path

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None


class SyslogWitness(Witness):
    """RFC 5424 over TCP with octet-counting framing (RFC 6587 section 3.4.1)."""

    kind = "syslog"

    def __init__(self, spec: str, host: str, port: int, timeout: float) -> None:
        super().__init__(spec)
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None
        self._hostname = socket.gethostname()[:255] or "-"

    def message(self, entry: dict[str, Any]) -> bytes:
        """One RFC 5424 message: header, structured data, then the entry as JSON."""
        stamp = clock.now().isoformat(timespec="microseconds").replace("+00:00", "Z")
        msgid = "AUDIT_HEAD" if entry["kind"] == "head" else "AUDIT_CHECKPOINT"
        params = " ".join(
            f'{k}="{_sd_value(str(entry[k]))}"' for k in ("seq", "hash", "signed_at", "key_id")
        )
        line = entry_line(entry)
        head = f"<{SYSLOG_PRI}>1 {stamp} {self._hostname} careplan {os.getpid()} {msgid}"
        return f"{head} [{SD_ID} {params}] {line}".encode("ascii")

    def write(self, entries: Sequence[dict[str, Any]]) -> None:
        frames = b""
        for entry in entries:
            message = self.message(entry)
            frames += str(len(message)).encode("ascii") + b" " + message
        if self._sock is None:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            self._sock.sendall(frames)
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = None


def _sd_value(value: str) -> str:
    # RFC 5424 section 6.3.3: '"', '\' and ']' are escaped in a PARAM-VALUE.
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


class WitnessConfigError(ValueError):
    pass


def parse(setting: str, timeout: float = 2.0) -> list[Witness]:
    """Witnesses from `CAREPLAN_AUDIT_WITNESSES`: comma-separated `file:PATH` and
    `syslog://HOST:PORT` (TCP); empty or `none` for none. Raises WitnessConfigError."""
    text = setting.strip()
    if text.lower() in ("", "none"):
        return []
    witnesses: list[Witness] = []
    for spec in (s.strip() for s in text.split(",")):
        if spec.startswith("file:"):
            path = spec[len("file:") :]
            if not path:
                raise WitnessConfigError("a file witness needs a path: file:/path/to/file")
            witnesses.append(FileWitness(spec, Path(path).expanduser().resolve()))
        elif spec.startswith("syslog://"):
            host, _, port = spec[len("syslog://") :].rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise WitnessConfigError("a syslog witness is syslog://HOST:PORT")
            witnesses.append(SyslogWitness(spec, host.strip("[]"), int(port), timeout))
        else:
            raise WitnessConfigError(
                "CAREPLAN_AUDIT_WITNESSES takes file:PATH and syslog://HOST:PORT, "
                "separated by commas"
            )
    if len({w.name for w in witnesses}) != len(witnesses):
        raise WitnessConfigError("CAREPLAN_AUDIT_WITNESSES names a witness twice")
    return witnesses


# --- delivery -----------------------------------------------------------------------


@dataclass
class _Progress:
    """What this process knows of one witness."""

    witness: Witness
    delivered_seq: int = 0
    checkpoint_seq: int = 0
    failing_since: datetime | None = None
    last_error: str | None = None
    retry_at: float = 0.0
    loaded: bool = False
    saved_seq: int = -1
    saved_at: float = 0.0


class Deliverer:
    """Hands each committed head to the witnesses from a thread of this process.

    `offer` is all a request pays (a lock and an event). The thread starts on the first
    offer in each process (after a fork too), coalesces the heads offered while it was
    writing and for `GATHER` seconds after (the newest proves the rest), and stops after
    `retry_seconds` with nothing to do; while a witness is failing it stays, retrying at
    that interval, and on each retry reads the database's head so records committed by a
    process that has since gone are witnessed too.
    """

    SAVE_EVERY = 1.0  # seconds between progress writes to audit_witness, per witness
    # After a round, the heads committed in the next GATHER seconds are delivered together
    # (the newest proves the rest): under load a worker commits every few milliseconds,
    # and a round (a signature, a write per witness) for each cost about a tenth of a plan
    # view's CPU (bench/results/plan-speed-notes.md). A head waits at most this long more;
    # the first after a quiet spell goes at once, and `flush`/`stop` cut the wait short.
    GATHER = 0.02

    def __init__(
        self, app: Flask, witnesses: list[Witness], signer: Signer, retry_seconds: float
    ) -> None:
        self._app = weakref.ref(app)
        self.witnesses = witnesses
        self.signer = signer
        self.retry_seconds = retry_seconds
        self._progress = [_Progress(w) for w in witnesses]
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._hurry = threading.Event()  # set by flush and stop: no gathering now
        self._idle = threading.Condition(self._lock)
        self._offered = (0, "")
        self._checkpoint_offered = False
        self._force_save = False
        # Raised by stop(): a thread of an earlier generation ends at its next look.
        self._generation = 0
        self._busy = False
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    # -- called by requests --------------------------------------------------------

    def offer(self, seq: int, chain_hash: str, checkpoint: bool) -> None:
        """The head a unit of work just committed (and whether it signed a checkpoint)."""
        if not self.witnesses:
            return
        with self._lock:
            if seq > self._offered[0]:
                self._offered = (seq, chain_hash)
            self._checkpoint_offered |= checkpoint
            self._start_locked()
        self._wake.set()

    def _start_locked(self) -> None:
        if self._pid != os.getpid():  # a forked worker: the parent's thread is not here
            self._pid, self._thread = os.getpid(), None
            for p in self._progress:
                p.witness.close()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, args=(self._generation,), name="audit-witness", daemon=True
            )
            self._thread.start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every head offered so far is delivered to every witness that is
        working (a failing one is left to its retries) and the progress is saved.
        True if that happened within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._offered[0] == 0 and not self._busy:
                return True  # nothing was committed by this process: nothing to deliver
            while self._pending_locked():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._force_save = True
                self._start_locked()
                self._hurry.set()
                self._wake.set()
                self._idle.wait(min(left, 0.05))
        return True

    def _pending_locked(self) -> bool:
        if self._busy or self._wake.is_set():
            return True
        seq = self._offered[0]
        return any(
            p.failing_since is None and (p.delivered_seq < seq or p.saved_seq != p.delivered_seq)
            for p in self._progress
        )

    def close(self) -> None:
        for p in self._progress:
            p.witness.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is pending (up to `timeout`), then end the thread and close the
        witnesses: the app's engine is being disposed (careplan._register_witnesses), so
        the thread must not open connections in it afterwards, which nobody would close.
        A later offer starts the thread again."""
        self.flush(timeout)
        with self._lock:
            self._generation += 1
            thread, self._thread = self._thread, None
        self._hurry.set()
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self.close()

    # -- the thread ----------------------------------------------------------------

    def _run(self, generation: int) -> None:
        while True:
            # Progress not yet saved is saved within SAVE_EVERY (a round of its own).
            unsaved = any(p.saved_seq != p.delivered_seq for p in self._progress)
            woken = self._wake.wait(self.SAVE_EVERY if unsaved else self.retry_seconds)
            app = self._app()
            if app is None or generation != self._generation:
                return
            with self._lock:
                self._wake.clear()
                self._hurry.clear()  # this round serves whoever asked for haste before it
                target, checkpoint = self._offered, self._checkpoint_offered
                force = self._force_save or not woken
                self._checkpoint_offered = self._force_save = False
                self._busy = True
            try:
                with app.app_context():
                    if not woken or not all(p.loaded for p in self._progress):
                        target, checkpoint = self._database_head(target), True
                    failing = self._round(target, checkpoint, force_save=force)
            except Exception as exc:  # never let the thread die on a database hiccup
                log.warning("audit witness round failed: %s", type(exc).__name__)
                failing = True
            finally:
                with self._lock:
                    self._busy = False
                    self._idle.notify_all()
            if not woken and not failing:
                with self._lock:
                    if generation != self._generation:
                        return
                    if not self._wake.is_set():
                        self._thread = None
                        return
            elif woken and not failing:
                self._hurry.wait(self.GATHER)  # heads offered meanwhile go in one round
                self._hurry.clear()

    def _database_head(self, offered: tuple[int, str]) -> tuple[int, str]:
        from audit.models import AuditHead

        with reading() as connection:
            row = connection.execute(select(AuditHead.seq, AuditHead.hash)).first()
        if row is not None and row.seq > offered[0]:
            with self._lock:
                if row.seq > self._offered[0]:
                    self._offered = (row.seq, row.hash)
            return (row.seq, row.hash)
        return offered

    def _round(self, target: tuple[int, str], checkpoint: bool, force_save: bool) -> bool:
        """Deliver to each witness due; save progress. True if any witness is failing."""
        self._load_progress()
        now = time.monotonic()
        for p in self._progress:
            if p.failing_since is not None and now < p.retry_at:
                continue
            try:
                entries = self._checkpoints_after(p.checkpoint_seq) if checkpoint else []
                if target[0] > p.delivered_seq:
                    entries.append(signed_head(self.signer, target[0], target[1]))
                if entries:
                    p.witness.write(entries)
                    p.delivered_seq = max(p.delivered_seq, target[0])
                    p.checkpoint_seq = max(
                        [p.checkpoint_seq] + [e["seq"] for e in entries if e["kind"] != "head"]
                    )
                recovered = p.failing_since is not None
                p.failing_since, p.last_error = None, None
                if recovered:
                    log.info("audit witness %s reachable again", p.witness.kind)
                    p.saved_at = 0.0
            except OSError as exc:
                if p.failing_since is None:
                    log.warning(
                        "audit witness %s unreachable: %s", p.witness.kind, type(exc).__name__
                    )
                    p.failing_since, p.saved_at = clock.now().replace(tzinfo=None), 0.0
                p.last_error = type(exc).__name__[:100]
                p.retry_at = now + self.retry_seconds
        self._save_progress(force_save)
        return any(p.failing_since is not None for p in self._progress)

    def _checkpoints_after(self, seq: int) -> list[dict[str, Any]]:
        from audit.models import AuditCheckpoint

        table = AuditCheckpoint.__table__
        with reading() as connection:
            rows = connection.execute(
                select(table).where(table.c.seq > seq).order_by(table.c.seq)
            ).all()
        return [checkpoint_entry(r) for r in rows]

    def _load_progress(self) -> None:
        missing = [p for p in self._progress if not p.loaded]
        if not missing:
            return
        names = [p.witness.name for p in missing]
        with reading() as connection:
            found = connection.execute(select(_state).where(_state.c.name.in_(names))).all()
        rows = {r.name: r for r in found}
        for p in missing:
            row = rows.get(p.witness.name)
            if row is not None:
                p.delivered_seq = max(p.delivered_seq, row.delivered_seq)
                p.checkpoint_seq = max(p.checkpoint_seq, row.checkpoint_seq)
            p.loaded = True

    def _save_progress(self, force: bool) -> None:
        now = time.monotonic()
        # At most once a SAVE_EVERY per witness (a write transaction of its own; on SQLite
        # it queues with the requests), and by the next round otherwise (`_run`).
        due = [
            p
            for p in self._progress
            if (p.saved_seq != p.delivered_seq or p.failing_since is not None or p.saved_at == 0)
            and (force or p.saved_at == 0 or now - p.saved_at >= self.SAVE_EVERY)
        ]
        if not due:
            return
        save_progress(
            (
                p.witness.name,
                p.delivered_seq,
                p.checkpoint_seq,
                p.failing_since,
                p.last_error,
            )
            for p in due
        )
        for p in due:
            p.saved_seq, p.saved_at = p.delivered_seq, now


def save_progress(rows: Iterable[tuple[str, int, int, datetime | None, str | None]]) -> None:
    """Record each witness's progress, never moving it back (another process may have
    delivered further), in a short transaction of its own: one upsert a witness, so two
    processes saving at once neither collide on a new row nor overwrite a further
    position with their own (on PostgreSQL a read-then-write did both)."""
    now = clock.now().replace(tzinfo=None)
    with db.engine.begin() as connection:
        statement = _progress_statement(connection.dialect.name)
        for name, seq, checkpoint_seq, failing_since, error in sorted(rows):
            connection.execute(
                statement,
                {
                    "name": name,
                    "delivered_seq": seq,
                    "checkpoint_seq": checkpoint_seq,
                    "delivered_at": now if seq else None,
                    "failing_since": failing_since,
                    "last_error": error,
                },
            )


def _progress_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (name) DO UPDATE, keeping the further position of the two
    (and its time) and this process's view of whether the witness is failing."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    names = ("name", "delivered_seq", "checkpoint_seq", "delivered_at", "failing_since")
    new = insert(_state).values({n: bindparam(n) for n in (*names, "last_error")})
    c, given = _state.c, new.excluded
    further = given.delivered_seq > c.delivered_seq
    return new.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "delivered_seq": case((further, given.delivered_seq), else_=c.delivered_seq),
            "delivered_at": case((further, given.delivered_at), else_=c.delivered_at),
            "checkpoint_seq": case(
                (given.checkpoint_seq > c.checkpoint_seq, given.checkpoint_seq),
                else_=c.checkpoint_seq,
            ),
            "failing_since": given.failing_since,
            "last_error": given.last_error,
        },
    )


# --- reading a witness back ---------------------------------------------------------


@dataclass(frozen=True)
class WitnessEntry:
    line: int
    entry: dict[str, Any]


def read_entries(path: Path, tail_bytes: int | None = None) -> Iterator[WitnessEntry | int]:
    """Each line of a witness file (ours, or a syslog collector's file with our messages
    one a line): the entry, or the line number of a line that holds none that parses.
    Lines from other programs in a collector's file (no `careplan` app name) are skipped.
    `tail_bytes`: only the whole lines within the file's last that many bytes (line
    numbers then count from there)."""
    with path.open("rb") as handle:
        with contextlib.suppress(OSError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        size = os.fstat(handle.fileno()).st_size
        if tail_bytes is not None and size > tail_bytes:
            handle.seek(size - tail_bytes - 1)
            handle.readline()  # the rest of a line that began before the tail
        for number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            start = text.find("{")
            if start > 0 and " careplan " not in text[:start]:
                continue  # another program's message in a shared collector file
            try:
                entry = json.loads(text[start:]) if start >= 0 else None
            except ValueError:
                entry = None
            if not isinstance(entry, dict) or not _well_formed(entry):
                yield number
                continue
            yield WitnessEntry(number, entry)


def _well_formed(entry: dict[str, Any]) -> bool:
    return (
        entry.get("kind") in ("head", "checkpoint")
        and isinstance(entry.get("seq"), int)
        and entry["seq"] > 0
        and all(isinstance(entry.get(k), str) for k in ("hash", "signed_at", "signature"))
    )


def entry_message(entry: dict[str, Any]) -> bytes | None:
    """The signed message of an entry, or None if its time does not parse."""
    try:
        signed_at = datetime.fromisoformat(entry["signed_at"])
    except ValueError:
        return None
    if entry["kind"] == "head":
        return head_message(entry["seq"], entry["hash"], signed_at)
    return checkpoint_message(entry["seq"], entry["hash"], signed_at)


# --- how far behind ----------------------------------------------------------------


def lag(connection: Any, witnesses: Sequence[Witness], now: datetime) -> list[dict[str, Any]]:
    """Each configured witness against the database's head: `{name, kind, delivered_seq,
    behind (records), behind_seconds (age of the oldest record it was not given; 0 when
    it has them all), delivered_at, failing_since, last_error}`. Reads three small rows
    a witness by primary key (cheap enough for /readyz and /metrics)."""
    from audit.models import AuditEvent, AuditHead

    head = connection.execute(select(AuditHead.seq)).scalar() or 0
    names = [w.name for w in witnesses]
    rows = {r.name: r for r in connection.execute(select(_state).where(_state.c.name.in_(names)))}
    events = AuditEvent.__table__
    report = []
    for w in witnesses:
        row = rows.get(w.name)
        delivered = row.delivered_seq if row is not None else 0
        behind = max(head - delivered, 0)
        seconds = 0
        if behind:
            oldest = connection.execute(
                select(events.c.occurred_at).where(events.c.seq == delivered + 1)
            ).scalar()
            if oldest is not None:
                when = oldest if isinstance(oldest, datetime) else datetime.fromisoformat(oldest)
                seconds = max(int((now.replace(tzinfo=None) - when).total_seconds()), 0)
        report.append(
            {
                "name": w.name,
                "kind": w.kind,
                "delivered_seq": delivered,
                "behind": behind,
                "behind_seconds": seconds,
                "delivered_at": row.delivered_at if row is not None else None,
                "failing_since": row.failing_since if row is not None else None,
                "last_error": row.last_error if row is not None else None,
            }
        )
    return report


def given(connection: Any, names: Sequence[str]) -> dict[str, int]:
    """What the database says each named witness was given (its delivered_seq)."""
    if not names:
        return {}
    rows = connection.execute(
        select(_state.c.name, _state.c.delivered_seq).where(_state.c.name.in_(list(names)))
    )
    return {r.name: r.delivered_seq for r in rows}
