"""HTTP load runs against gunicorn: the plan view (API and web page) and its baseline, with
the CPU time per request of each server's workers; worker memory; and four app processes
under mixed read/write load on one PostgreSQL database.

Everything is on loopback, bounded in time and count. The load generator (wrk, with
bench/wrk/plan_view.lua) runs as a separate process.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import cpu

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "wrk" / "plan_view.lua"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(url: str, folder: Path) -> dict[str, str]:
    keys = folder / "keys"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CAREPLAN_INSTANCE": str(folder / "instance"),
        "CAREPLAN_AUDIT_KEY_FILE": str(keys / "audit.pem"),
        "CAREPLAN_DATA_KEYS_FILE": str(keys / "data-keys.json"),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "BENCH_DB_URL": url,
        "PYTHONPATH": str(ROOT),
    }


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int = 2) -> Iterator[tuple[int, Any]]:
    """A gunicorn server on a free loopback port, once every worker has loaded the app
    (bench/gunicorn_ready.py); yields (port, process)."""
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix="careplan-bench-ready-"))
    proc = subprocess.Popen(
        [
            GUNICORN,
            "-c",
            "python:bench.gunicorn_ready",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            app,
        ],
        cwd=ROOT,
        env={**env, "BENCH_READY_DIR": str(ready)},
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(list(ready.iterdir())) >= workers:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited with {proc.returncode}")
            time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn {app}: workers not ready after 120 s")
        yield port, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(ready, ignore_errors=True)


def pairs_file(folder: Path) -> Path:
    data = json.loads((folder / "pairs.json").read_text())
    path = folder / "pairs.txt"
    path.write_text("".join(f"{p['token']} {p['person']}\n" for p in data["pairs"]))
    return path


def wrk(
    port: int, pairs: Path, connections: int, seconds: float, mode: str = "api"
) -> dict[str, Any]:
    """One wrk run; `mode` is "api" (the JSON plan view) or "page" (the web plan page)."""
    threads = max(1, min(2, connections))
    out = subprocess.run(
        [
            WRK,
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
            "--",
            str(pairs),
            mode,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds_taken = raw["duration_us"] / 1e6
    return {
        "connections": connections,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_taken, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
    }


def warm(port: int, pairs: Path, mode: str = "api") -> None:
    """Each worker's first requests are slow (mappers configured, statements compiled,
    caches filled): 4 connections for 3 s, so both workers are past them."""
    wrk(port, pairs, 4, 3, mode)


@dataclass
class CpuProbe:
    """What is read around each wrk run: the server's workers (the children of its
    gunicorn master) and, on PostgreSQL, the database server's processes (the
    postmaster's children: the connections' backends and its background workers).
    The window also holds wrk's start and the requests still in flight when it stops
    (at most one per connection), which wrk does not count: a few per cent at most."""

    master: int
    postmaster: int | None = None
    proc: Path = cpu.PROC
    hz: int = field(default_factory=cpu.clock_ticks)

    def take(self) -> tuple[cpu.Snapshot, cpu.Snapshot | None]:
        workers = cpu.Snapshot.take(self.master, self.proc)
        database = cpu.Snapshot.take(self.postmaster, self.proc) if self.postmaster else None
        return workers, database

    def figures(
        self,
        before: tuple[cpu.Snapshot, cpu.Snapshot | None],
        after: tuple[cpu.Snapshot, cpu.Snapshot | None],
        requests: int,
        seconds: float,
    ) -> dict[str, Any]:
        used = cpu.used_seconds(before[0], after[0], self.hz)
        row: dict[str, Any] = {
            "cpu_s": round(used, 3),
            "cpu_ms_per_request": cpu.ms_per_request(used, requests),
            "cores_busy": round(used / seconds, 2) if seconds > 0 else None,
            "workers_unchanged": cpu.same_children(before[0], after[0]),
        }
        if before[1] is not None and after[1] is not None:
            db_used = cpu.used_seconds(before[1], after[1], self.hz)
            row["db_cpu_s"] = round(db_used, 3)
            row["db_cpu_ms_per_request"] = cpu.ms_per_request(db_used, requests)
        return row


def measured_wrk(
    port: int, pairs: Path, connections: int, seconds: float, mode: str, probe: CpuProbe | None
) -> dict[str, Any]:
    """A wrk run with the servers' CPU time read just before and just after it."""
    if probe is None:
        return wrk(port, pairs, connections, seconds, mode)
    before = probe.take()
    started = time.monotonic()
    row = wrk(port, pairs, connections, seconds, mode)
    elapsed = time.monotonic() - started
    after = probe.take()
    return {**row, **probe.figures(before, after, row["requests"], elapsed)}


