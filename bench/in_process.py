"""What the in-process list benchmarks share (bench.directory, bench.referrals): an app on
a fresh database of its own, a route timed through the test client, each database in turn,
and the results written as JSON and a Markdown table.

Times are wall-clock milliseconds in one process: token, policy, audit record, query and
presentation, without HTTP or a server's workers (bench.load measures those).
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

RESULTS = Path(__file__).resolve().parent / "results"
WARM_UP = 10  # requests before timing: the first ones build caches and prepare statements


def use_database(url: str, folder: Path) -> None:
    """Point the app about to be made (`careplan.create_app()`) at `url`, with an instance
    folder and fresh keys under `folder`."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "CAREPLAN_INSTANCE": str(folder / "instance"),
            "CAREPLAN_AUDIT_KEY_FILE": str(folder / "keys" / "audit.pem"),
            "CAREPLAN_DATA_KEYS_FILE": str(folder / "keys" / "data-keys.json"),
            "SECRET_KEY": secrets.token_urlsafe(32),
        }
    )


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1-99) of `values`, in their unit, to two places."""
    return round(statistics.quantiles(values, n=100)[q - 1], 2)


def timed(client: Any, path: str, headers: dict[str, str], repeats: int) -> tuple[dict, Any]:
    """GET `path(i)` for i in range(repeats), after a warm-up: ({p50_ms, p95_ms, runs},
    the last answer). Raises AssertionError on any answer but 200."""
    for i in range(WARM_UP):
        client.get(path(i), headers=headers)
    times = []
    answer = None
    for i in range(repeats):
        start = time.perf_counter()
        answer = client.get(path(i), headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.get_json()
    return {
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "runs": repeats,
    }, answer


def on_each_database(
    name: str, measure: Callable[[str, Path], dict[str, Any]], pg: str | None
) -> dict[str, dict[str, Any]]:
    """`measure(url, folder)` on a fresh SQLite file, then on `pg` if given (its public
    schema is dropped and made again first: give it a database of its own)."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = measure(f"sqlite:///{tmp}/{name}.sqlite", Path(tmp))
    if pg:
        engine = create_engine(pg)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            out["postgresql"] = measure(pg, Path(tmp))
    return out


def write(name: str, out: dict[str, Any], lines: list[str]) -> None:
    """bench/results/`name`.json (the figures) and .md (`lines`), and print the table."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text("\n".join(lines))
    print("\n".join(lines))
