"""Faults survived (issue 21), each under a mixed read/write load through haproxy in front
of two gunicorn processes (config/gunicorn.conf.py) on one PostgreSQL server.

Each ends with the same checks (tests/faults/checks.py): every write answered 2xx is in
the database as its version with its audit record; no write is half-written; the audit
chain is intact, with no fork or gap; and the service answers again through the load
balancer. The figures (sent, answered, failed cleanly, lost) go to
build/faults/figures.json and the run's summary.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults import checks
from tests.faults.harness import Load, Sent, Stack, flask, request

BEFORE, AFTER = 2.0, 3.0  # seconds of load either side of the fault

pytestmark = pytest.mark.faults


def under_load(
    stack: Stack, fault: str, act: Callable[[Load], Any], after: float = AFTER
) -> tuple[checks.Figures, Any]:
    """Load for BEFORE seconds, `act(load)`, load for `after` seconds; then the service
    must answer again, and the checks run. Returns the figures and what `act` returned."""
    load = stack.load()
    started = time.monotonic()
    load.start()
    try:
        time.sleep(BEFORE)
        acted = act(load)
        time.sleep(after)
    finally:
        log = load.finish()
    answers_again(stack)
    figures = checks.check(stack.app(), stack.people, fault, log, time.monotonic() - started)
    assert figures.problems == [], figures.problems
    assert figures.lost == 0
    assert figures.unclean == 0
    assert figures.audit_chain_ok
    assert figures.writes_accepted > 0, "the load wrote nothing: the run proves nothing"
    return figures, acted


def answers_again(stack: Stack) -> None:
    """Every app process is UP at the balancer, which answers /readyz and takes a write."""
    assert stack.balancer is not None
    stack.balancer.wait_servers("UP", [b.name for b in stack.backends])
    status, _, _ = request(stack.port, "GET", "/readyz")
    assert status == 200
    probe = stack.load(0)
    sent = probe.add_entry(stack.people[0], f"probe-{uuid.uuid4().hex[:8]}")
    assert (sent.status, sent.source) == (201, "app")


def slow_write(stack: Stack, load: Load, seconds: float) -> tuple[threading.Thread, list, int]:
    """A dated entry that sleeps `seconds` inside its transaction (tests/faults/
    faulty_app.py); returns its thread, where its result will be, and the worker's pid."""
    rid, out = uuid.uuid4().hex, []
    marker = f"slow-{rid[:8]}"

    def send() -> None:
        out.append(load.add_entry(stack.people[1], marker, fault=f"slow:{seconds}", rid=rid))

    thread = threading.Thread(target=send)
    thread.start()
    return thread, out, stack.wait_for_pid_file(rid)


def test_a_worker_killed_with_sigkill_mid_request(stack: Stack, figures: list) -> None:
    def act(load: Load) -> dict[str, Any]:
        thread, out, pid = slow_write(stack, load, 5)
        backend = stack.backend_of(pid)
        os.kill(pid, signal.SIGKILL)
        thread.join(30)
        # Its master starts a new worker in its place.
        deadline = time.monotonic() + 60
        while pid in backend.workers() or len(backend.workers()) < 2:
            assert time.monotonic() < deadline, "no worker replaced the killed one"
            time.sleep(0.1)
        return {"killed": out[0]}

    result, acted = under_load(stack, "worker SIGKILL mid-request", act)
    killed: Sent = acted["killed"]
    # The request died with its worker: the balancer says so, and nothing of it was kept
    # (the checks found no half-written write and no entry for an unanswered one).
    assert (killed.status, killed.source) == (502, "balancer")
    assert result.writes_committed_unanswered == 0
    figures.append(result)


def test_an_app_process_killed_with_sigkill_and_restarted(stack: Stack, figures: list) -> None:
    def act(load: Load) -> None:
        backend = stack.backends[0]
        workers = backend.workers()
        backend.signal(signal.SIGKILL)
        backend.wait_exit(10)
        # Its orphaned workers notice their master has gone and leave; meanwhile and
        # after, the balancer sends everything to the other process.
        assert stack.balancer is not None
        stack.balancer.wait_servers("DOWN", [backend.name], 60)
        for pid in workers:  # any worker still finishing is ended like its master
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(1)
        # The supervisor (systemd, the container platform) starts it again.
        backend.start()
        backend.wait_ready()

    result, _ = under_load(stack, "app process SIGKILL, restarted", act)
    figures.append(result)


