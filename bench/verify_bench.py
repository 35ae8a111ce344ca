"""Audit verification at scale (issue 18): the full check as one walk and as parallel
segments, and the incremental check behind "Check the log".

    .venv/bin/python -m bench.verify_bench --folder DIR [--records 2000000] [--pg URL]
        [--rounds 3] [--processes 2] [--since 5000] [--reuse]
    .venv/bin/python -m bench.verify_bench --folder DIR [--pg URL] --once --processes N

1. A log of --records records is made in DIR (SQLite) or in the --pg database (empty),
   once; --reuse measures an existing one again. Records as the service writes them
   (the demo's actions, eleven section keys and bases, ids, addresses, user agents), one
   valid chain, a checkpoint signed every 1,000 records, and a file witness beside the
   key holding a signed head every 1,000 records and every checkpoint, as the deliverer
   writes them. Only the primary key is indexed: verification reads by it alone.
2. Full check (audit.verified.check, what `flask audit verify` runs, with the witness):
   one walk in one process, then the segments between checkpoints in --processes worker
   processes, in turns (A B, B A, ...) for --rounds rounds; seconds, records a second,
   and the ratio one walk / parallel pair by pair.
3. Incremental check (what the IG page's "Check the log" and GET /audit/verify run):
   --since new records appended after the last verified checkpoint, then the check, for
   --rounds rounds; seconds each.

`--once` runs a single full check of an existing log and prints its figures, so the whole
process can be timed from outside (`/usr/bin/time -v`) pair by pair. Results go to
bench/results/verify-<sqlite|postgresql>.{md,json} with the machine, the record count and
the load average before each step. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text as db_text

RESULTS = Path(__file__).resolve().parent / "results"
EVERY = 1000
SECTIONS = (
    "about_me",
    "goals",
    "housing",
    "health",
    "mental_health",
    "substance_use",
    "finances",
    "justice",
    "safety_plan",
    "contacts",
    "support",
)
ACTIONS = ("plan.view", "plan.view", "plan.view", "section.update", "person.view", "consent.view")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "careplan-client/1.4 (python-httpx)",
)


def app_for(folder: Path, pg: str) -> Flask:
    from careplan import create_app

    keys = folder / "keys"
    url = pg or f"sqlite:///{folder.resolve() / 'careplan.sqlite'}"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "AUDIT_KEY_FILE": str(keys / "audit.pem"),
            "DATA_KEYS_FILE": str(keys / "data-keys.json"),
            "AUDIT_WITNESSES": f"file:{keys / 'audit-witness.log'}",
        }
    )


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# --- making the log -------------------------------------------------------------------
class Maker:
    """Chained records in stored form, appended in batches through the plain driver."""

    def __init__(self, app: Flask, seed: int = 18) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.staff = [
            (
                str(uuid.UUID(int=self.rng.getrandbits(128))),
                f"Staff member {i}",
                role,
                str(uuid.UUID(int=i + 1)),
                f"Agency {i % 200}",
            )
            for i, role in enumerate(["practitioner", "key_worker", "practitioner"] * 700)
        ]
        self.people = [str(uuid.UUID(int=self.rng.getrandbits(128))) for _ in range(50_000)]
        self.signer = app.extensions["careplan.checkpoints"].signer
        self.witness = Path(app.config["AUDIT_WITNESSES"].removeprefix("file:"))

    def values(self, seq: int, when: datetime) -> tuple[Any, ...]:
        from audit.stored import json_text, time_text

        rng = self.rng
        actor = self.staff[rng.randrange(len(self.staff))]
        action = ACTIONS[rng.randrange(len(ACTIONS))]
        view = action == "plan.view"
        shown = SECTIONS[: rng.randrange(3, len(SECTIONS) + 1)] if view else ()
        denied = rng.random() < 0.03
        return (
            seq,
            time_text(when),
            *actor,
            action,
            "deny" if denied else "permit",
            self.people[rng.randrange(len(self.people))],
            json_text(list(shown)),
            json_text(list(SECTIONS[len(shown) :]) if view else []),
            json_text(dict.fromkeys(shown, "care_team")),
            "no_basis" if denied else None,
            "direct_care",
            None,
            f"{rng.getrandbits(128):032x}",
            f"10.{seq % 250}.{rng.randrange(250)}.{rng.randrange(1, 250)}",
            AGENTS[seq % len(AGENTS)],
            "{}",
        )

    def append(self, count: int, start_at: datetime | None = None) -> int:
        """`count` more records after the head; returns the new head's sequence number."""
        from sqlalchemy import insert, select, update

        from audit.models import AuditCheckpoint, AuditHead
        from audit.segments import record_hash
        from audit.signing import checkpoint_message
        from audit.witnesses import checkpoint_entry, entry_line, signed_head
        from careplan.extensions import db

        head = db.session.execute(select(AuditHead.seq, AuditHead.hash)).one()
        seq, prev = head.seq, head.hash
        when = start_at or datetime(2024, 12, 1, 8, 0)
        columns = (
            "seq, occurred_at, actor_id, actor_name, actor_role, actor_agency_id, "
            "actor_agency_name, action, outcome, person_id, sections, withheld, basis, reason, "
            "purpose, justification, request_id, client_addr, user_agent, details, prev_hash, hash"
        )
        connection = db.session.connection()
        postgres = connection.dialect.name == "postgresql"
        driver = connection.connection.driver_connection
        target, rows, checkpoints, lines = seq + count, [], [], []
        while seq < target:
            seq += 1
            when += timedelta(milliseconds=self.rng.randrange(1, 12_000))
            values = self.values(seq, when)
            row_hash = record_hash(prev, values)
            rows.append((*values, prev, row_hash))
            prev = row_hash
            if seq % EVERY == 0 or seq == target:
                signed_at = when + timedelta(microseconds=1)
                checkpoint = {
                    "seq": seq,
                    "hash": row_hash,
                    "signed_at": signed_at,
                    "key_id": self.signer.key_id,
                    "signature": self.signer.sign(checkpoint_message(seq, row_hash, signed_at)),
                }
                checkpoints.append(checkpoint)
                lines.append(entry_line(checkpoint_entry(_Row(checkpoint))))
                lines.append(entry_line(signed_head(self.signer, seq, row_hash)))
            if len(rows) >= 20_000 or seq == target:
                if postgres:
                    with driver.cursor().copy(f"COPY audit_event ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join("?" * 22)
                    sql = f"INSERT INTO audit_event ({columns}) VALUES ({marks})"  # noqa: S608
                    driver.executemany(sql, rows)
                if checkpoints:
                    db.session.execute(insert(AuditCheckpoint.__table__), checkpoints)
                db.session.execute(
                    update(AuditHead.__table__).values(
                        seq=seq,
                        hash=prev,
                        checkpoint_seq=checkpoints[-1]["seq"] if checkpoints else head.seq,
                        checkpoint_at=checkpoints[-1]["signed_at"] if checkpoints else None,
                    )
                )
                db.session.commit()
                connection = db.session.connection()
                driver = connection.connection.driver_connection
                with self.witness.open("a") as handle:
                    handle.write("".join(line + "\n" for line in lines))
                rows, checkpoints, lines = [], [], []
        return seq


class _Row:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def make(app: Flask, records: int) -> float:
    """A fresh log of `records` records; returns the seconds it took."""
    from careplan.extensions import db

    start = time.perf_counter()
    with app.app_context():
        db.create_all()
        from audit.models import AuditEvent

        for index in AuditEvent.__table__.indexes:  # verification reads by primary key
            db.session.execute(db.text(f"DROP INDEX IF EXISTS {index.name}"))
        db.session.commit()
        maker = Maker(app)
        made = 0
        while made < records:
            step = min(500_000, records - made)
            maker.append(step, datetime(2024, 12, 1) + timedelta(days=made // 20_000))
            made += step
            print(f"  {made:,} records", file=sys.stderr, flush=True)
    return time.perf_counter() - start


# --- measuring ------------------------------------------------------------------------
def check(app: Flask, incremental: bool, processes: int) -> dict[str, Any]:
    """One check as the service runs it; its figures."""
    from careplan.extensions import db
    from careplan.ig.services import verify_with_configured_witnesses

    with app.app_context():
        load = load_average()
        backend = _backend_pid(db.session)
        server_pid = _parent(backend)
        server_start = tree_cpu(server_pid)
        client_start = tree_cpu(os.getpid())
        cpu_start = time.process_time()
        start = time.perf_counter()
        result = verify_with_configured_witnesses(
            db.session, incremental=incremental, processes=processes
        )
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        client = tree_cpu(os.getpid()) - client_start
        server = tree_cpu(server_pid) - server_start
        db.session.commit()
    read = result.checked - result.from_seq + 1
    return {
        "ok": result.ok,
        "mode": result.mode,
        "processes": result.processes,
        "from_seq": result.from_seq,
        "to_seq": result.checked,
        "records_read": read,
        "seconds": round(seconds, 3),
        "records_per_second": round(read / seconds),
        "load_average": load,
        "witnesses": [w["ok"] for w in result.witnesses],
        # CPU of this process alone; of this process and its worker processes (the fork
        # server and the workers it reaped); and of the whole PostgreSQL server, every
        # backend (the workers' too) and its own processes (read from /proc; 0 on SQLite
        # or a remote server). The CPU a record is the client's and the server's.
        "cpu_seconds": round(cpu, 3),
        "client_cpu_seconds": round(client, 3),
        "server_cpu_seconds": round(server, 3),
        "cpu_us_per_record": round((client + server) / read * 1e6, 2),
    }


def _backend_pid(session: Any) -> int | None:
    """The PostgreSQL backend serving `session`, if it runs on this machine."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(db_text("SELECT pg_backend_pid()")).scalar()
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state is [0], ppid [1])."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _parent(pid: int | None) -> int | None:
    """The parent of process `pid` (a backend's: the PostgreSQL server), None for None."""
    return None if pid is None else int(_stat(pid)[1])


def tree_cpu(pid: int | None, proc: Path = Path("/proc")) -> float:
    """User + system CPU seconds so far of process `pid`, of the children it has reaped,
    and of its live descendants (0 for None), from `proc`. A child that ends between two
    readings moves from the live descendants into its parent's reaped children (cutime,
    cstime), so the difference of two readings is the CPU the whole tree used in
    between, worker processes that came and went included."""
    if pid is None:
        return 0.0
    children: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended while being read
            continue
        child = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(child)
        ticks[child] = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += ticks.get(current, 0)
        todo.extend(children.get(current, ()))
    return total / os.sysconf("SC_CLK_TCK")


def full_pairs(app: Flask, processes: int, rounds: int) -> dict[str, Any]:
    pairs = []
    for i in range(rounds):
        order = [1, processes] if i % 2 == 0 else [processes, 1]
        runs = {p: check(app, incremental=False, processes=p) for p in order}
        one, parallel = runs[1], runs[processes]
        if not (one["ok"] and parallel["ok"]):
            raise RuntimeError(f"the log is not intact: {one} {parallel}")
        pairs.append(
            {
                "one_walk": one,
                "parallel": parallel,
                "ratio_one_walk_over_parallel": round(one["seconds"] / parallel["seconds"], 2),
            }
        )
    return {
        "pairs": pairs,
        "median_one_walk_rps": round(
            statistics.median(p["one_walk"]["records_per_second"] for p in pairs)
        ),
        "median_parallel_rps": round(
            statistics.median(p["parallel"]["records_per_second"] for p in pairs)
        ),
        "median_cpu_us": round(
            statistics.median(p["one_walk"]["cpu_us_per_record"] for p in pairs), 2
        ),
        "median_parallel_cpu_us": round(
            statistics.median(p["parallel"]["cpu_us_per_record"] for p in pairs), 2
        ),
        "median_ratio": round(
            statistics.median(p["ratio_one_walk_over_parallel"] for p in pairs), 2
        ),
    }


def incremental_runs(app: Flask, since: int, rounds: int) -> dict[str, Any]:
    from careplan.extensions import db

    runs = []
    for _ in range(rounds):
        with app.app_context():
            Maker(app, seed=len(runs) + 100).append(since, datetime(2026, 11, 30, 9, 0))
            db.session.commit()
        result = check(app, incremental=True, processes=1)
        if not result["ok"] or result["mode"] != "incremental":
            raise RuntimeError(f"the incremental check did not pass: {result}")
        runs.append(result)
    return {
        "appended_each_round": since,
        "runs": runs,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "max_seconds": max(r["seconds"] for r in runs),
    }


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
    }


def report(results: dict[str, Any]) -> str:
    full, inc = results["full"], results["incremental"]
    made = (
        f"Log made in {results['make_seconds']} s."
        if results["make_seconds"]
        else "Log made earlier (--reuse)."
    )
    lines = [
        f"# Audit verification ({results['database']}, {results['records']:,} records)",
        "",
        f"Machine: {results['machine']['cpu']}, {results['machine']['cpus']} CPUs, "
        f"Python {results['machine']['python']}. Load average before the run: "
        f"{results['load_average_start']} (a shared machine: read the ratios more than the "
        f"absolute figures). {made}",
        "",
    ]
    if full is not None:
        lines += full_report(full)
    lines += [
        f"## Incremental check ({inc['appended_each_round']:,} records appended before each)",
        "",
        "| round | from record | to record | records read | seconds | load |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for i, run in enumerate(inc["runs"], 1):
        lines.append(
            f"| {i} | {run['from_seq']:,} | {run['to_seq']:,} | {run['records_read']:,} | "
            f"{run['seconds']} | {run['load_average']} |"
        )
    lines += [
        "",
        f"Median **{inc['median_seconds']} s**, at most {inc['max_seconds']} s "
        "(target: under 1 s at 10M).",
        "",
    ]
    return "\n".join(lines)


def full_report(full: dict[str, Any]) -> list[str]:
    lines = [
        "## Full check: one walk against segments in parallel processes",
        "",
        "| round | one walk s | records/s | CPU µs a record | parallel s | processes | records/s "
        "| CPU µs a record | ratio | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i, pair in enumerate(full["pairs"], 1):
        one, par = pair["one_walk"], pair["parallel"]
        lines.append(
            f"| {i} | {one['seconds']} | {one['records_per_second']:,} | "
            f"{one['cpu_us_per_record']} | {par['seconds']} | "
            f"{par['processes']} | {par['records_per_second']:,} | "
            f"{par['cpu_us_per_record']} | "
            f"{pair['ratio_one_walk_over_parallel']} | {one['load_average']} / "
            f"{par['load_average']} |"
        )
    lines += [
        "",
        f"Medians: one walk **{full['median_one_walk_rps']:,} records/s**, parallel "
        f"**{full['median_parallel_rps']:,} records/s**, ratio one walk / parallel "
        f"**{full['median_ratio']}** (target: 300,000 records/s at 10M). CPU a record "
        f"(this process, its worker processes and the PostgreSQL server): median one walk "
        f"**{full['median_cpu_us']} µs**, parallel **{full['median_parallel_cpu_us']} µs**, "
        f"so at most {round(2e6 / full['median_parallel_cpu_us']):,} records/s on two "
        "cores if nothing else ran.",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--pg", default="", help="an empty PostgreSQL database URL")
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--since", type=int, default=5000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--once", action="store_true", help="one full check, printed")
    parser.add_argument("--results", default="", help="a name for the results files")
    parser.add_argument("--make-only", action="store_true", help="make the log, measure nothing")
    parser.add_argument(
        "--incremental-only", action="store_true", help="measure the incremental check alone"
    )
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    app = app_for(args.folder, args.pg)
    if args.once:
        print(json.dumps(check(app, incremental=False, processes=args.processes)))
        return
    start_load = load_average()
    made = None if args.reuse else round(make(app, args.records), 1)
    if args.make_only:
        return
    full = None if args.incremental_only else full_pairs(app, args.processes, args.rounds)
    incremental = incremental_runs(app, args.since, args.rounds)
    results = {
        "database": "postgresql" if args.pg else "sqlite",
        "records": incremental["runs"][0]["from_seq"],
        "machine": machine(),
        "load_average_start": start_load,
        "make_seconds": made,
        "full": full,
        "incremental": incremental,
    }
    name = args.results or f"verify-{results['database']}"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report(results)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
