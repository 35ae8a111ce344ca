"""Production's shape on loopback, for the fault tests: a PostgreSQL server of its own,
two gunicorn processes (config/gunicorn.conf.py, two workers each) behind Debian's
haproxy, health-checked through /readyz, and a mixed read/write load through haproxy.

Everything here is started by the harness and stopped by it, by process id. The server
is a throwaway one made by scripts/pg.sh (its own folder and port), with WAL archiving on
so the restore drill can replay the archive.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"
VENV_BIN = Path(sys.executable).parent
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
APP = "tests.faults.faulty_app:create_app()"
HOT_SECTION = "about_me"
ENTRY_SECTION = "goals"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin(name: str) -> str:
    """A PostgreSQL server tool: the newest Debian cluster version's, else PATH's."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name or 0)
    )
    for folder in reversed(versions):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (run scripts/setup.sh)")
    return found


def as_owner(*command: str, check: bool = True, timeout: float = 120) -> str:
    """Run a PostgreSQL tool as the cluster's owner (the postgres user when we are root,
    as scripts/pg.sh does), from /; returns its output."""
    argv = list(command)
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    done = subprocess.run(  # noqa: S603 - fixed tools, our own arguments
        argv, cwd="/", capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


# --- PostgreSQL --------------------------------------------------------------------------
class Postgres:
    """A throwaway server (scripts/pg.sh) with WAL archiving into `archive`."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self.archive = folder / "wal-archive"
        self.url = ""

    def start(self) -> None:
        self.url = subprocess.run(  # noqa: S603
            [BASH, str(ROOT / "scripts" / "pg.sh"), "start", str(self.folder), str(self.port)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        as_owner("mkdir", "-p", str(self.archive))
        # Continuous archiving (PostgreSQL manual, 26.3) and base backups over loopback.
        as_owner(
            "sh",
            "-c",
            f"printf '%s\\n' \"archive_mode = on\" "
            f"\"archive_command = 'test ! -f {self.archive}/%f && cp %p {self.archive}/%f'\" "
            f"\"wal_level = replica\" >> '{self.data}/postgresql.conf' && "
            f"printf '%s\\n' 'host replication postgres 127.0.0.1/32 trust' "
            f">> '{self.data}/pg_hba.conf'",
        )
        self.restart()

    def restart(self, mode: str = "fast") -> None:
        """`pg_ctl restart -m fast`: sessions are ended, transactions in flight are rolled
        back, and the server starts again on the same port."""
        as_owner(
            pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
            "-m", mode, "-w", "-t", "60", "restart",
        )  # fmt: skip

    def query(self, sql: str) -> Any:
        """One value from the server, on a connection of its own."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="careplan_test"
        ) as conn:
            return conn.execute(sql).fetchone()[0]  # type: ignore[index]

    def base_backup(self, target: Path) -> None:
        """`pg_basebackup` over a replication connection, streaming the WAL it needs, while
        the server keeps working (PostgreSQL manual, 26.3.2)."""
        as_owner(
            pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-D", str(target), "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip

    def archive_now(self, seconds: float = 60) -> str:
        """Close the current WAL segment and wait until it is in the archive; returns its
        name (the point a restore from the archive reaches)."""
        segment = self.query("SELECT pg_walfile_name(pg_switch_wal())")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if (self.archive / segment).exists():
                return segment
            time.sleep(0.2)
        raise RuntimeError(f"WAL segment {segment} was not archived in {seconds}s")

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            [BASH, str(ROOT / "scripts" / "pg.sh"), "stop", str(self.folder)],
            capture_output=True,
            check=False,
            timeout=120,
        )


class Restored:
    """A base backup restored into a new data folder with the WAL archive replayed
    (recovery.signal and restore_command), started on another port."""

    def __init__(self, source: Postgres, port: int) -> None:
        self.source, self.port = source, port
        self.folder = Path(tempfile.mkdtemp(prefix="careplan-restore."))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/careplan_test"

    def take_backup(self) -> None:
        self.source.base_backup(self.data)

    def recover(self) -> None:
        """Start the backup with the archive replayed to its end (PostgreSQL manual,
        26.3.4)."""
        # The copied postgresql.conf is the source's: the last setting of a name wins.
        settings = [
            f"port = {self.port}",
            f"unix_socket_directories = '{self.folder}'",
            "archive_mode = off",
            f"restore_command = 'cp {self.source.archive}/%f %p'",
        ]
        lines = " ".join(f'"{line}"' for line in settings)
        as_owner(
            "sh",
            "-c",
            f"printf '%s\\n' {lines} >> '{self.data}/postgresql.conf' && "
            f"touch '{self.data}/recovery.signal'",
        )
        as_owner(
            pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
            "-w", "-t", "120", "start",
        )  # fmt: skip

    def wait_promoted(self, seconds: float = 120) -> None:
        """Until archive recovery has replayed everything and the server takes writes."""
        import psycopg

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(psycopg.OperationalError),
                psycopg.connect(
                    host="127.0.0.1", port=self.port, user="postgres", dbname="careplan_test"
                ) as conn,
            ):
                if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:  # type: ignore[index]
                    return
            time.sleep(0.3)
        raise RuntimeError(f"the restored server did not finish recovery in {seconds}s")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            as_owner(
                pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop",
                check=False,
            )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the app processes ---------------------------------------------------------------------