def sweep(
    port: int,
    pairs: Path,
    levels: list[int],
    seconds: float,
    mode: str = "api",
    probe: CpuProbe | None = None,
) -> list[dict[str, Any]]:
    warm(port, pairs, mode)
    rows = []
    for connections in levels:
        row = {
            "load_average": load_average(),
            "speed_probe_ms": cpu.speed_probe_ms(),
            **measured_wrk(port, pairs, connections, seconds, mode, probe),
        }
        rows.append(row)
    return rows


def sweep_cpu(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """CPU per request over a whole sweep: all its levels' CPU over all their requests."""
    requests = sum(r["requests"] for r in rows)
    out: dict[str, Any] = {
        "cpu_ms_per_request": cpu.ms_per_request(sum(r["cpu_s"] for r in rows), requests),
        "workers_unchanged": all(r["workers_unchanged"] for r in rows),
    }
    if all("db_cpu_s" in r for r in rows):
        out["db_cpu_ms_per_request"] = cpu.ms_per_request(
            sum(r["db_cpu_s"] for r in rows), requests
        )
    return out


def at_half_peak(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """wrk drives a closed loop, not a fixed rate: the level whose throughput first reaches
    half the peak stands in for "half the peak throughput"."""
    peak = max(r["rps"] for r in rows)
    return next(r for r in rows if r["rps"] >= peak / 2)


# name: (gunicorn app, wrk mode, the pairs it is driven with)
SERVERS = {
    "app": ("careplan:create_app()", "api"),
    "page": ("careplan:create_app()", "page"),
    "baseline": ("bench.baseline_wsgi:app", "api"),
}


def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server's main process when it runs on this machine (its backends
    are its children); None for SQLite or a server whose processes are not visible."""
    if not url.startswith("postgresql"):
        return None
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        stat = cpu.read_stat(backend)
    return stat.ppid if stat is not None else None


def round_order(turn: int, names: list[str]) -> list[str]:
    """Alternate rounds reverse the order, so no server always runs first or last."""
    return list(names) if turn % 2 == 0 else list(reversed(names))


def plan_view(
    url: str,
    folder: Path,
    levels: list[int],
    seconds: float,
    rounds: int = 3,
    page: bool = True,
) -> dict[str, Any]:
    """The app (API plan view), the web plan page (`page`) and the baseline, each swept in
    turn `rounds` times, alternating the order: on a shared machine the speed drifts by
    more than the margin being measured, and a single app-then-baseline pair charges the
    drift to one side. Every wrk run also reads the CPU time of the server's workers
    (and of PostgreSQL's backends) from /proc. The throughput ratio is the median of the
    rounds' ratios, and the round it comes from gives the tables; the CPU ratio (baseline
    CPU/request over app CPU/request) and the page's ratio to the API are the medians of
    their own per-round figures."""
    pairs = {"api": pairs_file(folder)}
    env = app_env(url, folder)
    names = [n for n in SERVERS if page or n != "page"]
    postmaster = postmaster_pid(url)
    results = []
    for turn in range(rounds):
        result: dict[str, Any] = {"order": round_order(turn, names)}
        for name in result["order"]:
            app, mode = SERVERS[name]
            if mode == "page":
                pairs["page"] = web_session_pairs(url, folder)
            with gunicorn(app, env) as (port, proc):
                if mode == "page":
                    check_pages(port, pairs["page"])
                probe = CpuProbe(proc.pid, postmaster)
                rows = sweep(port, pairs[mode], levels, seconds, mode, probe)
            half = at_half_peak(rows)
            result[name] = {
                "levels": rows,
                "peak_rps": max(r["rps"] for r in rows),
                **sweep_cpu(rows),
                "at_half_peak": {
                    k: half[k] for k in ("connections", "rps", "p50_ms", "p95_ms", "p99_ms")
                },
            }
        result.update(round_figures(result))
        results.append(result)
    return summarise(results, names)


def round_figures(result: dict[str, Any]) -> dict[str, Any]:
    """A round's ratios: throughput (app over baseline), CPU per request (baseline over
    app: like the throughput ratio, 1 would be as cheap as the baseline) and the page's
    throughput over the API's."""
    out = {
        "ratio": cpu.ratio(result["app"]["peak_rps"], result["baseline"]["peak_rps"]),
        "cpu_ratio": cpu.ratio(
            result["baseline"]["cpu_ms_per_request"], result["app"]["cpu_ms_per_request"]
        ),
    }
    if "page" in result:
        out["page_ratio"] = cpu.ratio(result["page"]["peak_rps"], result["app"]["peak_rps"])
        out["page_cpu_ratio"] = cpu.ratio(
            result["app"]["cpu_ms_per_request"], result["page"]["cpu_ms_per_request"]
        )
    return out


