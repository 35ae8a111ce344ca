"""The fault suite's stack (PostgreSQL, two gunicorn processes, haproxy), made once for
the package (the fault tests, then the restore drill), and the figures table printed at
the end of the run.

It runs only against PostgreSQL (production's database): scripts/test.sh runs it in its
PostgreSQL pass (marker `faults`); with TEST_DATABASE_URL unset it is skipped. It makes a
server of its own (the PostgreSQL restart must not touch the suite's): on a free port, or
CAREPLAN_FAULTS_PG_PORT.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audit.test_witnesses import Collector
from tests.faults import checks, harness

RUN, DRILL = checks.RUN, checks.DRILL


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Stack]:
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("the fault suite runs on PostgreSQL only (TEST_DATABASE_URL)")
    if shutil.which("haproxy") is None and not Path(harness.HAPROXY).exists():
        pytest.fail("haproxy is not installed: run scripts/setup.sh")
    checks.FIGURES.unlink(missing_ok=True)  # this run's figures only
    port = int(os.environ.get("CAREPLAN_FAULTS_PG_PORT") or harness.free_port())
    folder = tmp_path_factory.mktemp("faults")
    (folder / "syslog").mkdir()
    collector = Collector(folder / "syslog", harness.free_port())
    collector.start()
    try:
        with harness.running(folder, port, witness_port=collector.port) as running:
            running.collector = collector  # type: ignore[attr-defined]
            yield running
    finally:
        collector.stop()


@pytest.fixture
def figures() -> Iterator[list[checks.Figures]]:
    """A test appends its figures here; they are recorded and shown at the end."""
    made: list[checks.Figures] = []
    yield made
    for row in made:
        checks.record(row)
        RUN.append(row)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RUN and not DRILL:
        return
    terminalreporter.section("faults survived (figures also in build/faults/figures.json)")
    for line in checks.table(RUN) if RUN else []:
        terminalreporter.write_line(line)
    for line in DRILL:
        terminalreporter.write_line(line)