def stop_gracefully(stack: Stack, drain: bool) -> dict[str, Any]:
    """SIGTERM to the process holding a slow request, after draining it at the balancer
    or not; then it is started again and taken back."""
    assert stack.balancer is not None
    load = stack.load(0)
    thread, out, pid = slow_write(stack, load, 3)
    backend = stack.backend_of(pid)
    if drain:
        stack.balancer.drain(backend.name, leave=1)
    backend.signal(signal.SIGTERM)
    thread.join(30)
    code = backend.wait_exit(30)
    backend.start()
    backend.wait_ready()
    stack.balancer.ready(backend.name)
    return {"in_flight": out[0], "exit": code}


def test_an_app_process_drained_then_stopped_gracefully(stack: Stack, figures: list) -> None:
    # The operator's procedure (docs/operating.md): drain at the balancer, then SIGTERM.
    result, acted = under_load(
        stack, "app process drained + SIGTERM", lambda load: stop_gracefully(stack, True)
    )
    # The request in flight when the stop began was finished and kept, the process left
    # cleanly, and no request failed: none was queued at the process as it closed.
    assert (acted["in_flight"].status, acted["in_flight"].source) == (201, "app")
    assert acted["exit"] == 0
    assert result.failed_cleanly == 0
    figures.append(result)


def test_an_app_process_stopped_with_sigterm_without_draining(stack: Stack, figures: list) -> None:
    result, acted = under_load(
        stack, "app process SIGTERM, not drained", lambda load: stop_gracefully(stack, False)
    )
    # In-flight requests finish; requests queued at its socket as it closed are answered
    # 502 by the balancer (failed cleanly: the checks found none of them kept).
    assert (acted["in_flight"].status, acted["in_flight"].source) == (201, "app")
    assert acted["exit"] == 0
    figures.append(result)


def test_postgresql_restarted_under_load(stack: Stack, figures: list) -> None:
    workers = {b.name: (b.pid, sorted(b.workers())) for b in stack.backends}

    def act(load: Load) -> int:
        before = len(load.log)
        stack.pg.restart("fast")
        return before

    result, _ = under_load(stack, "PostgreSQL fast restart", act, after=5)
    # It recovered without restarting the app: the same processes answer.
    assert {b.name: (b.pid, sorted(b.workers())) for b in stack.backends} == workers
    figures.append(result)


def test_a_transaction_that_dies_between_the_action_and_its_audit_record(
    stack: Stack, figures: list
) -> None:
    def act(load: Load) -> list[Sent]:
        sent = []
        for fault in ("before-audit", "after-audit", "drop-connection"):
            for n, person in enumerate(stack.people[:2]):
                marker = f"{fault}-{n}-{uuid.uuid4().hex[:6]}"
                written = load.write_section(person, marker, fault=fault)
                if written is not None:
                    sent.append(written)
                sent.append(load.add_entry(person, f"{marker}-e", fault=fault))
        return sent

    result, injected = under_load(stack, "transaction dies before its audit record", act)
    # Each was refused with the designed 503 and left nothing: the checks found neither
    # the action nor an audit record of it (a section write that lost the race to another
    # client is a 412 before it reached the fault).
    assert len(injected) >= 9
    for sent in injected:
        assert sent.source == "app"
        assert (sent.status, sent.error) in {(503, "not_recorded"), (412, "precondition_failed")}
    assert sum(1 for s in injected if s.status == 503) >= 6
    figures.append(result)


def _witnessed_seq(stack: Stack) -> int:
    """The newest head the syslog collector has received (0: none)."""
    heads = stack.collector.heads()  # type: ignore[attr-defined]
    return max((int(h.get("seq", 0)) for h in heads), default=0)


def test_the_audit_witness_unreachable_for_a_while_then_back(stack: Stack, figures: list) -> None:
    """The syslog witness goes away under load: no request waits or fails for it, the
    service stays ready (the lag is within its limit), and once the collector is back the
    witness catches up to the head, so `audit verify` with its file is intact."""
    collector = stack.collector  # type: ignore[attr-defined]
    readiness: list[int] = []

    def act(load: Load) -> None:
        collector.stop()
        for _ in range(8):  # four seconds unreachable, readiness asked throughout
            readiness.append(request(stack.port, "GET", "/readyz")[0])
            time.sleep(0.5)
        collector.start()

    found, _ = under_load(stack, "audit witness unreachable, then back", act)
    figures.append(found)
    assert found.failed_cleanly == 0, found.failed_by  # nobody waited on the witness
    assert set(readiness) == {200}
    head = int(stack.pg.query("SELECT seq FROM audit_head WHERE id = 1"))
    deadline = time.monotonic() + 30
    while _witnessed_seq(stack) < head and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _witnessed_seq(stack) >= head, "the witness did not catch up once it was back"
    verified = flask(stack.env, "audit", "verify", "--witness", str(collector.output))
    assert verified.returncode == 0, verified.stdout + verified.stderr
