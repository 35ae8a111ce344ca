"""An archived year and the file witness a default installation has (issue 18): heads
and checkpoints witnessed before the anchor are not mistaken for missing records, and
records cut from the end of what is left are still found."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from audit.models import AuditEvent, AuditHead
from careplan.core import clock
from careplan.extensions import db
from tests.audit.test_chain import _as_attacker
from tests.audit.test_partitions import NOW, cli, pg, write  # noqa: F401


@pytest.fixture
def app_config(tmp_path: Path) -> dict:
    return {"AUDIT_WITNESSES": f"file:{tmp_path / 'elsewhere' / 'witness.log'}"}


def witnessed(app) -> None:
    """The head as it is now, given to the witness and delivered."""
    db.session.rollback()
    head = db.session.get(AuditHead, 1)
    deliverer = app.extensions["careplan.witnesses"]
    deliverer.offer(head.seq, head.hash, True)
    assert deliverer.flush(10)


def test_verification_with_a_witness_after_an_archive(pg, monkeypatch, tmp_path):  # noqa: F811
    app = pg
    witness_file = tmp_path / "elsewhere" / "witness.log"
    for month in (3, 9):
        write(app, monkeypatch, datetime(2024, month, 1), 3, every=3)
        witnessed(app)
    write(app, monkeypatch, datetime(2025, 2, 1), 2, every=2)
    monkeypatch.setattr(clock, "now", lambda: NOW)
    assert cli(app, "partitions").exit_code == 0
    done = cli(app, "archive", "2024", "--to", str(tmp_path / "2024.gz"))
    assert done.exit_code == 0, done.output
    assert "records 1 to 6" in done.output
    witnessed(app)
    # The witness holds heads and checkpoints of 2024, now in the archive file.
    held = [json.loads(line)["seq"] for line in witness_file.read_text().splitlines()]
    assert min(held) <= 6 < max(held)
    full = cli(app, "verify")
    assert full.exit_code == 0, full.output
    assert f"every record up to {max(held)} present and unchanged" in full.output
    assert cli(app, "verify", "--incremental").exit_code == 0
    # The newest records cut from what is left: found.
    last = db.session.scalar(select(db.func.max(AuditEvent.seq)))
    _as_attacker(f"DELETE FROM audit_event WHERE seq >= 8 AND seq <= {last}")
    cut = cli(app, "verify")
    assert cut.exit_code == 1
    assert "NOT intact" in cut.output
