"""Instructions a plan view executes, counted by valgrind: the CPU work of a request as a
number that the machine's load does not change.

    .venv/bin/python -m bench.instructions --data DIR [--pg URL] [--requests 100] \
        [--servers app,page,baseline] [--name NAME]

Why: on this shared 2-core machine CPU milliseconds per request swing by a third between
rounds of one run (issue 15, "Speed"; `bench/results/plan-speed-notes.md`), so a change
worth a few per cent cannot be seen in them, however often it is run. valgrind's callgrind
tool counts the machine instructions a process executes. That count depends on the code
and the data, not on the neighbours: two runs of the same code agree to a fraction of a
per cent (the report shows the spread of `--repeat` runs). It counts user space only:
Python, the app, SQLite's library, OpenSSL, in each thread of the process; not the
kernel's work in system calls, nor the PostgreSQL server's processes. Instructions are not
time (a cache miss costs more than an addition), so the benchmark's CPU time under
gunicorn (bench/run.py) stays the figure of record; this is the one to compare two
versions of the code by.

Each server runs in a process of its own under `valgrind --tool=callgrind
--instr-atstart=no` (uncounted while it starts): it builds its WSGI app, makes `--warm` requests
(mappers configured, statements prepared, data keys opened), switches counting on
(`callgrind_control -i on`), makes `--requests` requests, switches it off, and the totals
are read from callgrind's output files, one a thread. Servers: **app**, the audited API
plan view; **page**, the web plan page (signed-in session cookie); **baseline**,
`bench/baseline_wsgi.py`. Each request is a WSGI call with the environ gunicorn would give
it (no HTTP parsing or socket work, which all three pay alike), with the same token and
person pairs as wrk's (bench/wrk/plan_view.lua), in order, so every run makes the same
requests.

The request's own thread is counted apart from the process's other threads (callgrind's
`--separate-threads`). The app's other thread is the audit witness (audit.witnesses),
which signs and writes the newest committed head once a round, a round gathering the heads
committed within 20 ms, and saves its progress at most once a second. Under valgrind a
request takes about fifty times as long, so the witness makes about a round a request and
saves its progress every few requests: its count here ("other threads") is its dearest
case, far above its share under load, and depends on timing. The request thread's count
(the `offer` of each head included) does not, and it is the one the ratios use.

What else is counted or changes: switching counting on and off (`callgrind_control`, run
from the measured process) counts about 0.4 million instructions a run, 4,000 a request at
100 requests, more at fewer. Each run appends its requests' audit records (and, for the
page, mints web sessions) to the data set, as the gunicorn benchmark does: to compare two
trees, alternate their runs on the same data set. `callgrind_control` reaches the process
through valgrind's gdbserver (vgdb), which a host that restricts ptrace (Ubuntu's
`kernel.yama.ptrace_scope`) may refuse; Debian does not restrict it.

Needs valgrind (Debian package `valgrind`; scripts/setup.sh installs it with the test
tools). Results: bench/results/NAME.{md,json}.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench import load
from bench.cprofile_plan import cookie_for, path_for

RESULTS = Path(__file__).resolve().parent / "results"
SERVERS = ("app", "page", "baseline")
VALGRIND = shutil.which("valgrind") or "/usr/bin/valgrind"
CALLGRIND_CONTROL = shutil.which("callgrind_control") or "/usr/bin/callgrind_control"
# The web sessions the parent mints for the page (`count`, through bench.load), for its
# child to read: the file bench.load writes them to.
WEB_PAIRS = "page-pairs.txt"
# callgrind's output ends with "totals:" (every event counted); its "summary:" line, above
# it, is the last dump's share only, 0 when counting was switched off before the end.
_TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)


def wsgi_environ(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """The WSGI environ of `GET path` with `headers`, as gunicorn builds it for a request
    from 127.0.0.1 (PEP 3333's required keys)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def call(wsgi: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[int, bytes]:
    """One request through a WSGI callable, as a server makes it: (status code, body)."""
    status: list[str] = []

    def start_response(line: str, _headers: list[tuple[str, str]], _exc: Any = None) -> Any:
        status.append(line)
        return lambda _data: None

    answer = wsgi(environ, start_response)
    try:
        body = b"".join(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()
    return int(status[0].split(" ", 1)[0]), body


def totals(callgrind_out: str) -> int:
    """The instructions counted in a callgrind output file (its `totals:` line)."""
    found = _TOTALS.search(callgrind_out)
    if found is None:
        raise ValueError("callgrind's output has no totals line")
    return int(found.group(1))


def _counting(state: str) -> None:
    """Switch callgrind's counting for this process on or off (`callgrind_control`)."""
    subprocess.run(
        [CALLGRIND_CONTROL, "-i", state, str(os.getpid())], check=True, capture_output=True
    )


def _pairs(path: Path) -> list[tuple[str, str]]:
    """(credential, person) from a pairs file's "credential person" lines."""
    lines = path.read_text().split("\n")
    return [(line.split()[0], line.split()[1]) for line in lines if line.strip()]


def _child(server: str, url: str, folder: Path, requests: int, warm: int) -> None:
    """The process valgrind runs: one server's requests, counted after the warm ones."""
    os.environ.update(load.app_env(url, folder))
    pairs = _pairs(folder / WEB_PAIRS if server == "page" else load.pairs_file(folder))
    if server == "baseline":
        from bench import baseline_wsgi

        wsgi: Callable[..., Iterable[bytes]] = baseline_wsgi.app
    else:
        from careplan import create_app

        wsgi = create_app()
    mode = "page" if server == "page" else "api"

    def drive(count: int, start: int) -> int:
        for i in range(count):
            credential, person = pairs[(start + i) % len(pairs)]
            environ = wsgi_environ(path_for(mode, person), cookie_for(mode, credential))
            status, _ = call(wsgi, environ)
            if status != 200:
                raise RuntimeError(f"{server}: answered {status}")
        return start + count

    at = drive(warm, 0)
    _counting("on")
    drive(requests, at)
    _counting("off")


def count(server: str, url: str, folder: Path, requests: int, warm: int) -> tuple[float, float]:
    """Instructions per request of `server` on the data set in `folder` at `url`: (the
    request's thread, the process's other threads). Raises RuntimeError if valgrind is
    missing or the child fails."""
    if not (os.access(VALGRIND, os.X_OK) and os.access(CALLGRIND_CONTROL, os.X_OK)):
        raise RuntimeError("valgrind is not installed (Debian: apt-get install valgrind)")
    if server == "page":
        # Fresh sessions for each run (a session ends after 15 idle minutes), minted here
        # outside valgrind; the child reads them from bench.load's file.
        load.web_session_pairs(url, folder)
    with tempfile.TemporaryDirectory(prefix="careplan-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            VALGRIND,
            "--tool=callgrind",
            "--instr-atstart=no",
            "--separate-threads=yes",  # one file a thread: {out}-01 is the main thread's
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            server,
            "--url",
            url,
            "--data",
            str(folder),
            "--requests",
            str(requests),
            "--warm",
            str(warm),
        ]
        done = subprocess.run(
            command, cwd=load.ROOT, capture_output=True, text=True, env=dict(os.environ)
        )
        if done.returncode != 0:
            raise RuntimeError(f"{server} under valgrind failed: {done.stderr[-2000:]}")
        threads = {
            path.name: totals(path.read_text()) for path in Path(tmp).glob("callgrind.out-*")
        }
        main = threads.pop("callgrind.out-01")
        return main / requests, sum(threads.values()) / requests


def measure(
    url: str, folder: Path, servers: Iterable[str], requests: int, warm: int, repeat: int
) -> dict[str, Any]:
    """Per server: the request thread's instructions per request in each repeat and
    their median, the other threads' median; and the ratios the issue asks for (baseline
    / app; app / page), of the request threads."""
    found: dict[str, Any] = {}
    for server in servers:
        counted = [count(server, url, folder, requests, warm) for _ in range(repeat)]
        runs = [main for main, _ in counted]
        found[server] = {
            "instructions_per_request": round(statistics.median(runs)),
            "runs": [round(r) for r in runs],
            "spread": round((max(runs) - min(runs)) / statistics.median(runs), 4),
            "other_threads_per_request": round(statistics.median(o for _, o in counted)),
        }
    ratios = {}
    if "app" in found and "baseline" in found:
        ratios["baseline_over_app"] = round(
            found["baseline"]["instructions_per_request"]
            / found["app"]["instructions_per_request"],
            3,
        )
    if "app" in found and "page" in found:
        ratios["app_over_page"] = round(
            found["app"]["instructions_per_request"] / found["page"]["instructions_per_request"],
            3,
        )
    return {"servers": found, "ratios": ratios}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Instructions per plan view (valgrind callgrind)",
        "",
        f"Commit `{result['commit']}`; data set {result['data']} (scale {result['scale']}); "
        f"{result['requests']} requests counted per run after {result['warm']} uncounted, "
        f"{result['repeat']} run(s) per server. Made by `bench/instructions.py`: user-space "
        "instructions of the server's process per request, the request's thread apart from "
        "the others; not the kernel's, nor PostgreSQL's server. Spread: (largest - smallest) "
        "/ median of the runs. The ratios are of the request threads.",
        "",
    ]
    for database, measured in result["databases"].items():
        lines += [
            f"## {database}",
            "",
            "| server | request thread: instructions a request | runs | spread "
            "| other threads (the audit witness; timing-bound) |",
            "| --- | --- | --- | --- | --- |",
        ]
        for server, row in measured["servers"].items():
            runs = ", ".join(f"{r:,}" for r in row["runs"])
            lines.append(
                f"| {server} | {row['instructions_per_request']:,} | {runs} | "
                f"{row['spread']:.2%} | {row['other_threads_per_request']:,} |"
            )
        ratios = measured["ratios"]
        lines.append("")
        if "baseline_over_app" in ratios:
            lines.append(f"Baseline / app instructions: **{ratios['baseline_over_app']}**.")
        if "app_over_page" in ratios:
            lines.append(f"App / page instructions: **{ratios['app_over_page']}**.")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--pg", help="the data set's PostgreSQL URL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warm", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--name", default="instructions")
    parser.add_argument("--child", choices=SERVERS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Absolute: a relative SQLite path would be read inside the app's instance folder.
    args.data = args.data.resolve()
    if args.child:
        _child(args.child, args.url, args.data, args.requests, args.warm)
        return
    problems = _problems(args)
    if problems:
        parser.error("; ".join(problems))
    servers = [s for s in args.servers.split(",") if s]
    urls = {} if args.no_sqlite else {"sqlite": f"sqlite:///{args.data / 'careplan.sqlite'}"}
    if args.pg:
        urls["postgresql"] = args.pg
    dataset = json.loads((args.data / "dataset.json").read_text())
    from bench import run

    commit = run.commit()
    result = {
        "commit": commit["commit"] + (" (with local changes)" if commit["dirty"] else ""),
        "data": str(args.data),
        "scale": dataset.get("scale"),
        "requests": args.requests,
        "warm": args.warm,
        "repeat": args.repeat,
        "databases": {
            name: measure(url, args.data, servers, args.requests, args.warm, args.repeat)
            for name, url in urls.items()
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{args.name}.md").write_text(markdown(result))
    print(markdown(result))


def _problems(args: argparse.Namespace) -> list[str]:
    """What is wrong with the command line, in words (nothing is measured if any)."""
    problems = []
    servers = [s for s in args.servers.split(",") if s]
    unknown = set(servers) - set(SERVERS)
    if unknown:
        problems.append(f"unknown servers: {', '.join(sorted(unknown))}")
    if not servers:
        problems.append(f"--servers names none of {', '.join(SERVERS)}")
    if args.requests < 1 or args.repeat < 1 or args.warm < 0:
        problems.append("--requests and --repeat must be at least 1, --warm at least 0")
    if not (args.data / "dataset.json").is_file():
        problems.append(f"{args.data} holds no data set (make one with bench.dataset)")
    elif not args.no_sqlite and not (args.data / "careplan.sqlite").is_file():
        problems.append(f"{args.data} has no SQLite database (--no-sqlite to leave it out)")
    if args.no_sqlite and not args.pg:
        problems.append("--no-sqlite needs --pg")
    if Path(args.name).name != args.name or args.name in ("", ".", ".."):
        problems.append("--name is a file name in bench/results, not a path")
    return problems


if __name__ == "__main__":
    main()
