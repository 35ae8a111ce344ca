"""The restore drill of docs/operating.md ("Backups and restore"), run for real: a base
backup (pg_basebackup) taken while the service is under load, restored into a new data
folder with the WAL archive replayed, started on another port, and checked with
`flask --app careplan audit verify` as an operator would, against the live server's
audit log at the last archived point."""

from __future__ import annotations

import os
import re
import time

import pytest

from tests.faults import checks
from tests.faults.harness import Restored, Stack, flask, free_port

pytestmark = pytest.mark.faults


def test_a_base_backup_and_the_wal_archive_restore_to_an_intact_audit_log(stack: Stack) -> None:
    started = time.monotonic()
    load = stack.load(4)
    load.start()
    try:
        time.sleep(2)
        at_backup = stack.pg.query("SELECT max(seq) FROM audit_event")
        port = int(os.environ.get("CAREPLAN_FAULTS_RESTORE_PORT") or free_port())
        restored = Restored(stack.pg, port)
        restored.take_backup()  # while the load goes on
        time.sleep(2)
    finally:
        load.finish()
    # What the live server holds once the load has stopped, all of it in the archive.
    live = stack.pg.query("SELECT max(seq) FROM audit_event")
    stack.pg.archive_now()
    assert live > at_backup, "no audit record was written after the backup began"
    try:
        restored.recover()
        restored.wait_promoted()
        verified = flask({**stack.env, "DATABASE_URL": restored.url}, "audit", "verify")
        assert verified.returncode == 0, verified.stderr
        checked = re.search(r"Audit log intact: (\d+) records checked", verified.stdout)
        assert checked is not None, verified.stdout
        # Everything the live server had, including what was written after the base
        # backup began (replayed from the WAL archive).
        assert int(checked.group(1)) == live
    finally:
        restored.stop()
    seconds = round(time.monotonic() - started, 1)
    checks.record_named(
        "restore drill",
        {"audit_records_at_backup_start": at_backup, "audit_records_live": live,
         "audit_records_restored_and_verified": live, "seconds": seconds},
    )  # fmt: skip
    checks.DRILL.append(
        f"restore drill: base backup under load at audit record {at_backup}, WAL archive "
        f"replayed to record {live}; audit verify: intact ({seconds}s)"
    )
