"""The partitioned-log benchmark's tools at a tiny scale (PostgreSQL only): the data it
writes lands in its months, and every time-bounded IG query it times reads one month."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bench import partitions_bench
from tests.audit.test_partition_migration import database  # noqa: F401


def test_tiny_run_reads_one_month_per_bounded_query(database: str, tmp_path: Path) -> None:  # noqa: F811
    app = partitions_bench._app(database, tmp_path)
    end = datetime(2026, 11, 28, 12, 0)
    data = partitions_bench.generate(app, 4800, end - timedelta(days=730), end)
    assert data["partitions"] >= 25
    assert 150 < data["rows_per_month"] < 250  # 4,800 over 24 months, the ends partial
    found = partitions_bench.measure(app, 4800, 24, end, 3)
    for name, query in found.items():
        read = query["partitions_read"]
        if "no time bound" in name:
            assert len(read) == data["partitions"] + 1  # every month and the default
        elif name == "report many_people, last 7 days":
            assert read == [], read  # the summary only (audit.summary)
        elif "threshold 10" not in name:  # the log for the actors the summary names, if any
            assert len(read) == 1, (name, read)
    assert found["report many_people, last 7 days, log scan (before the summary)"][
        "partitions_read"
    ] == ["audit_event_y2026m11"]
    assert data["summary_rows"] > 0
    with app.app_context():
        from careplan.extensions import db

        db.session.remove()
        db.engine.dispose()
