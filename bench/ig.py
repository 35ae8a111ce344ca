"""IG queries and verification at scale, in process, against a generated data set."""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from audit import queries
from careplan.core import clock


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=20)[18], 2)


def _timed(call: Any, repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _plan(session: Any, statement: Any) -> list[str]:
    """The database's own plan for a statement (EXPLAIN QUERY PLAN / EXPLAIN)."""
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
    rows = connection.exec_driver_sql(prefix + sql).all()
    return [" | ".join(str(c) for c in row) for row in rows]


def ig_queries(app: Any, sample: dict[str, list[str]], repeats: int) -> dict[str, Any]:
    """p95 of each IG query over `repeats` runs with varied people and actors."""
    from careplan.extensions import db

    people = [uuid.UUID(p) for p in sample["people"]]
    actors = [uuid.UUID(a) for a in sample["actors"]]
    results: dict[str, Any] = {}
    with app.app_context():
        session = db.session
        now = clock.now()
        week = {"from_": now - timedelta(days=7), "to": now}
        cases = {
            "person_access_log (page of 50)": lambda i: queries.person_log(
                session, people[i % len(people)], 50, None
            ),
            "actor_search (page of 50)": lambda i: queries.search(
                session, {"actor": actors[i % len(actors)]}, 50, None
            ),
            "actor_search, last 7 days": lambda i: queries.search(
                session, {"actor": actors[i % len(actors)], **week}, 50, None
            ),
        }
        day = {"from_": now - timedelta(days=1), "to": now}
        # "Many people in a short time" is a day's view; the other reports a week's.
        cases["report many_people, last 24 hours"] = lambda i: queries.report(
            session, "many_people", day, None
        )
        for kind in queries.REPORTS:
            cases[f"report {kind}, last 7 days"] = lambda i, k=kind: queries.report(
                session, k, week, None
            )
        for name, call in cases.items():
            times = _timed(call, repeats)
            results[name] = {
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": _p95(times),
                "runs": repeats,
            }
        plans = {
            "person_access_log (page of 50)": queries._filtered({"person": people[0]})
            .order_by(queries.EVENTS.c.seq.desc())
            .limit(51),
            "actor_search (page of 50)": queries._filtered({"actor": actors[0]})
            .order_by(queries.EVENTS.c.seq.desc())
            .limit(51),
        }
        for kind in queries.REPORTS:
            plans[f"report {kind}, last 7 days"] = queries.report_query(kind, week, None)
        for name, statement in plans.items():
            results[name]["plan"] = _plan(session, statement)
        session.rollback()
    return results


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def verification(app: Any) -> dict[str, Any]:
    """Records verified per second; resident memory sampled while it runs."""
    from audit.verify import verify_chain
    from careplan.extensions import db

    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        start = time.perf_counter()
        while not stop.wait(0.5):
            samples.append((round(time.perf_counter() - start, 1), _rss_mib()))

    with app.app_context():
        public = app.extensions["careplan.checkpoints"].signer.public
        before = _rss_mib()
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        start = time.perf_counter()
        result = verify_chain(db.session, public)
        elapsed = time.perf_counter() - start
        stop.set()
        thread.join()
        db.session.rollback()
    rss = [r for _, r in samples] or [before]
    return {
        "ok": result.ok,
        "records": result.checked,
        "seconds": round(elapsed, 1),
        "records_per_second": round(result.checked / elapsed),
        "rss_mib_before": before,
        "rss_mib_samples": samples[:: max(1, len(samples) // 12)],
        "rss_mib_max": max(rss),
        "load_average": round(os.getloadavg()[0], 2),
    }


def analyse(app: Any) -> None:
    from careplan.extensions import db

    with app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