ROUND_KEYS = ("ratio", "cpu_ratio", "page_ratio", "page_cpu_ratio")


def summarise(results: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    """The median round (by throughput ratio) with every round's figures and the medians
    of the per-round CPU figures and ratios."""
    median = sorted(results, key=lambda r: r["ratio"])[len(results) // 2]
    rounds = []
    for r in results:
        row: dict[str, Any] = {"order": r["order"]}
        for name in names:
            row[name] = r[name]["peak_rps"]
            row[f"{name}_cpu_ms"] = r[name]["cpu_ms_per_request"]
            if "db_cpu_ms_per_request" in r[name]:
                row[f"{name}_db_cpu_ms"] = r[name]["db_cpu_ms_per_request"]
        row |= {k: r[k] for k in ROUND_KEYS if k in r}
        rounds.append(row)
    medians: dict[str, Any] = {}
    for key in rounds[0]:
        if key != "order":
            medians[key] = cpu.median([row[key] for row in rounds])
    return {**median, "rounds": rounds, "medians": medians}


# --- the web plan page: signed-in sessions without a browser ------------------------------
def web_session_pairs(url: str, folder: Path) -> Path:
    """A signed-in web session for each token owner in pairs.json, minted as the sign-in
    pages would leave it (stage signed_in: the password and, for key workers, the second
    factor done), written straight into `web_session`; the file gets one "cookie person"
    line per pair. Fresh sessions for every sweep: a session ends after 15 idle minutes."""
    from sqlalchemy import select

    from bench.dataset import app_for
    from careplan.accounts.models import AccessToken
    from careplan.core import clock
    from careplan.extensions import db
    from careplan.identity import sessions
    from careplan.identity.models import Stage, WebSession

    data = json.loads((folder / "pairs.json").read_text())
    app = app_for(url, folder)
    cookies: dict[str, str] = {}
    with app.app_context():
        now = clock.now()
        limit = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
        for pair in data["pairs"]:
            if pair["token"] in cookies:
                continue
            user_id = db.session.scalar(
                select(AccessToken.user_id).where(
                    AccessToken.token_hash == sessions.digest(pair["token"])
                )
            )
            raw = secrets.token_urlsafe(32)
            db.session.add(
                WebSession(
                    key_hash=sessions.digest(raw),
                    user_id=user_id,
                    stage=Stage.SIGNED_IN,
                    method="password",
                    csrf_secret=secrets.token_hex(32),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + limit,
                    reauth_at=now,
                )
            )
            cookies[pair["token"]] = raw
        db.session.commit()
        db.engine.dispose()
    path = folder / "page-pairs.txt"
    path.write_text("".join(f"{cookies[p['token']]} {p['person']}\n" for p in data["pairs"]))
    return path


def check_pages(port: int, pairs: Path, how_many: int = 50) -> None:
    """The first pairs answer 200 with the plan page (wrk counts a redirect to the sign-in
    page as a success, so a broken session would pass unnoticed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for line in pairs.read_text().splitlines()[:how_many]:
        cookie, person = line.split()
        conn.request(
            "GET",
            f"/people/{person}",
            headers={"Cookie": f"careplan-session={cookie}; __Host-careplan-session={cookie}"},
        )
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or b"Care plan" not in body:
            raise RuntimeError(f"plan page for {person}: {response.status}, not the plan page")
    conn.close()


# --- resident memory per worker ---------------------------------------------------------
def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_memory(url: str, folder: Path, total: int, chunk_seconds: float) -> dict[str, Any]:
    """RSS of each gunicorn worker, sampled after every chunk of load, up to `total` requests."""
    pairs = pairs_file(folder)
    samples = []
    with gunicorn("careplan:create_app()", app_env(url, folder)) as (port, proc):
        warm(port, pairs)
        workers = _children(proc.pid)
        done = 0
        samples.append({"requests": 0, "rss_mib": [round(_rss_kib(w) / 1024, 1) for w in workers]})
        while done < total:
            row = wrk(port, pairs, 4, chunk_seconds)
            done += row["requests"]
            samples.append(
                {"requests": done, "rss_mib": [round(_rss_kib(w) / 1024, 1) for w in workers]}
            )
        alive = _children(proc.pid) == workers
    first, last = samples[1]["rss_mib"], samples[-1]["rss_mib"]
    return {
        "requests": done,
        "workers_unchanged": alive,
        "samples": samples,
        "growth_mib_after_warm_up": [round(b - a, 1) for a, b in zip(first, last, strict=True)],
    }


# --- four processes, mixed reads and versioned writes --------------------------------------
class Client:
    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.auth = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, headers: dict | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        head = {**self.auth, **(headers or {})}
        if data is not None:
            head["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=head)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, response.getheader("ETag"), payload


def _mixed_worker(
    ports: list[int], pairs: list[dict], seconds: float, seed: int, log: list[dict]
) -> None:
    import random

    rng = random.Random(seed)
    key_workers = [p for p in pairs if p["as"] == "key_worker"][:6]  # a few hot plans: conflicts
    clients: dict[tuple[int, str], Client] = {}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        port = ports[rng.randrange(len(ports))]
        if rng.random() < 0.7:
            pair = pairs[rng.randrange(len(pairs))]
            client = clients.setdefault((port, pair["token"]), Client(port, pair["token"]))
            status, _, _ = client.call("GET", f"/api/v1/people/{pair['person']}/plan")
            log.append({"kind": "read", "status": status})
            continue
        pair = key_workers[rng.randrange(len(key_workers))]
        client = clients.setdefault((port, pair["token"]), Client(port, pair["token"]))
        path = f"/api/v1/people/{pair['person']}/plan/sections/about_me"
        status, etag, body = client.call("GET", path)
        content = json.loads(body)["content"]
        marker = f"mixed-{seed}-{n}"
        content["what_matters"] = [*content.get("what_matters", [])[:3], marker]
        time.sleep(rng.random() * 0.01)  # widen the window between read and write
        status, _, body = client.call("PUT", path, {"content": content}, {"If-Match": etag})
        version = json.loads(body).get("version") if status == 200 else None
        log.append(
            {
                "kind": "write",
                "status": status,
                "person": pair["person"],
                "marker": marker,
                "version": version,
            }
        )


def mixed(url: str, folder: Path, seconds: float, clients: int = 8) -> dict[str, Any]:
    data = json.loads((folder / "pairs.json").read_text())
    env = app_env(url, folder)
    log: list[dict] = []
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(gunicorn("careplan:create_app()", env, 1)) for _ in range(4)]
        ports = [port for port, _ in servers]
        load_avg = load_average()
        threads = [
            threading.Thread(target=_mixed_worker, args=(ports, data["pairs"], seconds, i, log))
            for i in range(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return {
        "load_average": load_avg,
        "processes": 4,
        "clients": clients,
        **check_mixed(url, folder, log),
    }


def check_mixed(url: str, folder: Path, log: list[dict]) -> dict[str, Any]:
    """Every accepted write is there as its own version; every refused one was a 412;
    no 5xx; the audit chain verifies with no fork or gap."""
    from sqlalchemy import select

    from audit.verify import verify_chain
    from bench.dataset import app_for
    from careplan.extensions import db
    from careplan.plans.models import Plan, Section, SectionVersion

    writes = [e for e in log if e["kind"] == "write"]
    accepted = [w for w in writes if w["status"] == 200]
    statuses: dict[str, int] = {}
    for e in log:
        statuses[str(e["status"])] = statuses.get(str(e["status"]), 0) + 1
    app = app_for(url, folder)
    missing, duplicated_versions = 0, 0
    with app.app_context():
        seen: dict[tuple[str, int], str] = {}
        for w in accepted:
            key = (w["person"], w["version"])
            if key in seen:
                duplicated_versions += 1  # two accepted writes claiming one version: lost update
            seen[key] = w["marker"]
            row = db.session.execute(
                select(SectionVersion)
                .join(Section, Section.id == SectionVersion.section_id)
                .join(Plan, Plan.id == Section.plan_id)
                .where(
                    Plan.person_id == __import__("uuid").UUID(w["person"]),
                    Section.key == "about_me",
                    SectionVersion.version == w["version"],
                )
            ).scalar_one_or_none()
            if row is None or w["marker"] not in (row.content or {}).get("what_matters", []):
                missing += 1
        policy = app.extensions["careplan.checkpoints"]
        result = verify_chain(db.session, policy.signer.public)
        db.session.rollback()
        db.engine.dispose()
    return {
        "requests": len(log),
        "reads": len(log) - len(writes),
        "writes": len(writes),
        "writes_accepted": len(accepted),
        "writes_412": sum(1 for w in writes if w["status"] == 412),
        "writes_other": sum(1 for w in writes if w["status"] not in (200, 412)),
        "statuses": statuses,
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
        "accepted_writes_missing": missing,
        "versions_claimed_twice": duplicated_versions,
        "audit_chain_ok": result.ok,
        "audit_records_checked": result.checked,
        "audit_problem": result.problem,
    }
