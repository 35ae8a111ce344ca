"""What the audit witnesses cost a request: the API plan view in process (the test client,
as bench/audit_bench.py's full stack), with no witness, the default file witness, and a
file and a syslog witness (a local TCP sink that reads and discards), in alternating
rounds; requests a second and CPU seconds a request (the delivery thread's work
included, as it runs in the same process).

    .venv/bin/python -m bench.witness_cost [--requests 2000] [--rounds 3]

Prints a Markdown table (and writes bench/results/witness-cost.md).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.audit_bench import RESULTS, _token_and_person


def _sink() -> int:
    """A TCP listener on loopback that accepts and discards: the syslog collector's cost
    is not ours to measure."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=lambda c=conn: _drain(c), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


def _drain(conn: socket.socket) -> None:
    while conn.recv(65536):
        pass


def _app(folder: Path, witnesses: str) -> Any:
    from careplan import create_app
    from careplan.demo import load_demo
    from careplan.extensions import db

    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "AUDIT_KEY_FILE": str(folder / "k.pem"),
            "DATA_KEYS_FILE": str(folder / "data-keys.json"),
            "AUDIT_WITNESSES": witnesses,
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(db.session)
        db.session.commit()
    return app


def _run(app: Any, token: str, person: Any, n: int) -> tuple[float, float]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/people/{person}/plan"
    for _ in range(20):
        assert client.get(url, headers=headers).status_code == 200
    deliverer = app.extensions["careplan.witnesses"]
    deliverer.flush(10)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        client.get(url, headers=headers)
    deliverer.flush(10)  # the thread's work for these requests counts too
    return n / (time.perf_counter() - wall), (time.process_time() - cpu) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = _sink()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        setups = {
            "no witness": "none",
            "file witness (the default)": f"file:{base / 'w1' / 'witness.log'}",
            "file and syslog witnesses": (
                f"file:{base / 'w2' / 'witness.log'},syslog://127.0.0.1:{port}"
            ),
        }
        apps = {}
        for i, (name, spec) in enumerate(setups.items()):
            folder = base / f"app{i}"
            folder.mkdir()
            app = _app(folder, spec)
            apps[name] = (app, *_token_and_person(app))
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in setups}
        for _ in range(args.rounds):
            for name, (app, token, person) in apps.items():
                results[name].append(_run(app, token, person, args.requests))
    base_rps = statistics.median(r for r, _ in results["no witness"])
    lines = [
        "# The audit witnesses' cost per request (API plan view, in process)\n",
        f"{args.rounds} alternating rounds of {args.requests} requests, SQLite, "
        "medians. CPU includes the delivery thread.\n",
        "| setup | req/s | vs no witness | CPU ms/request |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, runs in results.items():
        rps = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs) * 1000
        lines.append(f"| {name} | {rps:.0f} | {rps / base_rps:.3f} | {cpu:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "witness-cost.md").write_text(text)


if __name__ == "__main__":
    main()