class Backend:
    """One gunicorn process (master and its workers) with the production configuration."""

    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name, self.port = name, free_port()
        self.env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log_path = logs / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        metrics = Path(self.env["CAREPLAN_TEST_FAULT_DIR"]) / f"metrics-{self.name}"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", APP],
                cwd=ROOT,
                env={**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def ready(self) -> bool:
        try:
            status, _, _ = request(self.port, "GET", "/readyz", timeout=2)
        except OSError:
            return False
        return status == 200

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited: see {self.log_path}")
            if self.ready() and len(self.workers()) >= int(self.env["WEB_CONCURRENCY"]):
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} not ready in {seconds}s: see {self.log_path}")

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.pid, sig)

    def wait_exit(self, seconds: float) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Stop it and any worker it leaves behind (ours, by pid)."""
        if self.proc is None:
            return
        workers = self.workers()
        self.signal(signal.SIGKILL)
        self.wait_exit(10)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# --- the load balancer ---------------------------------------------------------------------
HAPROXY_CFG = """\
global
    maxconn 512
    stats socket {sock} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    # Only a connection that never reached a server is tried again (elsewhere): a request
    # a server has received is never sent twice.
    retries 3
    option redispatch
    option httplog

frontend careplan
    bind 127.0.0.1:{port}
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # A sync worker answers the check only once it has finished the request in hand: a
    # short check timeout marks busy processes DOWN (all of them, under load).
    timeout check 5s
    default-server inter 1s fall 3 rise 2
{servers}
"""


class Balancer:
    """haproxy in the foreground (-db), round robin over the backends that pass /readyz."""

    def __init__(self, folder: Path, backends: list[Backend]) -> None:
        self.port = free_port()
        self.sock = folder / "haproxy.sock"
        self.cfg = folder / "haproxy.cfg"
        self.log_path = folder / "haproxy.log"
        servers = "\n".join(f"    server {b.name} 127.0.0.1:{b.port} check" for b in backends)
        self.cfg.write_text(HAPROXY_CFG.format(sock=self.sock, port=self.port, servers=servers))
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        subprocess.run([HAPROXY, "-c", "-f", str(self.cfg)], check=True, capture_output=True)  # noqa: S603
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                [HAPROXY, "-db", "-f", str(self.cfg)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def command(self, line: str) -> str:
        """One command on haproxy's admin socket (the runtime API); returns its answer."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(str(self.sock))
            sock.sendall(line.encode() + b"\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        return data.decode()

    def _stats(self) -> dict[str, dict[str, str]]:
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "app" and row.get("svname") not in ("BACKEND", None):
                rows[row["svname"]] = row
        return rows

    def servers(self) -> dict[str, str]:
        """Each backend server's state as haproxy sees it: UP, DOWN, DRAIN, MAINT..."""
        return {name: row["status"].split()[0] for name, row in self._stats().items()}

    def drain(self, name: str, leave: int = 0, seconds: float = 30) -> None:
        """Send `name` no new requests, then wait until at most `leave` are still with it
        (the operator's step before stopping a process)."""
        self.command(f"set server app/{name} state drain")
        deadline = time.monotonic() + seconds
        while int(self._stats()[name]["scur"] or 0) > leave:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not drain in {seconds}s")
            time.sleep(0.05)

    def ready(self, name: str) -> None:
        self.command(f"set server app/{name} state ready")

    def wait_servers(self, want: str, names: list[str], seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                states = self.servers()
                if all(states.get(n) == want for n in names):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"haproxy did not see {names} {want} in {seconds}s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- HTTP -----------------------------------------------------------------------------------
def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: (status, headers lower-cased, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        head = dict(headers or {})
        if data is not None:
            head["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=head)
        response = conn.getresponse()
        payload = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    finally:
        conn.close()


@dataclass
class Sent:
    """One request of the load and what came back."""

    kind: str  # read | section | entry
    rid: str
    status: int | None = None  # None: no answer at all (the connection failed)
    source: str = "none"  # app (it carries our request id) | balancer | none
    error: str | None = None  # the body's error code, or the exception's type
    person: str = ""
    marker: str = ""
    version: int | None = None
    entry_id: str | None = None
    fault: str = ""


@dataclass
class Load:
    """Client threads sending a mix through the balancer until stopped: 50% plan reads,
    30% section replacements (read the section, then PUT with If-Match), 20% dated
    entries (POST). Every write carries a marker of its own, so the checks can find it."""

    port: int
    token: str
    people: list[str]
    threads: int = 6
    log: list[Sent] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _running: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for n in range(self.threads):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._running.append(thread)

    def finish(self) -> list[Sent]:
        self.stop.set()
        for thread in self._running:
            thread.join(60)
        return self.log

    def _record(self, sent: Sent) -> Sent:
        with self._lock:
            self.log.append(sent)
        return sent

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        rid: str = "",
        **fields: Any,
    ) -> tuple[Sent, dict[str, Any], dict[str, str]]:
        rid = rid or uuid.uuid4().hex
        sent = Sent(kind, rid, **fields)
        head = {"Authorization": f"Bearer {self.token}", "X-Request-Id": rid, **(headers or {})}
        answer: dict[str, Any] = {}
        got: dict[str, str] = {}
        try:
            sent.status, got, payload = request(self.port, method, path, body, head)
        except (OSError, http.client.HTTPException) as exc:
            sent.error = type(exc).__name__
            return self._record(sent), answer, got
        sent.source = "app" if got.get("x-request-id") == rid else "balancer"
        if "json" in got.get("content-type", ""):
            with contextlib.suppress(ValueError):
                answer = json.loads(payload)
                if isinstance(answer, dict) and isinstance(answer.get("error"), str):
                    sent.error = answer["error"]
        return self._record(sent), answer, got

    def _run(self, n: int) -> None:
        rng = random.Random(n)  # noqa: S311 - a load mix, not a secret
        i = 0
        while not self.stop.is_set():
            i += 1
            person = rng.choice(self.people)
            plan = f"/api/v1/people/{person}/plan"
            roll = rng.random()
            if roll < 0.5:
                self.send("read", "GET", plan, person=person)
            elif roll < 0.8:
                self.write_section(person, f"t{n}-{i}-{secrets.token_hex(3)}")
            else:
                self.add_entry(person, f"t{n}-{i}-{secrets.token_hex(3)}")

    def write_section(self, person: str, marker: str, fault: str = "") -> Sent | None:
        path = f"/api/v1/people/{person}/plan/sections/{HOT_SECTION}"
        read, answer, got = self.send("read", "GET", path, person=person)
        if read.status != 200:
            return None
        content = answer["content"]
        content["what_matters"] = [*(content.get("what_matters") or [])[-3:], marker]
        headers = {"If-Match": got.get("etag", "")}
        if fault:
            headers["X-Test-Fault"] = fault
        sent, answer, _ = self.send(
            "section", "PUT", path, {"content": content}, headers,
            person=person, marker=marker, fault=fault,
        )  # fmt: skip
        if sent.status == 200:
            sent.version = answer.get("version")
        return sent

    def add_entry(self, person: str, marker: str, fault: str = "", rid: str = "") -> Sent:
        path = f"/api/v1/people/{person}/plan/sections/{ENTRY_SECTION}/entries"
        headers = {"X-Test-Fault": fault} if fault else {}
        sent, answer, _ = self.send(
            "entry", "POST", path, {"text": f"Update {marker}"}, headers, rid,
            person=person, marker=marker, fault=fault,
        )  # fmt: skip
        if sent.status == 201:
            sent.entry_id = answer.get("id")
        return sent


def env_for(url: str, folder: Path) -> dict[str, str]:
    """The production environment of the app processes (README: Settings)."""
    keys = folder / "keys"
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CAREPLAN_", "TEST_"))},
        "CAREPLAN_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "CAREPLAN_INSTANCE": str(folder / "instance"),
        "CAREPLAN_AUDIT_KEY_FILE": str(keys / "audit.pem"),
        "CAREPLAN_DATA_KEYS_FILE": str(keys / "data-keys.json"),
        "CAREPLAN_PROXY_HOPS": "1",
        "CAREPLAN_GRACEFUL_TIMEOUT": "15",
        "CAREPLAN_TEST_FAULT_DIR": str(folder / "faults"),
        "WEB_CONCURRENCY": "2",
        "PYTHONPATH": str(ROOT),
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    }


def make_keys(folder: Path) -> None:
    """The audit signing key and the data key ring, as an operator makes them once."""
    from audit.signing import _create
    from careplan.protection.keys import new_ring_text

    keys = folder / "keys"
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    _create(keys / "audit.pem")
    fd = os.open(keys / "data-keys.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(new_ring_text())


def flask(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`flask --app careplan ARGS` as an operator runs it, in the app's environment."""
    return subprocess.run(  # noqa: S603
        [str(VENV_BIN / "flask"), "--app", "careplan", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextlib.contextmanager
def running(
    folder: Path, pg_port: int, backends: int = 2, witness_port: int | None = None
) -> Iterator[Stack]:
    stack = Stack(folder, pg_port, backends, witness_port)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


class Stack:
    """PostgreSQL, the app processes and haproxy, started in that order."""

    def __init__(
        self, folder: Path, pg_port: int, backends: int, witness_port: int | None = None
    ) -> None:
        self.folder = folder
        # A syslog collector (RFC 5424 over TCP) as a second audit witness beside the
        # default file one, so a witness can be made unreachable under load.
        self.witness_port = witness_port
        # A folder of its own under /tmp: pg.sh hands it to the postgres user, who may not
        # be able to enter `folder` (pytest's are private to the user running the tests).
        self.pg = Postgres(Path(tempfile.mkdtemp(prefix="careplan-faults-pg.")), pg_port)
        (folder / "faults").mkdir(parents=True, exist_ok=True)
        (folder / "logs").mkdir(exist_ok=True)
        self.env: dict[str, str] = {}
        self.backends: list[Backend] = []
        self.count = backends
        self.balancer: Balancer | None = None
        self.token = ""
        self.people: list[str] = []

    def start(self) -> None:
        self.pg.start()
        make_keys(self.folder)
        self.env = env_for(self.pg.url, self.folder)
        if self.witness_port is not None:
            self.env["CAREPLAN_AUDIT_WITNESSES"] = (
                f"file:{self.folder / 'keys' / 'audit-witness.log'},"
                f"syslog://127.0.0.1:{self.witness_port}"
            )
            self.env["CAREPLAN_AUDIT_WITNESS_RETRY_SECONDS"] = "1"
            self.env["CAREPLAN_AUDIT_WITNESS_TIMEOUT_SECONDS"] = "1"
        upgrade = flask(self.env, "db", "upgrade")
        if upgrade.returncode != 0:
            raise RuntimeError(f"flask db upgrade failed: {upgrade.stderr[-2000:]}")
        self.token, self.people = self._world()
        self.backends = [
            Backend(f"app{n + 1}", self.env, self.folder / "logs") for n in range(self.count)
        ]
        for backend in self.backends:
            backend.start()
        for backend in self.backends:
            backend.wait_ready()
        self.balancer = Balancer(self.folder, self.backends)
        self.balancer.start()
        self.balancer.wait_servers("UP", [b.name for b in self.backends])

    def _world(self) -> tuple[str, list[str]]:
        """A key worker with four people's plans, and her bearer token."""
        from careplan.extensions import db
        from tests.support import World

        app = self.app()
        with app.app_context():
            world = World(db.session)
            agency = world.agency("Fault Test Partnership")
            worker = world.staff(agency, ("practitioner",))
            people = []
            for _ in range(4):
                person = world.person(created_by=worker)
                world.plan(person, worker)
                people.append(str(person.id))
            token = world.token(worker)
            db.session.remove()
            db.engine.dispose()
        return token, people

    def app(self) -> Any:
        """An app in this process on the stack's database (for building and checking)."""
        from careplan import create_app

        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": self.pg.url,
                "INSTANCE_PATH": str(self.folder / "instance"),
                "AUDIT_KEY_FILE": str(self.folder / "keys" / "audit.pem"),
                "DATA_KEYS_FILE": str(self.folder / "keys" / "data-keys.json"),
            }
        )

    @property
    def port(self) -> int:
        assert self.balancer is not None
        return self.balancer.port

    def load(self, threads: int = 6) -> Load:
        return Load(self.port, self.token, self.people, threads)

    def wait_for_pid_file(self, rid: str, seconds: float = 30) -> int:
        path = Path(self.env["CAREPLAN_TEST_FAULT_DIR"]) / f"{rid}.pid"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if path.exists() and path.read_text():
                return int(path.read_text())
            time.sleep(0.02)
        raise RuntimeError("the slow request never reached its fault hook")

    def backend_of(self, pid: int) -> Backend:
        for backend in self.backends:
            if pid == backend.pid or pid in backend.workers():
                return backend
        raise LookupError(pid)

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.stop()
        for backend in self.backends:
            backend.kill()
        self.pg.stop()
