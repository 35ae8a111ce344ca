"""scripts/serve.sh (issue 17, set-up): it takes a port (PORT or --port), keeps the demo's
keys in the instance folder beside its database (one folder is the whole demo), and asks
setup.sh for no PostgreSQL server. Run for real: it serves the demo on a free port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.identity.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
BASH = shutil.which("bash") or "/bin/bash"
SERVE = ROOT / "scripts" / "serve.sh"


def _env(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREPLAN_", "PORT"))}
    env.pop("DATABASE_URL", None)
    return {**env, "CAREPLAN_SKIP_SYSTEM": "1", "CAREPLAN_INSTANCE": str(instance), **extra}


@pytest.mark.parametrize("args", [["--port", "http"], ["--port", "70000"], ["--port"], ["-x"]])
def test_a_bad_port_is_refused_before_anything_runs(tmp_path, args):
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [BASH, str(SERVE), *args],
        env=_env(tmp_path / "i"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "port" in done.stderr or "usage" in done.stderr
    assert not (tmp_path / "i").exists()


def test_setup_is_asked_for_no_postgresql_server():
    assert "scripts/setup.sh --no-browser --no-postgres" in SERVE.read_text()
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    # The servers only the tests start are installed only when PostgreSQL is wanted.
    gated = setup.split('if [ "$want_postgres" = 1 ]; then', 1)[1].split("fi", 1)[0]
    for server in ("missing+=(postgresql)", "missing+=(rsyslog)", "missing+=(haproxy)"):
        assert server in gated
        assert setup.count(server) == 1


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_it_serves_the_demo_on_the_port_given_with_its_keys_in_the_folder(tmp_path, how):
    port = free_port()
    instance = tmp_path / "demo"
    args = ["--port", str(port)] if how == "flag" else []
    extra = {"PORT": str(port)} if how == "environment" else {}
    server = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [BASH, str(SERVE), *args],
        env=_env(instance, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline, answer = time.monotonic() + 180, None
        while time.monotonic() < deadline and answer is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    answer = r.status
            except OSError:
                assert server.poll() is None, "serve.sh stopped"
                time.sleep(0.5)
        assert answer == 200
        assert (instance / "careplan.sqlite").exists()
        assert (instance / "audit-signing-key.pem").exists()
        assert (instance / "data-keys.json").exists()
        assert oct((instance / "audit-signing-key.pem").stat().st_mode & 0o777) == "0o600"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
