"""CPU per plan view in one process, and where it goes (cProfile), on a benchmark data set.

    .venv/bin/python -m bench.cprofile_plan --data DIR [--pg URL] [--requests 2000] \
        [--mode api|page|both] [--rounds 3] [--no-profile] [--name NAME] [--top 40]

The same world as `bench.load` (the data set in DIR, made by `bench.dataset`, the app made
by `careplan.create_app()` with the benchmark's environment), the same requests as wrk's
(`bench/wrk/plan_view.lua`: a different token and person each time), driven through the
WSGI interface by werkzeug's test client instead of gunicorn and HTTP. So this measures the
app's own CPU per request (Flask, the access pipeline, the read model, marshmallow, the
audit record, the database driver; SQLite's own work included, PostgreSQL's server not),
without the server's socket work, which the baseline pays as well.

Per mode: `--rounds` rounds of `--requests` timed by `time.process_time()` with no
profiler (the CPU ms per request: the process's, the audit witness's thread included; the
median round), then as many under cProfile (slower; for the shares; not with
`--no-profile`). Writes bench/results/NAME.{md,json}: the CPU ms per request, the SQL
statements per request, and the parts of a request by cumulative time per request.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from pathlib import Path
from typing import Any

from bench import load

RESULTS = Path(__file__).resolve().parent / "results"

# (label, file suffix, function name): cumulative time of the first frame that matches, per
# request; nested parts count in their parent too. In request order.
PARTS = (
    ("whole request (Flask.wsgi_app)", "flask/app.py", "wsgi_app"),
    ("request context push (session open, before-request hooks)", "flask/ctx.py", "push"),
    ("before-request hooks", "flask/app.py", "preprocess_request"),
    ("after-request hooks", "flask/app.py", "process_response"),
    ("teardown (context pop)", "flask/ctx.py", "pop"),
    ("the access pipeline (requires)", "careplan/access/pipeline.py", "wrapper"),
    ("caller: token or web session", "careplan/api/auth.py", "current_user"),
    ("token lookup", "careplan/accounts/tokens.py", "authenticate"),
    ("web session lookup", "careplan/identity/sessions.py", "load"),
    ("access context load", "careplan/access/pipeline.py", "load_context"),
    ("access decision", "careplan/access/policy.py", "decide"),
    ("plan read model (services.read_plan_view)", "careplan/plans/services.py", "read_plan_view"),
    ("plan body (services.plan_body)", "careplan/plans/services.py", "plan_body"),
    ("marshmallow dump", "marshmallow/schema.py", "dump"),
    ("JSON response (respond)", "careplan/core/http.py", "respond"),
    # Pages made after the commit render through jinja2 directly (careplan.web.pages).
    ("template rendering (jinja2 Template.render)", "jinja2/environment.py", "render"),
    ("response made after the commit (transaction._fill)", "careplan/core/transaction.py", "_fill"),
    ("audit record built (audit.log.record)", "audit/log.py", "record"),
    ("audit append (audit.writer.append)", "audit/writer.py", "append"),
    ("witness", "audit/witnesses.py", "write"),
    ("commit (Session.commit)", "sqlalchemy/orm/session.py", "commit"),
    ("SQLAlchemy Session.execute", "sqlalchemy/orm/session.py", "execute"),
    ("prepared statements (run_statement)", "careplan/core/prepared.py", "run_statement"),
    ("driver: sqlite3/psycopg execute", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("CSRF (Flask-WTF protect)", "flask_wtf/csrf.py", "protect"),
    ("limiter (Flask-Limiter check)", "flask_limiter/extension.py", "_check_request_limit"),
)


def cookie_for(mode: str, credential: str) -> dict[str, str]:
    """The headers wrk sends (bench/wrk/plan_view.lua)."""
    if mode == "page":
        return {"Cookie": f"careplan-session={credential}; __Host-careplan-session={credential}"}
    return {"Authorization": f"Bearer {credential}"}


def path_for(mode: str, person: str) -> str:
    return f"/people/{person}" if mode == "page" else f"/api/v1/people/{person}/plan"


def drive(client: Any, mode: str, pairs: list[tuple[str, str]], n: int, start: int) -> int:
    """n requests from pair `start` on; raises on any answer but 200."""
    for i in range(n):
        credential, person = pairs[(start + i) % len(pairs)]
        answer = client.get(path_for(mode, person), headers=cookie_for(mode, credential))
        if answer.status_code != 200:
            raise RuntimeError(f"{mode} {person}: {answer.status_code}")
    return start + n


def parts(stats: pstats.Stats, requests: int) -> list[dict[str, Any]]:
    """Cumulative ms per request of each part in PARTS (the matching frame with the most
    cumulative time: recursion and wrappers of the same name are not counted twice)."""
    raw = stats.stats  # type: ignore[attr-defined]
    out = []
    for label, suffix, name in PARTS:
        best = 0.0
        calls = 0
        for (file, _line, func), (_cc, nc, _tt, ct, _callers) in raw.items():
            if func == name and file.endswith(suffix) and ct > best:
                best, calls = ct, nc
        out.append(
            {
                "part": label,
                "ms_per_request": round(best * 1000 / requests, 3),
                "calls_per_request": round(calls / requests, 2),
            }
        )
    return out


def top_functions(stats: pstats.Stats, requests: int, top: int) -> list[dict[str, Any]]:
    """The `top` functions by own time (tottime), ms per request."""
    raw = stats.stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    root = str(load.ROOT) + "/"
    return [
        {
            "function": f"{file.replace(root, '').split('site-packages/')[-1]}:{line} {func}",
            "own_ms_per_request": round(tt * 1000 / requests, 4),
            "cum_ms_per_request": round(ct * 1000 / requests, 4),
            "calls_per_request": round(nc / requests, 2),
        }
        for (file, line, func), (_cc, nc, tt, ct, _callers) in rows
    ]


def statements_per_request(app: Any, client: Any, mode: str, pairs: list, n: int) -> float:
    """SQL statements a request runs, counted by the engine's cursor event (the prepared
    statements run on the driver's cursor directly and are counted by wrapping it)."""
    from sqlalchemy import event

    from careplan.core import prepared
    from careplan.extensions import db

    count = [0]

    def on_execute(*_args: Any) -> None:
        count[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    original = prepared.run_statement
    counting = hasattr(prepared, "run_statement")
    if counting:

        def run_statement(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            return original(*args, **kwargs)

        prepared.run_statement = run_statement
    try:
        drive(client, mode, pairs, n, 0)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        if counting:
            prepared.run_statement = original
    return round(count[0] / n, 2)


def measure(
    url: str,
    folder: Path,
    mode: str,
    requests: int,
    top: int,
    rounds: int = 3,
    profile: bool = True,
) -> dict[str, Any]:
    os.environ.update(load.app_env(url, folder))
    from careplan import create_app

    if mode == "page":
        lines = load.web_session_pairs(url, folder).read_text().split("\n")
    else:
        lines = load.pairs_file(folder).read_text().split("\n")
    pairs = [tuple(line.split()) for line in lines if line.strip()]
    app = create_app()
    client = app.test_client(use_cookies=False)  # wrk's Cookie header, as sent
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    at = drive(client, mode, pairs, 200, 0)  # warm: caches, prepared statements
    statements = statements_per_request(app, client, mode, pairs, 50)
    cpu_ms = []
    for _ in range(rounds):
        started = time.process_time()
        at = drive(client, mode, pairs, requests, at)
        cpu_ms.append(round((time.process_time() - started) * 1000 / requests, 3))
    out: dict[str, Any] = {
        "mode": mode,
        "requests": requests,
        "cpu_ms_per_request": sorted(cpu_ms)[len(cpu_ms) // 2],
        "cpu_ms_per_request_rounds": cpu_ms,
        "statements_per_request": statements,
    }
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        drive(client, mode, pairs, requests, at)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=io.StringIO())
        raw = stats.stats.values()  # type: ignore[attr-defined]
        total = sum(tt for (_cc, _nc, tt, _ct, _c) in raw)
        out["profiled_ms_per_request"] = round(total * 1000 / requests, 3)
        # Python function calls a request: the Python work done, as the machine's load
        # does not change it (CPU milliseconds on a shared machine swing by a sixth).
        calls = sum(nc for (_cc, nc, _tt, _ct, _c) in stats.stats.values())  # type: ignore[attr-defined]
        out["function_calls_per_request"] = round(calls / requests, 1)
        out["parts"] = parts(stats, requests)
        out["top_own_time"] = top_functions(stats, requests, top)
    with app.app_context():
        from careplan.extensions import db

        db.engine.dispose()
    return out


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# CPU per plan view in one process, and where it goes (cProfile)",
        "",
        f"Database: {result['database']}; data set {result['data']}; commit "
        f"`{result['commit']}`; load average {result['load_before']} before, "
        f"{result['load_after']} after (shared machine). Made by `bench/cprofile_plan.py`: "
        "werkzeug's test client drives the app's WSGI callable (no gunicorn, no sockets), a "
        "different token and person each request as wrk does. CPU ms/request is "
        "`time.process_time()` over the requests without the profiler; the parts are "
        "cProfile's cumulative time per request (the profiler roughly doubles the time, so "
        "read them as shares), nested parts counting in their parent too.",
        "",
    ]
    for m in result["modes"]:
        lines += [
            f"## {m['mode']}: {m['cpu_ms_per_request']} ms CPU a request, "
            f"{m['statements_per_request']} SQL statements a request",
            "",
            f"CPU ms a request in each round of {m['requests']} (the median above): "
            f"{', '.join(str(v) for v in m['cpu_ms_per_request_rounds'])}.",
            "",
        ]
        if "parts" not in m:
            continue
        lines += [
            f"Under cProfile: {m['profiled_ms_per_request']} ms a request, "
            f"{m['function_calls_per_request']} Python function calls a request.",
            "",
            "| part | ms/request (profiled) | calls/request |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {p['part']} | {p['ms_per_request']} | {p['calls_per_request']} |"
            for p in m["parts"]
            if p["calls_per_request"]
        ]
        lines += ["", "Own time, the top functions:", ""]
        lines += ["| function | own ms/request | cum ms/request | calls/request |"]
        lines += ["| --- | --- | --- | --- |"]
        lines += [
            f"| `{t['function']}` | {t['own_ms_per_request']} | {t['cum_ms_per_request']} "
            f"| {t['calls_per_request']} |"
            for t in m["top_own_time"]
        ]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    from bench import run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--pg", default="", help="the data set's PostgreSQL URL")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--mode", choices=("api", "page", "both"), default="both")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (the median)")
    parser.add_argument("--no-profile", action="store_true", help="CPU per request only")
    parser.add_argument("--name", default="cprofile-plan")
    args = parser.parse_args()
    folder = args.data.resolve()
    url = args.pg or f"sqlite:///{folder / 'careplan.sqlite'}"
    commit = run.commit()
    result: dict[str, Any] = {
        "database": url.split(":")[0].split("+")[0],
        "data": json.loads((folder / "dataset.json").read_text()).get("scale"),
        "commit": commit["commit"] + (" (with local changes)" if commit["dirty"] else ""),
        "load_before": load.load_average(),
    }
    modes = ("api", "page") if args.mode == "both" else (args.mode,)
    result["modes"] = [
        measure(url, folder, m, args.requests, args.top, args.rounds, not args.no_profile)
        for m in modes
    ]
    result["load_after"] = load.load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{args.name}.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
