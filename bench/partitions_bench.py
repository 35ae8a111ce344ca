"""IG queries on the audit log partitioned by month (issue 18), at two sizes over the
same months: do their times grow with the total?

    .venv/bin/python -m bench.partitions_bench --pg URL [--sizes 1000000,2000000]
        [--months 24] [--repeats 40] [--results partitions]

For each size, the database at URL is emptied and the schema made as the service makes
it (audit_event partitioned by month, audit.partitions), then `size` records are written
by the server itself (INSERT ... SELECT from generate_series: the fastest way on two
shared cores) spread evenly over `--months` months (or SIZE:MONTHS) ending now, with
people and staff in proportion to the monthly rate (one person for every 10 records of
24 months, one member of staff for every 500), so a person's records in a month are as
many at any size: the national log grows by more people, not by more records a person.
The indexes are built after the rows, then ANALYZE, then the summary of who touched whom
(audit.summary) is made from them a month at a time, as the migration does. The chain
hashes are not real (verification is bench.verify_bench's): these queries never read them.

Then, in process through audit.queries (what the API and pages call), `--repeats` runs of
each (p50 and p95 in ms, different people and staff each run), and for each its query
plan (EXPLAIN ANALYZE, BUFFERS) and the partitions the plan reads:

- events of one person over a month (the last full month), a page of 50;
- events of one member of staff over a month, a page of 50;
- the 7-day "many people viewed by one actor" report as the service runs it (from the
  writer's summary, audit.summary; at the default threshold of 20 and at 10, where some
  actors pass the summary's bound and are counted on the log), and as it was (the log
  scan, for contrast); the 7-day refusals, out-of-hours, purposes and emergency-access
  reports;
- for contrast, one person's newest 50 events with no time bound (every partition).

Results: bench/results/<results>.{md,json}. Nothing here asserts a timing.
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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

RESULTS = Path(__file__).resolve().parent / "results"
ACTIONS = (
    "ARRAY['plan.view','plan.view','plan.view','section.view','person.view',"
    "'section.update','consent.view','careteam.view']"
)


def _app(url: str, folder: Path) -> Any:
    from careplan import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder),
            "AUDIT_KEY_FILE": str(folder / "audit-key.pem"),
            "DATA_KEYS_FILE": str(folder / "data-keys.json"),
            "AUDIT_WITNESSES": "none",
            "TESTING": True,
        }
    )


def _people(size: int, months: int) -> int:
    """One person for every 10 records of 24 months at this size's monthly rate: a
    person's records in a month are as many at any size and any history."""
    return max(size * 24 // months // 10, 100)


def _staff(size: int, months: int) -> int:
    return max(size * 24 // months // 500, 20)


def _uuid_sql(kind: str, number: str) -> str:
    """A deterministic UUID text for person/staff `number` (so samples can be named)."""
    digest = f"md5('{kind}' || ({number})::text)"
    return f"(substr({digest}, 1, 8) || '-0000-4000-8000-' || substr({digest}, 1, 12))"


def _uuid_py(kind: str, number: int) -> uuid.UUID:
    import hashlib

    digest = hashlib.md5(f"{kind}{number}".encode()).hexdigest()  # noqa: S324 - a name, not security
    return uuid.UUID(f"{digest[:8]}-0000-4000-8000-{digest[:12]}")


def generate(app: Any, size: int, start: datetime, end: datetime) -> dict[str, Any]:
    """The schema made again and `size` records written between `start` and `end`."""
    from audit import partitions, summary
    from careplan.extensions import db

    took: dict[str, float] = {}
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP FUNCTION IF EXISTS audit_event_append_only CASCADE"))
        db.session.commit()
        db.create_all()
        connection = db.session.connection()
        months = (end.year - start.year) * 12 + end.month - start.month
        partitions.ensure(connection, start, months + 1)
        indexes = [
            r[0]
            for r in connection.execute(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = 'audit_event' "
                    "AND indexname LIKE 'ix_%'"
                )
            )
        ]
        for definition in indexes:
            connection.exec_driver_sql(f"DROP INDEX {definition.split()[2]}")
        db.session.commit()
        span = (end - start).total_seconds()
        history = max(round((end - start).days / 30.44), 1)
        people, staff = _people(size, history), _staff(size, history)
        t0 = time.perf_counter()
        # The driver's own cursor, without parameters: `%` is SQL's modulo here.
        cursor = db.session.connection().connection.cursor()
        cursor.execute(
            f"""
            INSERT INTO audit_event (seq, occurred_at, actor_id, actor_name, actor_role,
                actor_agency_id, actor_agency_name, action, outcome, person_id, sections,
                withheld, basis, reason, purpose, justification, request_id, client_addr,
                user_agent, details, prev_hash, hash)
            SELECT g,
                to_char(timestamp '{start:%Y-%m-%d %H:%M:%S}'
                        + (g * {span / size}) * interval '1 second',
                        'YYYY-MM-DD"T"HH24:MI:SS.US'),
                {_uuid_sql("staff", f"(hashint4(g) % {staff} + {staff}) % {staff}")},
                'Staff ' || ((hashint4(g) % {staff} + {staff}) % {staff}),
                'practitioner', NULL, 'Agency ' || (g % 50),
                ({ACTIONS})[1 + (hashint4(g + 7) % 8 + 8) % 8],
                CASE WHEN hashint4(g + 3) % 50 = 0 THEN 'deny' ELSE 'permit' END,
                {_uuid_sql("person", f"(hashint4(g + 11) % {people} + {people}) % {people}")},
                '[]', '[]', '{{}}', NULL, 'direct_care', NULL, 'req-' || g, '10.0.0.1',
                'bench', '{{}}', md5(g::text) || md5((g - 1)::text), md5(g::text) || md5(g::text)
            FROM generate_series(1, {size}) AS g
            """  # noqa: S608 - numbers made here
        )
        db.session.commit()
        took["insert_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        connection = db.session.connection()
        for definition in indexes:
            # On the parent and every partition ("ON ONLY" would make the parent's alone).
            connection.exec_driver_sql(definition.replace(" ON ONLY ", " ON "))
        db.session.commit()
        took["indexes_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        db.session.connection().exec_driver_sql("ANALYZE audit_event")
        db.session.commit()
        took["analyze_s"] = round(time.perf_counter() - t0, 1)
        # The writer's summary of who touched whom (audit.summary), made from the rows
        # as `flask audit rebuild-summary` and the migration make it: a month at a time.
        t0 = time.perf_counter()
        day = start.date()
        while day <= end.date():
            following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            summary.rebuild(db.session, day, min(following - timedelta(days=1), end.date()))
            db.session.commit()
            day = following
        db.session.commit()
        # What autovacuum does on a live database (VACUUM cannot run in a transaction).
        with db.engine.connect() as own:
            own = own.execution_options(isolation_level="AUTOCOMMIT")
            own.exec_driver_sql("VACUUM ANALYZE audit_access_day")
            own.exec_driver_sql("VACUUM ANALYZE audit_access_actor_day")
        took["summary_s"] = round(time.perf_counter() - t0, 1)
        took["summary_rows"] = db.session.execute(
            text("SELECT count(*) FROM audit_access_day")
        ).scalar()
        took["summary_actor_day_rows"] = db.session.execute(
            text("SELECT count(*) FROM audit_access_actor_day")
        ).scalar()
        took["summary_mb"] = round(
            db.session.execute(
                text(
                    "SELECT pg_total_relation_size('audit_access_day') "
                    "+ pg_total_relation_size('audit_access_actor_day')"
                )
            ).scalar()
            / 1e6
        )
        db.session.commit()
        listed = partitions.listing(db.session.connection(), counted=True)
        size_bytes = db.session.execute(
            text(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'audit_event'::regclass"
            )
        ).scalar()
        db.session.commit()
    return {
        **took,
        "partitions": len(listed),
        "rows_per_month": round(statistics.mean(p.rows for p in listed if p.rows) or 0),
        "table_and_indexes_mb": round(int(size_bytes or 0) / 1e6),
        "people": people,
        "staff": staff,
    }


def _p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[18], 2) if len(values) > 1 else values[0]


def measure(app: Any, size: int, months: int, end: datetime, repeats: int) -> dict[str, Any]:
    from audit import partitions, queries, summary
    from careplan.extensions import db

    rng = random.Random(size)
    people, staff = _people(size, months), _staff(size, months)
    month_end = datetime(end.year, end.month, 1)
    month_start = (month_end - timedelta(days=1)).replace(day=1)
    month = {"from_": month_start, "to": month_end - timedelta(microseconds=1)}
    week = {"from_": end - timedelta(days=7), "to": end}

    def person() -> uuid.UUID:
        return _uuid_py("person", rng.randrange(people))

    def actor() -> uuid.UUID:
        return _uuid_py("staff", rng.randrange(staff))

    cases = {
        "person over a month (page of 50)": (
            lambda: {"person": person(), **month},
            lambda f: queries.search(db.session, f, 50, None),
            lambda f: queries.search_query(f, 50, None),
        ),
        "staff member over a month (page of 50)": (
            lambda: {"actor": actor(), **month},
            lambda f: queries.search(db.session, f, 50, None),
            lambda f: queries.search_query(f, 50, None),
        ),
        "report many_people, last 7 days": (
            lambda: dict(week),
            lambda f: queries.report(db.session, "many_people", f, None),
            lambda f: summary.actors_query(
                f["from_"].date().isoformat(), f["to"].date().isoformat(), 20
            ),
        ),
        "report many_people, last 7 days, threshold 10": (
            lambda: dict(week),
            lambda f: queries.report(db.session, "many_people", f, 10),
            lambda f: queries.report_query(
                "many_people",
                {
                    **f,
                    "actors": summary.actors_who_may_reach(db.session, f["from_"], f["to"], 10),
                },
                10,
                end.year,
            ),
        ),
        "report many_people, last 7 days, log scan (before the summary)": (
            lambda: dict(week),
            lambda f: db.session.execute(
                queries.report_query("many_people", f, None, end.year)
            ).all(),
            lambda f: queries.report_query("many_people", f, None, end.year),
        ),
        "report denied, last 7 days": (
            lambda: dict(week),
            lambda f: queries.report(db.session, "denied", f, None),
            lambda f: queries.report_query("denied", f, None, end.year),
        ),
        "report out_of_hours, last 7 days": (
            lambda: dict(week),
            lambda f: queries.report(db.session, "out_of_hours", f, None),
            lambda f: queries.report_query("out_of_hours", f, None, end.year),
        ),
        "report purposes, last 7 days": (
            lambda: dict(week),
            lambda f: queries.report(db.session, "purposes", f, None),
            lambda f: queries.report_query("purposes", f, None, end.year),
        ),
        "report break_glass, last 7 days": (
            lambda: dict(week),
            lambda f: queries.report(db.session, "break_glass", f, None),
            lambda f: queries.report_query("break_glass", f, None, end.year),
        ),
        "person, no time bound (newest 50; contrast)": (
            lambda: {"person": person()},
            lambda f: queries.search(db.session, f, 50, None),
            lambda f: queries.search_query(f, 50, None),
        ),
    }
    found: dict[str, Any] = {}
    with app.app_context():
        for name, (make, run, statement) in cases.items():
            for _ in range(3):  # warm the cache and the prepared statements
                run(make())
            times, returned = [], []
            for _ in range(repeats):
                filters = make()
                t0 = time.perf_counter()
                result = run(filters)
                times.append((time.perf_counter() - t0) * 1000)
                returned.append(len(result[0]) if isinstance(result, tuple) else len(result))
                db.session.rollback()
            filters = make()
            connection = db.session.connection()
            sql = str(
                statement(filters).compile(
                    dialect=connection.dialect, compile_kwargs={"literal_binds": True}
                )
            )
            plan = [r[0] for r in connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql)]
            db.session.rollback()
            found[name] = {
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": _p95(times),
                "runs": repeats,
                "rows_returned_mean": round(statistics.mean(returned), 1),
                "partitions_read": partitions.scanned(plan),
                "plan": plan,
            }
    return found


def _markdown(report: dict[str, Any]) -> str:
    sizes = report["sizes"]
    lines = [
        "# IG queries on the month-partitioned audit log (issue 18)",
        "",
        f"Machine: {report['machine']}; PostgreSQL {report['postgres']}; "
        f"records ending {report['end']}; "
        f"{report['repeats']} runs a query. Made by `bench/partitions_bench.py`.",
        "",
        "| size | months | partitions | rows a month | people | staff | insert s | indexes s "
        "| MB | summary s | summary rows (actor-person-day / actor-day) | summary MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, entry in sizes.items():
        d = entry["data"]
        lines.append(
            f"| {int(size):,} | {d.get('months', report['months'])} "
            f"| {d['partitions']} | {d['rows_per_month']:,} | {d['people']:,} | "
            f"{d['staff']:,} | {d['insert_s']} | {d['indexes_s']} | {d['table_and_indexes_mb']} "
            f"| {d.get('summary_s', '-')} | {d.get('summary_rows', 0):,} / "
            f"{d.get('summary_actor_day_rows', 0):,} | {d.get('summary_mb', '-')} |"
        )
    lines += [
        "",
        "| query | "
        + " | ".join(f"{int(s):,} p50 / p95 ms" for s in sizes)
        + " | partitions read |",
    ]
    lines.append("|---|" + "---|" * len(sizes) + "---|")
    names = list(next(iter(sizes.values()))["queries"])
    for name in names:
        cells = [
            f"{e['queries'][name]['p50_ms']} / {e['queries'][name]['p95_ms']}"
            for e in sizes.values()
        ]
        read = next(iter(sizes.values()))["queries"][name]["partitions_read"]
        shown = ", ".join(read) if len(read) <= 3 else f"{len(read)} (all)"
        shown = shown or "none (the summary)"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {shown} |")
    lines += ["", "## Query plans (EXPLAIN ANALYZE, BUFFERS)", ""]
    for size, entry in sizes.items():
        for name, q in entry["queries"].items():
            lines += [f"### {int(size):,}: {name}", "", "```", *q["plan"], "```", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="PostgreSQL URL of a database to empty")
    parser.add_argument(
        "--sizes",
        default="1000000,2000000",
        help="comma-separated SIZE or SIZE:MONTHS (e.g. 1000000:12,2000000:24: the same "
        "records a month, twice the history)",
    )
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--results", default="partitions")
    args = parser.parse_args()
    end = datetime(2026, 11, 28, 12, 0)
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
        "months": args.months,
        "end": end.isoformat(),
        "repeats": args.repeats,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as folder:
        app = _app(args.pg, Path(folder))
        from careplan.extensions import db

        with app.app_context():
            report["postgres"] = db.session.execute(text("SHOW server_version")).scalar()
        for spec in args.sizes.split(","):
            # SIZE or SIZE:MONTHS (that size over its own number of months).
            size_text, _, months_text = spec.partition(":")
            size, months = int(size_text), int(months_text or args.months)
            start = end - timedelta(days=round(months * 365.25 / 12))
            print(f"{size:,} records over {months} months: generating", flush=True)
            data = {**generate(app, size, start, end), "months": months}
            print(f"  {data}", flush=True)
            load = os.getloadavg()[0]
            queries = measure(app, size, months, end, args.repeats)
            for name, q in queries.items():
                print(
                    f"  {name}: p50 {q['p50_ms']} ms, p95 {q['p95_ms']} ms, "
                    f"partitions {len(q['partitions_read'])}",
                    flush=True,
                )
            report["sizes"][str(size)] = {"data": data, "load_before": load, "queries": queries}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.results}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{args.results}.md").write_text(_markdown(report))
    print(f"Results in bench/results/{args.results}.md")


if __name__ == "__main__":
    main()
