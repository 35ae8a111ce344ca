"""Audit benchmarks: the audited plan view against a raw baseline, and verification speed.

    .venv/bin/python -m bench.audit_bench [--requests N] [--records N]

1. Full stack: authenticated, consent-filtered, audited GET /api/v1/people/{id}/plan through
   the WSGI app (token lookup, decision, sections, audit record, commit).
   Baseline, in the same run: the same reads with the plain sqlite3 driver and a raw
   chained audit insert (SHA-256 over the same canonical encoding), committed.
   Target: the full stack at no less than half the baseline's throughput (SQLite).
2. Verification: records checked per second over a chain of --records records (target
   at least 100,000/s), and peak memory while verifying (it reads in fixed batches).

Results are printed and written to bench/results/audit.{md,json}. Timings are never
asserted in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sqlite3
import tempfile
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask

from audit.actions import AuditAction, Outcome
from audit.chain import canonical
from audit.log import build

RESULTS = Path(__file__).resolve().parent / "results"


class _UnsealedVault:
    """Benchmark only: stores values as they are, to price the encryption. Never in the app."""

    def seal(self, connection: object, family: str, aad: str, plaintext: bytes) -> str:
        return plaintext.decode("utf-8")

    def open(self, connection: object, aad: str, sealed: str) -> bytes:
        return sealed.encode("utf-8")


def _world(folder: Path, sealed: bool = True) -> Flask:
    from careplan import create_app
    from careplan.demo import load_demo
    from careplan.extensions import db

    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "AUDIT_KEY_FILE": str(folder / "k.pem"),
            "DATA_KEYS_FILE": str(folder / "data-keys.json"),
        }
    )
    if not sealed:
        app.extensions["careplan.vault"] = _UnsealedVault()
    with app.app_context():
        db.create_all()
        load_demo(db.session)
        db.session.commit()
    return app


def _token_and_person(app: Flask) -> tuple[str, uuid.UUID]:
    from sqlalchemy import select

    from careplan.accounts import tokens
    from careplan.accounts.models import User
    from careplan.extensions import db
    from careplan.people.models import Person

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "fiona.reid@housing.demo")).one()
        raw = tokens.issue(db.session, user, timedelta(hours=2))
        person = db.session.scalars(select(Person).where(Person.chi == "1204881235")).one()
        db.session.commit()
        return raw, person.id


def full_stack(app: Flask, token: str, person_id: uuid.UUID, n: int) -> float:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/people/{person_id}/plan"
    for _ in range(20):
        assert client.get(url, headers=headers).status_code == 200
    start = time.perf_counter()
    for _ in range(n):
        client.get(url, headers=headers)
    return n / (time.perf_counter() - start)


def baseline(db_file: Path, token: str, person_id: uuid.UUID, n: int) -> float:
    """The same reads and a chained audit insert, with the plain driver."""
    conn = sqlite3.connect(db_file, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    pid = person_id.hex
    start = time.perf_counter()
    for _ in range(n):
        conn.execute("BEGIN IMMEDIATE")
        user = conn.execute(
            "SELECT u.id, u.name, u.agency_id FROM access_token t JOIN user_account u "
            "ON u.id = t.user_id WHERE t.token_hash = ?",
            (token_hash,),
        ).fetchone()
        conn.execute("SELECT * FROM person WHERE id = ?", (pid,)).fetchone()
        plan = conn.execute("SELECT * FROM plan WHERE person_id = ?", (pid,)).fetchone()
        conn.execute(
            "SELECT * FROM care_team_member WHERE plan_id = ? AND staff_id = ?", (plan[0], user[0])
        ).fetchall()
        conn.execute("SELECT * FROM consent WHERE person_id = ?", (pid,)).fetchall()
        conn.execute(
            "SELECT * FROM sharing_agreement WHERE agency_id = ? ORDER BY created_at DESC LIMIT 1",
            (user[2],),
        ).fetchone()
        conn.execute(
            "SELECT * FROM break_glass WHERE user_id = ? AND person_id = ?", (user[0], pid)
        ).fetchall()
        conn.execute("SELECT * FROM plan_section WHERE plan_id = ?", (plan[0],)).fetchall()
        seq, prev = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        record = {
            "seq": seq + 1,
            "occurred_at": "2026-11-23T12:00:00.000000",
            "actor_id": user[0],
            "action": "plan.view",
            "outcome": "permit",
            "person_id": pid,
            "sections": ["housing"],
            "withheld": [],
            "basis": {},
            "details": {},
        }
        digest = hashlib.sha256(prev.encode() + canonical(record)).hexdigest()
        conn.execute(
            "INSERT INTO audit_event (seq, occurred_at, actor_id, action, outcome, person_id, "
            "sections, withheld, basis, details, prev_hash, hash) "
            "VALUES (?, ?, ?, 'plan.view', 'permit', ?, '[]', '[]', '{}', '{}', ?, ?)",
            (seq + 1, record["occurred_at"], user[0], pid, prev, digest),
        )
        conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq + 1, digest))
        conn.execute("COMMIT")
    rate = n / (time.perf_counter() - start)
    conn.close()
    return rate


def verification(records: int) -> dict:
    from audit import writer
    from audit.verify import verify_chain
    from careplan import create_app
    from careplan.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "AUDIT_KEY_FILE": f"{folder}/k.pem"})
        with app.app_context():
            db.create_all()
            policy = app.extensions["careplan.checkpoints"]
            event = build(
                AuditAction.PLAN_VIEW,
                Outcome.PERMIT,
                person_id=uuid.uuid4(),
                sections=["about_me", "goals", "housing"],
                basis={"housing": "key_worker"},
            )
            for _ in range(0, records, 5000):
                writer.append(db.session, [dict(event) for _ in range(5000)], policy)
                db.session.commit()
            start = time.perf_counter()
            result = verify_chain(db.session, policy.signer.public)
            elapsed = time.perf_counter() - start
            # Memory in a second pass: tracing slows allocation, so it is not timed.
            tracemalloc.start()
            verify_chain(db.session, policy.signer.public)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert result.ok
            return {
                "records": result.checked,
                "seconds": round(elapsed, 2),
                "records_per_second": round(result.checked / elapsed),
                "peak_traced_mib": round(peak / 2**20, 1),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = _world(Path(folder))
        token, person_id = _token_and_person(app)
        with app.app_context():
            stack = full_stack(app, token, person_id, args.requests)
        base = baseline(Path(folder) / "careplan.sqlite", token, person_id, args.requests)
    with tempfile.TemporaryDirectory() as folder:
        plain_app = _world(Path(folder), sealed=False)
        token, person_id = _token_and_person(plain_app)
        with plain_app.app_context():
            unsealed = full_stack(plain_app, token, person_id, args.requests)
    results = {
        "machine": f"{platform.machine()} {platform.processor() or ''} "
        f"{platform.python_implementation()} {platform.python_version()}".strip(),
        "plan_view": {
            "requests": args.requests,
            "full_stack_rps": round(stack),
            "baseline_rps": round(base),
            "ratio": round(stack / base, 2),
            "target_ratio": 0.5,
            "without_encryption_rps": round(unsealed),
            "encryption_cost_percent": round(100 * (1 - stack / unsealed), 1),
        },
        "verification": verification(args.records),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "audit.json").write_text(json.dumps(results, indent=2) + "\n")
    pv, ver = results["plan_view"], results["verification"]
    table = (
        "# Audit benchmarks (SQLite)\n\n"
        f"Machine: {results['machine']}\n\n"
        "| measure | value | target |\n| --- | --- | --- |\n"
        f"| audited plan view, full stack | {pv['full_stack_rps']} req/s | |\n"
        f"| same reads + raw chained insert (sqlite3) | {pv['baseline_rps']} req/s | |\n"
        f"| ratio | {pv['ratio']} | >= 0.5 |\n"
        f"| same plan view with sections stored unsealed | {pv['without_encryption_rps']} "
        f"req/s | |\n"
        f"| cost of encryption at rest | {pv['encryption_cost_percent']} % | |\n"
        f"| verification | {ver['records_per_second']} records/s over {ver['records']} "
        f"| >= 100000/s |\n"
        f"| verification peak traced memory | {ver['peak_traced_mib']} MiB | constant |\n"
    )
    (RESULTS / "audit.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
