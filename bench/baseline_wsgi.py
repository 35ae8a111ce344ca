"""The baseline for the plan view: a bare WSGI app doing the same reads and a raw chained
audit insert with the plain driver (sqlite3 or psycopg), served by the same gunicorn.

    BENCH_DB_URL=... gunicorn -w 2 bench.baseline_wsgi:app

GET /api/v1/people/<id>/plan with a bearer token: token and user, person, plan with key
worker and lead agency, care-team membership, consents, the agency's agreement,
break-glass, the sections; then the audit head is locked, one record chained and inserted,
the head moved, and the transaction committed. No framework, no ORM, no decision logic,
no decryption: what the database work costs on its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from audit.chain import canonical_values
from audit.stored import json_text

HEAD_SQLITE = "SELECT seq, hash FROM audit_head WHERE id = 1"
HEAD_PG = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
_conn: Any = None
_sqlite = False


def _connect() -> Any:
    global _conn, _sqlite
    if _conn is None:
        url = os.environ["BENCH_DB_URL"]
        _sqlite = url.startswith("sqlite")
        if _sqlite:
            _conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            _conn.execute("PRAGMA journal_mode=WAL")
            _conn.execute("PRAGMA synchronous=NORMAL")
            _conn.execute("PRAGMA busy_timeout=5000")
        else:
            import psycopg

            _conn = psycopg.connect(
                url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
            )
    return _conn


def _q(sql: str) -> str:
    return sql if _sqlite else sql.replace("?", "%s")


def _id(value: str) -> Any:
    return uuid.UUID(value).hex if _sqlite else value


def plan_view(token: str, person: str) -> tuple[int, bytes]:
    conn = _connect()
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE" if _sqlite else "BEGIN")
    try:
        cur.execute(
            _q(
                "SELECT u.id, u.name, u.roles, u.agency_id, a.name, t.expires_at "
                "FROM access_token t JOIN user_account u ON u.id = t.user_id "
                "LEFT JOIN agency a ON a.id = u.agency_id "
                "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active"
            ),
            (hashlib.sha256(token.encode()).hexdigest(),),
        )
        user = cur.fetchone()
        if user is None:
            cur.execute("ROLLBACK")
            return 401, b'{"error":"unauthorised"}'
        pid = _id(person)
        cur.execute(_q("SELECT id, given_name, family_name FROM person WHERE id = ?"), (pid,))
        cur.fetchone()
        cur.execute(
            _q(
                "SELECT p.id, p.version, p.key_worker_id, k.name, p.lead_agency_id, a.name "
                "FROM plan p JOIN user_account k ON k.id = p.key_worker_id "
                "JOIN agency a ON a.id = p.lead_agency_id WHERE p.person_id = ?"
            ),
            (pid,),
        )
        plan = cur.fetchone()
        cur.execute(
            _q(
                "SELECT id, valid_from, valid_to, ended_at FROM care_team_member "
                "WHERE plan_id = ? AND staff_id = ?"
            ),
            (plan[0], user[0]),
        )
        cur.fetchall()
        cur.execute(
            _q(
                "SELECT id, grantee_agency_id, grantee_sector, sections, effect, starts_on, "
                "expires_on, withdrawn_at FROM consent WHERE person_id = ?"
            ),
            (pid,),
        )
        cur.fetchall()
        cur.execute(
            _q(
                "SELECT id, max_sensitivity, sections, valid_until FROM sharing_agreement "
                "WHERE agency_id = ? ORDER BY created_at DESC LIMIT 1"
            ),
            (user[3],),
        )
        cur.fetchone()
        cur.execute(
            _q(
                "SELECT id, invoked_at, expires_at FROM break_glass "
                "WHERE user_id = ? AND person_id = ?"
            ),
            (user[0], pid),
        )
        cur.fetchall()
        cur.execute(
            _q("SELECT key, content, version, updated_at FROM plan_section WHERE plan_id = ?"),
            (plan[0],),
        )
        sections = {row[0]: {"content": row[1], "version": row[2]} for row in cur.fetchall()}
        # SQLite: BEGIN IMMEDIATE already holds the write lock; PostgreSQL: lock the head row.
        cur.execute(HEAD_SQLITE if _sqlite else HEAD_PG)
        seq, prev = cur.fetchone()
        seq += 1
        values = (
            seq,
            datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
            str(user[0]),
            user[1],
            "practitioner",
            str(user[3]),
            user[4],
            "plan.view",
            "permit",
            person,
            json_text(list(sections)),
            "[]",
            json_text(dict.fromkeys(sections, "key_worker")),
            None,
            None,
            None,
            uuid.uuid4().hex,
            "127.0.0.1",
            "wrk",
            "{}",
        )
        digest = hashlib.sha256(prev.encode("ascii") + canonical_values(values)).hexdigest()
        cur.execute(
            _q(
                "INSERT INTO audit_event (seq, occurred_at, actor_id, actor_name, actor_role, "
                "actor_agency_id, actor_agency_name, action, outcome, person_id, sections, "
                "withheld, basis, reason, purpose, justification, request_id, client_addr, "
                "user_agent, details, prev_hash, hash) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            (*values, prev, digest),
        )
        cur.execute(_q("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"), (seq, digest))
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    body = {"id": str(plan[0]), "version": plan[1], "key_worker": plan[3], "sections": sections}
    return 200, json.dumps(body, default=str).encode()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    parts = environ.get("PATH_INFO", "").strip("/").split("/")
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if len(parts) != 5 or parts[:3] != ["api", "v1", "people"] or not auth.startswith("Bearer "):
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error":"not_found"}']
    status, body = plan_view(auth[7:], parts[3])
    start_response(
        "200 OK" if status == 200 else "401 Unauthorized",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
