"""The notification sender at 100 a second, and what the request path pays (issue 19).

    .venv/bin/python -m bench.notifications [--rate 100] [--seconds 30] [--notify-ms 50]
                                            [--pg URL] [--senders 1]

A Notify-like server on loopback (tests/notifications/notify_stub.py; each send takes
`--notify-ms`, Notify's own round trip) and the sender job as its own process(es)
(`flask --app careplan notifications send`), as in production. Meanwhile this process
plays the requests: `--rate` units of work a second, each queueing one notification with
its audit record (`outbox.queue`), as the break-glass or consent request does. It reports:

- the request side: how long a unit of work that queues one takes (p50, p95, p99, ms),
  with the sender running against the same database;
- the sender side: notifications accepted by Notify a second over the run, and how long
  each waited in the outbox (queued to accepted: p50, p95, s).

Nothing here asserts a timing. Writes bench/results/notifications-<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from careplan import create_app
from careplan.accounts.models import AccountKind, User
from careplan.agencies.models import Agency, AgencyKind, Sector
from careplan.core import unit_of_work
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.models import DeliveryStatus, Notification, NotificationDelivery
from careplan.notifications.outbox import queue
from careplan.notifications.sender import Sender
from tests.notifications.notify_stub import NotifyStub, templates_toml

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def build(folder: Path, url: str | None, key: str, notify_url: str) -> tuple[Any, dict[str, str]]:
    templates = folder / "templates.toml"
    templates.write_text(templates_toml())
    settings = {
        "CAREPLAN_INSTANCE": str(folder),
        "DATABASE_URL": url or f"sqlite:///{folder / 'bench.sqlite'}",
        "CAREPLAN_AUDIT_KEY_FILE": str(folder / "audit-key.pem"),
        "CAREPLAN_DATA_KEYS_FILE": str(folder / "data-keys.json"),
        "CAREPLAN_NOTIFY_API_KEY": key,
        "CAREPLAN_NOTIFY_BASE_URL": notify_url,
        "CAREPLAN_NOTIFY_TEMPLATES_FILE": str(templates),
        "CAREPLAN_NOTIFY_POLL_SECONDS": "1",
        "CAREPLAN_LOG_LEVEL": "INFO",
    }
    os.environ.update(settings)
    app = create_app()
    with app.app_context():
        db.drop_all()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP FUNCTION IF EXISTS audit_event_append_only CASCADE"))
            db.session.commit()
        db.create_all()
        agency = Agency(name="Bench agency", sector=Sector.STATUTORY, kind=AgencyKind.NHS)
        db.session.add(agency)
        db.session.flush()
        for n in range(200):
            db.session.add(
                User(
                    kind=AccountKind.STAFF,
                    email=f"bench{n}@example.test",
                    name=f"Bench {n}",
                    roles=["practitioner"],
                    agency_id=agency.id,
                )
            )
        db.session.commit()
    return app, settings


def _capacity(app: Any, staff: list[Any], count: int) -> dict[str, float]:
    """`count` notifications queued at once, then sent by one sender in this process with
    nothing else running (the sender processes are stopped first): its wall and CPU time
    per notification, so the figure can be read apart from a busy machine."""
    with unit_of_work.job("bench-queue"):
        for n in range(count):
            queue(
                db.session,
                NotificationKind.CARE_TEAM_ADDED,
                to_user_id=staff[n % len(staff)],
                link="/",
            )
    job = Sender(app)
    wall, cpu = time.perf_counter(), time.process_time()
    sent = 0
    try:
        while sent < count:
            counts = job.round()
            sent += counts.accepted
            if not counts.busy:
                break
    finally:
        job.pool.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "notifications": sent,
        "per_s": round(sent / wall, 1),
        "cpu_ms_per_notification": round(cpu * 1000 / max(sent, 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="notifications queued a second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--notify-ms", type=float, default=50.0, help="each send's round trip")
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (empty database)")
    parser.add_argument("--senders", type=int, default=1, help="sender processes")
    parser.add_argument(
        "--capacity", type=int, default=2000, help="then this many sent by one sender alone"
    )
    args = parser.parse_args()

    # The Notify-like server in a process of its own, as Notify is.
    stub = NotifyStub()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.notifications.notify_stub",
            stub.service_id,
            stub.secret,
            str(args.notify_ms),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = server.stdout.readline().strip()
    folder = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    app, settings = build(folder, args.pg, stub.key, url)
    env = {**os.environ, **settings}
    flask = str(Path(sys.executable).parent / "flask")
    senders = [
        subprocess.Popen([flask, "--app", "careplan", "notifications", "send"], env=env, cwd=ROOT)
        for _ in range(args.senders)
    ]
    request_ms: list[float] = []
    bare_ms: list[float] = []
    try:
        with app.app_context():
            staff = list(db.session.scalars(select(User.id)))
            total = int(args.rate * args.seconds)
            started = time.perf_counter()
            for n in range(total):
                due = started + n / args.rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                begun = time.perf_counter()
                with unit_of_work.job("bench-request"):
                    queue(
                        db.session,
                        NotificationKind.CARE_TEAM_ADDED,
                        to_user_id=staff[n % len(staff)],
                        link="/",
                    )
                request_ms.append((time.perf_counter() - begun) * 1000)
                # The same unit of work without the notification, for comparison.
                begun = time.perf_counter()
                with unit_of_work.job("bench-request"):
                    db.session.execute(select(User.id).limit(1))
                bare_ms.append((time.perf_counter() - begun) * 1000)
            queued_for = time.perf_counter() - started
            # Wait for the sender to finish what was queued (at most a minute more).
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                db.session.expire_all()
                waiting = db.session.scalar(
                    select(db.func.count())
                    .select_from(NotificationDelivery)
                    .where(NotificationDelivery.status != DeliveryStatus.SENDING)
                ) + db.session.scalar(
                    select(db.func.count())
                    .select_from(Notification)
                    .where(Notification.expanded_at.is_(None))
                )
                # End the read at once: on SQLite every transaction holds the write lock.
                db.session.rollback()
                if waiting == 0:
                    break
                time.sleep(0.2)
            rows = db.session.execute(
                select(Notification.created_at, NotificationDelivery.sent_at)
                .join(NotificationDelivery)
                .where(NotificationDelivery.sent_at.is_not(None))
            ).all()
            db.session.rollback()  # the read's transaction holds SQLite's write lock
            dialect = db.engine.dialect.name
            for process in senders:
                process.terminate()
            for process in senders:
                process.wait(timeout=30)
            capacity = _capacity(app, staff, args.capacity)
    finally:
        for process in senders:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
    waits = [(sent - created).total_seconds() for created, sent in rows]
    first = min(created for created, _ in rows)
    last = max(sent for _, sent in rows)
    result = {
        "database": dialect,
        "senders": args.senders,
        "rate_queued_per_s": args.rate,
        "queued": total,
        "queued_over_s": round(queued_for, 2),
        "notify_round_trip_ms": args.notify_ms,
        "accepted_by_notify": len(rows),
        "sender_throughput_per_s": round(len(rows) / (last - first).total_seconds(), 1),
        "outbox_wait_s": {
            "p50": round(percentile(waits, 0.50), 3),
            "p95": round(percentile(waits, 0.95), 3),
            "max": round(max(waits), 3),
        },
        "request_unit_of_work_ms": {
            "p50": round(statistics.median(request_ms), 2),
            "p95": round(percentile(request_ms, 0.95), 2),
            "p99": round(percentile(request_ms, 0.99), 2),
        },
        "same_unit_of_work_without_a_notification_ms": {
            "p50": round(statistics.median(bare_ms), 2),
            "p95": round(percentile(bare_ms, 0.95), 2),
            "p99": round(percentile(bare_ms, 0.99), 2),
        },
    }
    result["sender_alone"] = capacity
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"notifications-{dialect}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
