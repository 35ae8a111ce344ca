"""Backup and restore for the embedded SQLite default.

A backup is taken with SQLite's online backup API: a consistent copy while the service
keeps serving. Keys are never in it (they live outside the database), so a backup alone
cannot be read: keep the key files safe, separately. A restore checks the file (SQLite
integrity, our schema, an intact audit chain under this installation's key) before it
replaces the live database, so a damaged or foreign file is refused and nothing changes.
PostgreSQL deployments use pg_dump and point-in-time recovery instead (see the README).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from audit.verify import VerifyResult, verify_chain


class BackupError(Exception):
    """The backup or restore was refused; nothing was changed."""


def sqlite_path(database_url: str) -> Path:
    if not database_url.startswith("sqlite:///"):
        raise BackupError(
            "backup and restore here are for the SQLite default; for "
            "PostgreSQL use pg_dump and point-in-time recovery"
        )
    return Path(database_url.removeprefix("sqlite:///"))


def backup(database_url: str, target: Path) -> Path:
    source = sqlite_path(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_suffix(target.suffix + ".partial")
    with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
        live.backup(copy)
    os.chmod(partial, 0o600)
    partial.rename(target)
    return target


def check(candidate: Path, public_key: object) -> VerifyResult:
    """Refuse anything that is not an intact backup of this service."""
    if not candidate.is_file():
        raise BackupError(f"{candidate} is not a file")
    try:
        with sqlite3.connect(f"file:{candidate}?mode=ro", uri=True) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the file fails SQLite's integrity check")
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
    except sqlite3.DatabaseError as exc:
        raise BackupError("the file is not a SQLite database") from exc
    if not {"audit_event", "audit_head", "person", "plan"} <= tables:
        raise BackupError("the file is not a care plan service database")
    engine = create_engine(f"sqlite:///{candidate}")
    try:
        with Session(engine) as session:
            result = verify_chain(session, public_key)  # type: ignore[arg-type]
    finally:
        engine.dispose()
    if not result.ok:
        raise BackupError(
            f"the backup's audit log is not intact at record "
            f"{result.first_bad_seq} ({result.problem})"
        )
    return result


def restore(database_url: str, candidate: Path, public_key: object) -> VerifyResult:
    """Replace the live database with a checked backup (stop the service first)."""
    live = sqlite_path(database_url)
    result = check(candidate, public_key)
    fd, staged = tempfile.mkstemp(dir=live.parent, prefix=".restore-", suffix=".sqlite")
    os.close(fd)
    shutil.copyfile(candidate, staged)
    os.chmod(staged, 0o600)
    for suffix in ("-wal", "-shm"):
        Path(str(live) + suffix).unlink(missing_ok=True)
    os.replace(staged, live)  # atomic: the old file or the new one, never half of each
    return result
