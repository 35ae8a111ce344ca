"""CPU a record of one walk of a PostgreSQL log's segment, the ways the checked-out code
has, in turns (issue 18: bench/results/verify-pg-speed.md).

    .venv/bin/python -m bench.pg_walk_cost --pg URL [--records 250000] [--rounds 3]

The log is one `bench.verify_bench` made (`--make-only`). Records 1 to --records are
walked as a worker walks a segment (audit.segments.walk, no signatures to check), in this
process, record by record (rows(), what PostgreSQL did before the split path) and, when
audit.segments.FAST_SQL has a PostgreSQL entry, the fast way, in turns for --rounds
rounds. For each: the client's CPU (time.process_time), its backend's CPU (from /proc,
user + system), µs a record, and how many batches had to be read again record by record
(0 on an intact log when the fast way works). Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit import segments


def _backend_seconds(pid: int) -> float:
    """User + system CPU seconds of the PostgreSQL backend `pid` (a local server)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def walk_cost(url: str, records: int, fast: bool) -> dict[str, Any]:
    """One walk of records 1 to `records`: the fast way (`fast`) or record by record.
    Returns client and server µs a record, seconds and the re-read batches."""
    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        start = connection.execute("SELECT prev_hash FROM audit_event WHERE seq = 1").fetchone()
        connection.rollback()
        key = Ed25519PrivateKey.generate().public_key()  # no checkpoints: never used
        segment = segments.Segment(0, start[0], records)
        reread = []
        original = segments._Walk.check_rows

        def counted(self: Any, rows: Any) -> Any:
            reread.append(self.expected)
            return original(self, rows)

        segments._Walk.check_rows = counted  # type: ignore[method-assign]
        dialect = "postgresql" if fast else None
        try:
            client, server, wall = time.process_time(), _backend_seconds(pid), time.perf_counter()
            result = segments.walk(connection, key, segment, "%s", dialect)
            client = time.process_time() - client
            server = _backend_seconds(pid) - server
            wall = time.perf_counter() - wall
        finally:
            segments._Walk.check_rows = original  # type: ignore[method-assign]
        connection.rollback()
    finally:
        connection.close()
    if result.problem is not None or result.last != records:
        raise RuntimeError(f"the log is not intact: {result}")
    # One record-by-record pass over the whole segment is the reference itself.
    batches_reread = len(reread) if fast else 0
    return {
        "way": "fast" if fast else "record by record",
        "client_us": round(1e6 * client / records, 2),
        "server_us": round(1e6 * server / records, 2),
        "total_us": round(1e6 * (client + server) / records, 2),
        "seconds": round(wall, 2),
        "batches_reread": batches_reread,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", required=True, help="the bench log's PostgreSQL URL")
    parser.add_argument("--records", type=int, default=250_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ways = [False, True] if "postgresql" in segments.FAST_SQL else [False]
    runs = []
    for i in range(args.rounds):
        for fast in ways if i % 2 == 0 else ways[::-1]:
            run = walk_cost(args.pg, args.records, fast)
            run["load_average"] = os.getloadavg()[0]
            runs.append(run)
            print(json.dumps(run), flush=True)


if __name__ == "__main__":
    main()
