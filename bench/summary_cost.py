"""What keeping the summary of who touched whom (audit.summary) adds to each append.

    .venv/bin/python -m bench.summary_cost [--pg URL] [--appends 2000]

In process, on a new SQLite file (or the empty PostgreSQL database at URL, emptied):
`--appends` commits of what a plan view appends (a `plan.view` and a `section.view` of
one person, by one of 200 members of staff, 5,000 people), in pairs: one with the
writer as it is, one with `summary.keep` switched off, turn about, so load on a shared
machine falls on both alike. Reports the median and p95 of each (ms a commit, wall
clock, the database's work included) and the median of the pairs' differences.
Results: bench/results/summary-cost-<db>.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[18], 3)


def run(url: str | None, appends: int) -> dict[str, Any]:
    from audit import summary
    from audit.actions import AuditAction, Outcome
    from audit.log import build
    from audit.writer import append
    from bench.partitions_bench import _app
    from careplan.extensions import db

    rng = random.Random(18)
    staff = [
        SimpleNamespace(
            id=uuid.uuid4(),
            name=f"Staff {n}",
            primary_role="practitioner",
            agency=SimpleNamespace(id=uuid.uuid4(), name="Agency"),
        )
        for n in range(200)
    ]
    people = [uuid.uuid4() for _ in range(5000)]
    keep = summary.keep
    with tempfile.TemporaryDirectory() as folder:
        app = _app(url or f"sqlite:///{folder}/summary-cost.sqlite", Path(folder))
        with app.app_context():
            if url:
                db.drop_all()
                db.session.execute(
                    db.text("DROP FUNCTION IF EXISTS audit_event_append_only CASCADE")
                )
                db.session.commit()
            db.create_all()
            checkpoints = app.extensions["careplan.checkpoints"]
            timed: dict[str, list[float]] = {"with summary": [], "without": []}

            def one(with_summary: bool) -> float:
                user, person = rng.choice(staff), rng.choice(people)
                records = [
                    build(AuditAction.PLAN_VIEW, Outcome.PERMIT, user=user, person_id=person),
                    build(AuditAction.SECTION_VIEW, Outcome.PERMIT, user=user, person_id=person),
                ]
                summary.keep = keep if with_summary else (lambda connection, rows: None)
                t0 = time.perf_counter()
                append(db.session, records, checkpoints)
                db.session.commit()
                return (time.perf_counter() - t0) * 1000

            for _ in range(100):  # warm up both
                one(True)
                one(False)
            differences = []
            for n in range(appends // 2):
                first = n % 2 == 0
                a = one(first)
                b = one(not first)
                with_ms, without_ms = (a, b) if first else (b, a)
                timed["with summary"].append(with_ms)
                timed["without"].append(without_ms)
                differences.append(with_ms - without_ms)
            summary.keep = keep
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    return {
        "database": dialect,
        "appends": appends,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_before": None,
        **{
            name: {"median_ms": round(statistics.median(v), 3), "p95_ms": _p95(v)}
            for name, v in timed.items()
        },
        "median_difference_ms": round(statistics.median(differences), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", help="PostgreSQL URL of a database to empty (default SQLite)")
    parser.add_argument("--appends", type=int, default=2000)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    found = run(args.pg, args.appends)
    found["load_before"] = round(load, 2)
    found["load_after"] = round(os.getloadavg()[0], 2)
    name = f"summary-cost-{found['database']}"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(found, indent=2) + "\n")
    w, wo = found["with summary"], found["without"]
    (RESULTS / f"{name}.md").write_text(
        "# The writer's cost of the summary of who touched whom (issue 18)\n\n"
        f"{found['database']}, {found['machine']}, load {found['load_before']} before and "
        f"{found['load_after']} after; {found['appends']} commits of a plan view's two "
        "records, with and without `audit.summary.keep`, turn about. Made by "
        "`bench/summary_cost.py`.\n\n"
        "| writer | median ms a commit | p95 ms |\n|---|---|---|\n"
        f"| with the summary | {w['median_ms']} | {w['p95_ms']} |\n"
        f"| without | {wo['median_ms']} | {wo['p95_ms']} |\n\n"
        f"Median of the pairs' differences: {found['median_difference_ms']} ms a commit.\n"
    )
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
