"""gunicorn settings for production, read from the environment (README: "Running it").

    gunicorn -c config/gunicorn.conf.py 'careplan:create_app()'

Several of these processes run behind a load balancer, on one PostgreSQL database; they
keep no state of their own between requests (sessions, throttles and the audit head are in
the database). Migrations are a separate one-off step, never run here.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from typing import Any

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that takes longer than this is killed and its worker replaced; its transaction
# is rolled back by the database, so nothing half-done is kept.
timeout = int(os.environ.get("CAREPLAN_WORKER_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish before the worker stops.
graceful_timeout = int(os.environ.get("CAREPLAN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Workers are replaced now and then, so slow growth in memory never builds up.
max_requests = 5000
max_requests_jitter = 500
# X-Forwarded-* are believed only from these addresses (the load balancer's); the app's
# own ProxyFix counts CAREPLAN_PROXY_HOPS of them.
forwarded_allow_ips = os.environ.get("CAREPLAN_PROXY_IPS", "127.0.0.1")
# The access log: no query string (a search's words could name someone), and the request
# id that ties a line to its audit record.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
errorlog = "-"

# Metrics from every worker, added up by /metrics (prometheus_client's multiprocess mode).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="careplan-metrics-")


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
