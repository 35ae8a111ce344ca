"""The witnessed tail (issue 18): each committed head and checkpoint is written outside the
database, so cutting the newest records, deleting the last checkpoint or editing a
witness is found; a witness that is behind is reported as behind; a witness that is
down costs the user nothing and catches up. The syslog witness is a real rsyslogd on a
loopback port, started here with its own configuration, pid file and output file."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from audit import writer
from audit.actions import AuditAction, Outcome
from audit.log import build
from audit.models import AuditHead, WitnessState
from careplan.config import load_config
from careplan.extensions import db
from tests.api.scene import build_scene
from tests.audit.test_chain import _as_attacker

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """rsyslogd receiving RFC 5424 over TCP on 127.0.0.1:`port`, writing each message
    as received to `output`."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.output = folder / "collected.log"
        self.pidfile = folder / "rsyslogd.pid"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        config = self.folder / "rsyslog.conf"
        config.write_text(
            f'global(workDirectory="{self.folder}")\n'
            'module(load="imtcp")\n'
            'template(name="raw" type="string" string="%rawmsg%\\n")\n'
            'ruleset(name="witness") {\n'
            f'  action(type="omfile" file="{self.output}" template="raw" '
            'flushOnTXEnd="on" asyncWriting="off")\n'
            "}\n"
            f'input(type="imtcp" port="{self.port}" address="127.0.0.1" ruleset="witness")\n'
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [RSYSLOGD, "-n", "-f", str(config), "-i", str(self.pidfile)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("rsyslogd did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
        self.process = None

    def heads(self) -> list[dict]:
        if not self.output.exists():
            return []
        return [
            json.loads(line[line.index("{") :]) for line in self.output.read_text().splitlines()
        ]


@pytest.fixture
def collector(tmp_path: Path):
    folder = tmp_path / "syslog"
    folder.mkdir()
    running = Collector(folder, free_port())
    yield running
    running.stop()


@pytest.fixture
def witness_file(tmp_path: Path) -> Path:
    return tmp_path / "elsewhere" / "witness.log"


@pytest.fixture
def app_config(witness_file: Path, collector: Collector) -> dict:
    return {
        "AUDIT_WITNESSES": f"file:{witness_file},syslog://127.0.0.1:{collector.port}",
        "AUDIT_WITNESS_RETRY_SECONDS": 1,
        "AUDIT_WITNESS_TIMEOUT_SECONDS": 1,
    }


def deliverer(app):
    return app.extensions["careplan.witnesses"]


@pytest.fixture(autouse=True)
def _stop_delivery(app):
    """The delivery thread ends before the app's engine is disposed (its connections
    returned, not left for the garbage collector)."""
    yield
    deliverer(app).stop(2)


def views(api, scene, n: int) -> None:
    for _ in range(n):
        assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 200


def head_seq() -> int:
    db.session.rollback()
    return db.session.execute(select(AuditHead.seq)).scalar()


def file_heads(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


@pytest.fixture
def every_three(app):
    policy = app.extensions["careplan.checkpoints"]
    app.extensions["careplan.checkpoints"] = dataclasses.replace(policy, every=3, seconds=3600)
    return app


def test_each_commit_reaches_both_witnesses_and_verify_uses_them(
    every_three, api, world, witness_file, collector
):
    collector.start()
    scene = build_scene(world)
    views(api, scene, 5)
    assert deliverer(every_three).flush(10)
    newest = head_seq()
    written = file_heads(witness_file)
    assert max(e["seq"] for e in written) == newest
    assert {e["kind"] for e in written} == {"head", "checkpoint"}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and max([0] + [e["seq"] for e in collector.heads()]) < newest:
        time.sleep(0.05)
    assert max(e["seq"] for e in collector.heads()) == newest
    # The collector's file holds RFC 5424 messages of ours, with their structured data.
    first = collector.output.read_text().splitlines()[0]
    assert first.startswith("<109>1 ")
    assert " careplan " in first
    assert "[careplanAudit@32473 " in first

    result = cli(every_three, "--witness", str(collector.output))
    assert result.exit_code == 0, result.output
    assert "Audit log intact" in result.output
    assert result.output.count("present and unchanged") == 2


def test_heads_committed_close_together_are_witnessed_in_one_round(
    app, api, world, witness_file, collector, monkeypatch
):
    """Under load a worker commits every few milliseconds: after a round, the heads of the
    next `GATHER` seconds go in one round (one signed head, the newest: it proves every
    record before it), not one round each. The first head after a quiet spell goes at
    once, and flush does not wait for the gathering to end."""
    collector.start()
    scene = build_scene(world)
    monkeypatch.setattr(deliverer(app), "GATHER", 30.0)
    views(api, scene, 1)
    first = head_seq()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (
        witness_file.exists() and any(e["seq"] == first for e in file_heads(witness_file))
    ):
        time.sleep(0.05)
    heads = [e for e in file_heads(witness_file) if e["kind"] == "head"]
    assert heads[-1]["seq"] == first  # at once, not after the gathering time
    views(api, scene, 3)
    started = time.monotonic()
    assert deliverer(app).flush(10)
    assert time.monotonic() - started < 10
    newest = head_seq()
    later = [e for e in file_heads(witness_file) if e["kind"] == "head"][len(heads) :]
    assert [e["seq"] for e in later] == [newest]  # three commits, one round
    assert cli(app).exit_code == 0


def test_deleting_the_newest_record_is_found_by_default(app, api, world, witness_file, collector):
    """The newest records are after the last checkpoint: without a witness, verification
    could not tell. `audit verify` with no options reads the configured file witness."""
    collector.start()
    scene = build_scene(world)
    views(api, scene, 3)
    assert deliverer(app).flush(10)
    newest = head_seq()
    assert cli(app).exit_code == 0
    _as_attacker(
        f"DELETE FROM audit_event WHERE seq = {newest}",
        f"UPDATE audit_head SET seq = {newest - 1}, "
        f"hash = (SELECT hash FROM audit_event WHERE seq = {newest - 1})",
    )
    result = cli(app)
    assert result.exit_code == 1
    assert f"first bad record is {newest}" in result.output
    assert "witnessed but are missing from the end" in result.output
    # The collector's copy says the same.
    result = cli(app, "--witness", str(collector.output))
    assert result.exit_code == 1


def test_deleting_the_last_checkpoint_is_found(every_three, api, world, witness_file, collector):
    collector.start()
    scene = build_scene(world)
    views(api, scene, 4)
    assert deliverer(every_three).flush(10)
    last = db.session.execute(
        select(db.func.max(db.text("seq"))).select_from(db.table("audit_checkpoint"))
    ).scalar()
    _as_attacker(f"DELETE FROM audit_checkpoint WHERE seq = {last}")
    result = cli(every_three)
    assert result.exit_code == 1
    assert f"checkpoint at record {last} is missing from the database" in result.output


@pytest.mark.parametrize("edit", ["hash", "seq", "garbage"])
def test_an_edited_witness_file_is_found(app, api, world, witness_file, collector, edit):
    collector.start()
    scene = build_scene(world)
    views(api, scene, 3)
    assert deliverer(app).flush(10)
    lines = witness_file.read_text().splitlines()
    entry = json.loads(lines[0])
    if edit == "hash":
        entry["hash"] = "f" * 64
        lines[0] = json.dumps(entry)
    elif edit == "seq":
        entry["seq"] += 1000  # a head made to look newer: a forged cut
        lines[0] = json.dumps(entry)
    else:
        lines[0] = "not an entry"
    witness_file.write_text("\n".join(lines) + "\n")
    result = cli(app)
    assert result.exit_code == 1
    assert "line 1 of the witness" in result.output


def test_a_witness_behind_is_reported_as_behind(app, api, world, witness_file, collector):
    collector.start()
    scene = build_scene(world)
    views(api, scene, 2)
    assert deliverer(app).flush(10)
    witnessed = head_seq()
    # Records committed without reaching the witness yet (as a process would between its
    # commit and its delivery).
    writer.append(db.session, [build(AuditAction.AUDIT_SEARCH, Outcome.PERMIT) for _ in range(4)])
    db.session.commit()
    result = cli(app)
    assert result.exit_code == 0, result.output
    assert f"every record up to {witnessed} present and unchanged; behind by 4 records" in (
        result.output
    )


def test_truncating_the_witness_is_not_mistaken_for_lag(app, api, world, witness_file, collector):
    """Entries the database says the witness was given, gone from it: the witness was cut."""
    collector.start()
    scene = build_scene(world)
    views(api, scene, 3)
    assert deliverer(app).flush(10)
    lines = witness_file.read_text().splitlines()
    witness_file.write_text(lines[0] + "\n")
    result = cli(app)
    assert result.exit_code == 1
    assert "holds less than it was given" in result.output


def test_a_witness_down_costs_nothing_and_catches_up(app, api, world, witness_file, collector):
    scene = build_scene(world)  # the collector is not running yet
    views(api, scene, 3)  # every request answered
    deliverer(app).flush(3)
    db.session.rollback()
    states = {s.name: s for s in db.session.scalars(select(WitnessState))}
    syslog = states[f"syslog://127.0.0.1:{collector.port}"]
    assert syslog.failing_since is not None
    assert syslog.last_error == "ConnectionRefusedError"
    head = api.get(scene.ig, "/audit/head")
    assert head.status_code == 200
    by_kind = {w["kind"]: w for w in head.get_json()["witnesses"]}
    assert by_kind["syslog"]["behind"] >= 3
    assert by_kind["syslog"]["failing_since"]
    assert by_kind["file"]["behind"] <= 1  # only the /audit/head record itself, maybe

    collector.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        db.session.rollback()
        state = db.session.get(WitnessState, f"syslog://127.0.0.1:{collector.port}")
        if state.failing_since is None and state.delivered_seq >= head_seq() - 1:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the syslog witness did not catch up")
    assert max(e["seq"] for e in collector.heads()) >= head_seq() - 1
    assert cli(app, "--witness", str(collector.output)).exit_code == 0


def test_head_is_signed_and_for_ig_officers_only(app, api, world, collector):
    collector.start()
    scene = build_scene(world)
    views(api, scene, 1)
    response = api.get(scene.ig, "/audit/head")
    assert response.status_code == 200
    body = response.get_json()
    from datetime import datetime

    from audit.signing import verify_signature
    from audit.witnesses import head_message

    public = app.extensions["careplan.checkpoints"].signer.public
    message = head_message(body["seq"], body["hash"], datetime.fromisoformat(body["signed_at"]))
    assert verify_signature(public, body["signature"], message)
    assert {w["kind"] for w in body["witnesses"]} == {"file", "syslog"}
    recorded = [e for e in world.audit() if e.action == "audithead.view"]
    assert recorded
    assert recorded[-1].outcome == "permit"
    for who in (scene.key_worker, scene.admin, scene.individual):
        assert api.get(who, "/audit/head").status_code == 403
    assert [e.outcome for e in world.audit() if e.action == "audithead.view"][-3:] == ["deny"] * 3


def test_readiness_and_metrics_say_how_far_behind(app, api, world, collector, monkeypatch):
    scene = build_scene(world)  # collector down
    views(api, scene, 2)
    deliverer(app).flush(3)
    app.config["AUDIT_WITNESS_MAX_LAG_SECONDS"] = 0  # 0: the check is off
    assert app.test_client().get("/readyz").get_json()["checks"]["audit_witness"] == "ok"
    app.config["AUDIT_WITNESS_MAX_LAG_SECONDS"] = 3600
    assert app.test_client().get("/readyz").get_json()["checks"]["audit_witness"] == "ok"
    app.config["AUDIT_WITNESS_MAX_LAG_SECONDS"] = 1
    time.sleep(2.1)  # the oldest unwitnessed record is now over a second old
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["audit_witness"] == "behind"
    app.config["METRICS_TOKEN"] = "t0ken"
    metrics = app.test_client().get("/metrics", headers={"Authorization": "Bearer t0ken"})
    text = metrics.get_data(as_text=True)
    line = [
        ln
        for ln in text.splitlines()
        if ln.startswith("careplan_audit_witness_behind_records{") and 'kind="syslog"' in ln
    ]
    assert line
    assert float(line[0].split()[-1]) >= 2


def test_default_installation_has_a_file_witness_beside_the_key(tmp_path):
    config = load_config(
        {"INSTANCE_PATH": str(tmp_path), "AUDIT_KEY_FILE": str(tmp_path / "keys" / "k.pem")},
        environ={},
    )
    assert config["AUDIT_WITNESSES"] == f"file:{tmp_path / 'keys' / 'audit-witness.log'}"
    none = load_config({"INSTANCE_PATH": str(tmp_path), "AUDIT_WITNESSES": "none"}, environ={})
    assert none["AUDIT_WITNESSES"] == "none"


@pytest.mark.parametrize(
    "setting", ["file:", "syslog://nohost", "syslog://h:99999", "http://x", "file:/a,file:/a"]
)
def test_a_wrong_witness_setting_stops_the_start(setting, tmp_path):
    from careplan import create_app
    from careplan.config import ConfigError

    with pytest.raises(ConfigError):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "AUDIT_KEY_FILE": str(tmp_path / "k.pem"),
                "DATA_KEYS_FILE": str(tmp_path / "d.json"),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                "AUDIT_WITNESSES": setting,
            }
        )


def test_several_processes_append_whole_lines(tmp_path):
    """Four processes appending to one file witness at once: every line whole."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from audit.witnesses import FileWitness\n"
        "w = FileWitness('f', Path(sys.argv[1]))\n"
        "for i in range(300):\n"
        "    w.write([{'kind': 'head', 'seq': i + 1, 'hash': 'a' * 64, 'signed_at': 'x' * 26,"
        " 'key_id': 'k' * 16, 'signature': 's' * 88}])\n"
    )
    target = tmp_path / "w.log"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [sys.executable, "-c", script, str(target)]
    procs = [subprocess.Popen(command, env=env) for _ in range(4)]  # noqa: S603
    assert all(p.wait(60) == 0 for p in procs)
    lines = target.read_text().splitlines()
    assert len(lines) == 1200
    assert all(json.loads(line)["kind"] == "head" for line in lines)


def test_disposing_the_engine_ends_delivery_and_leaves_no_connection_open(
    app, api, world, witness_file, collector
):
    """An app torn down (its engine disposed) while a witness is down: the delivery
    thread ends instead of waking later to open a connection in a pool nobody closes
    (psycopg warned of it, garbage-collected open, at random in later tests). The next
    commit starts it again."""
    scene = build_scene(world)  # the collector is not running: the thread keeps retrying
    views(api, scene, 2)
    deliverer(app).flush(3)  # the file witness is given them; syslog waits for retries
    thread = deliverer(app)._thread
    plan, signed_in = f"/people/{scene.person.id}/plan", api.headers(scene.key_worker)
    assert thread is not None
    assert thread.is_alive()
    engine = db.engine
    db.session.remove()
    engine.dispose()
    assert not thread.is_alive()
    time.sleep(1.5)  # longer than the retry interval: nothing wakes up
    assert (engine.pool.checkedin(), engine.pool.checkedout()) == (0, 0)
    before = len(file_heads(witness_file))
    assert api.get(None, plan, headers=signed_in).status_code == 200
    deliverer(app).flush(3)
    assert len(file_heads(witness_file)) > before


def test_progress_saved_at_once_by_several_processes_never_goes_back(app):
    """Workers save a witness's progress at the same moment, each its own position (on
    PostgreSQL, two inserts of a new row collided and a stale position overwrote a
    further one): every save succeeds and the furthest position stands with its time."""
    import threading

    from audit.witnesses import save_progress

    name = "file:/tmp/a-witness-saved-by-several"
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def save(seq: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                for step in range(10):
                    save_progress([(name, seq * 10 + step, seq, None, None)])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    save_progress([(name, 3, 1, None, "OSError")])  # a late, stale save moves nothing back
    state = db.session.get(WitnessState, name)
    assert (state.delivered_seq, state.checkpoint_seq) == (49, 4)
    assert state.delivered_at is not None
    assert state.last_error == "OSError"  # how the witness is doing: the latest word
