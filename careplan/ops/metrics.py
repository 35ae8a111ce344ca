"""Metrics for operators in the Prometheus text format (prometheus_client).

What is counted, never who: requests by route template (`/api/v1/people/<uuid:person_id>/
plan`, never an id), method and status; latency; audit records written by outcome; access
refusals by reason; the audit witnesses' lag, the notification outbox's depth and (on
PostgreSQL) the audit log's month partitions, read from the database at each scrape.
Under gunicorn each worker writes its numbers to `PROMETHEUS_MULTIPROC_DIR`
(config/gunicorn.conf.py sets it up) and `/metrics` adds them up; in one process they
are kept in memory.

`/metrics` answers only a bearer token equal to `CAREPLAN_METRICS_TOKEN` (Prometheus sends
it with `authorization: {credentials: ...}`); with no token configured it answers 404.
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from audit import log as audit_log
from audit import partitions, witnesses
from careplan.access.pipeline import public
from careplan.core import clock, unit_of_work, unproxied
from careplan.core.database import reading
from careplan.core.errors import NotFound
from careplan.notifications import queries as notification_queries

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("careplan_requests_total", "Requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "careplan_request_seconds",
    "Time from the request's start to its answer",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AUDIT_RECORDS = Counter("careplan_audit_records_total", "Audit records committed", ["outcome"])
REFUSALS = Counter(
    "careplan_access_refusals_total", "Refused access attempts, by the policy's reason", ["reason"]
)


def _route(asked: Request) -> str:
    rule = asked.url_rule
    return rule.rule if rule is not None else "unmatched"


def _started() -> None:
    unproxied.namespace().metrics_started = time.perf_counter()


def _answered(response: Response) -> Response:
    started = unproxied.namespace().pop("metrics_started", None)
    asked = unproxied.request()
    route, method = _route(asked), asked.method
    REQUESTS.labels(route, method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
    return response


def _count_audit(session: Any, error_code: str | None) -> None:
    """A commit hook run before the audit log's own: what this unit of work records."""
    for event in audit_log.pending(unproxied.namespace()):
        outcome = str(event.get("outcome", ""))
        AUDIT_RECORDS.labels(outcome).inc()
        if outcome == "deny" and event.get("reason"):
            REFUSALS.labels(str(event["reason"])[:40]).inc()


@bp.get("/metrics")
@public
def metrics() -> Response:
    expected = current_app.config.get("METRICS_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    if not expected or not hmac.compare_digest(sent.encode(), f"Bearer {expected}".encode()):
        raise NotFound()
    registry: Any = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry) if registry is not None else generate_latest()
    body += generate_latest(_witness_registry())
    body += generate_latest(_outbox_registry())
    body += generate_latest(_partition_registry())
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class _WitnessLag:
    """The audit witnesses' lag, read from the database at each scrape (the same for
    every worker, so not a per-process gauge)."""

    def __init__(self, lags: list[dict[str, Any]]) -> None:
        self.lags = lags

    def collect(self) -> Any:
        records = GaugeMetricFamily(
            "careplan_audit_witness_behind_records",
            "Audit records not yet given to the witness",
            labels=["witness", "kind"],
        )
        seconds = GaugeMetricFamily(
            "careplan_audit_witness_behind_seconds",
            "Age of the oldest audit record not yet given to the witness (0: none)",
            labels=["witness", "kind"],
        )
        failing = GaugeMetricFamily(
            "careplan_audit_witness_failing",
            "1 while the witness cannot be reached",
            labels=["witness", "kind"],
        )
        for lag in self.lags:
            labels = [lag["name"], lag["kind"]]
            records.add_metric(labels, lag["behind"])
            seconds.add_metric(labels, lag["behind_seconds"])
            failing.add_metric(labels, 1 if lag["failing_since"] else 0)
        yield from (records, seconds, failing)


def _witness_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    deliverer = current_app.extensions.get("careplan.witnesses")
    if deliverer is not None and deliverer.witnesses:
        with reading() as connection:
            lags = witnesses.lag(connection, deliverer.witnesses, clock.now())
        registry.register(_WitnessLag(lags))
    return registry


class _OutboxDepth:
    """The notification outbox, read from the database at each scrape: deliveries by
    status, and how long the oldest one still to send has waited (alert when it grows:
    the sender has stopped or GOV.UK Notify is refusing)."""

    def __init__(self, depth: dict[str, Any]) -> None:
        self.depth = depth

    def collect(self) -> Any:
        by_status = GaugeMetricFamily(
            "careplan_notification_deliveries",
            "Notification deliveries (email, text) by status",
            labels=["status"],
        )
        for status, count in self.depth["by_status"].items():
            by_status.add_metric([status], count)
        outbox = GaugeMetricFamily(
            "careplan_notification_outbox",
            "Notifications queued and not yet made into deliveries by the sender",
        )
        outbox.add_metric([], self.depth["not_expanded"])
        oldest = GaugeMetricFamily(
            "careplan_notification_oldest_waiting_seconds",
            "Age of the oldest notification or delivery still to be sent (0: none waiting)",
        )
        oldest.add_metric([], self.depth["oldest_waiting_seconds"])
        yield from (outbox, by_status, oldest)


def _outbox_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    with reading() as connection:
        registry.register(_OutboxDepth(notification_queries.outbox_depth(connection, clock.now())))
    return registry


class _Partitions:
    """The audit log's month partitions (PostgreSQL, audit.partitions), read at each
    scrape: records in the DEFAULT partition (alert above 0: a month had no partition;
    `flask audit partitions` moves them) and months made ahead of this one (alert at 0:
    the scheduled job has stopped)."""

    def __init__(self, stranded: int, ahead: int) -> None:
        self.stranded, self.ahead = stranded, ahead

    def collect(self) -> Any:
        stranded = GaugeMetricFamily(
            "careplan_audit_default_partition_records",
            "Audit records in the DEFAULT partition (their month had no partition)",
        )
        stranded.add_metric([], self.stranded)
        ahead = GaugeMetricFamily(
            "careplan_audit_partition_months_ahead",
            "Months after this one that already have an audit log partition",
        )
        ahead.add_metric([], self.ahead)
        yield from (stranded, ahead)


def _partition_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    with reading() as connection:
        if partitions.is_partitioned(connection):
            now = clock.now()
            ahead = sum(
                1
                for p in partitions.listing(connection)
                if (p.year, p.month) > (now.year, now.month)
            )
            registry.register(_Partitions(partitions.default_rows(connection), ahead))
    return registry


def init_app(app: Flask) -> None:
    """Time every request (registered first, so its after_request runs last) and count
    what each unit of work records (a commit hook ahead of the audit log's)."""
    app.before_request(_started)
    app.after_request(_answered)
    unit_of_work.add_commit_hook(app, _count_audit)
