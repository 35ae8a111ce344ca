"""The national-scale benchmark suite (issue #8): one command, results as tables.

    scripts/bench.sh [--scale 0.01] [--seconds 10] ...     (starts PostgreSQL, runs this)
    .venv/bin/python -m bench.run --data DIR --pg URL [--scale S] [--reuse]

Steps, for SQLite and for PostgreSQL: generate the data set (both at once), IG queries
with their query plans, verification speed and memory, the plan view under load (the API,
the web plan page and the raw-driver baseline; gunicorn, 2 workers, wrk; throughput and
the workers' CPU time per request), worker memory over many requests; then on
PostgreSQL only, four app processes under mixed read/write load. `--plan-view-only` runs
the data set and the plan view alone. Writes bench/results/national.{md,json} (--results
NAME to write elsewhere). Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import dataset, ig, load

RESULTS = Path(__file__).resolve().parent / "results"


def machine(pg_url: str) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "shared": "shared with other engineers' test runs: load average is recorded per step",
    }
    if pg_url:
        with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return info


def commit() -> dict[str, Any]:
    """The commit measured, and whether the working tree differed from it."""

    def git(*argv: str) -> str:
        return subprocess.run(
            [shutil.which("git") or "git", *argv],
            cwd=RESULTS.parent.parent,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--short"))}


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = args.data.resolve()
    sqlite_url = f"sqlite:///{folder / 'careplan.sqlite'}"
    urls = {"sqlite": sqlite_url} if not args.no_sqlite else {}
    if args.pg:
        urls["postgresql"] = args.pg
    out: dict[str, Any] = {
        "scale": args.scale,
        "machine": machine(args.pg),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results_name": args.results,
        **commit(),
    }
    if args.reuse:
        out["dataset"] = json.loads((folder / "dataset.json").read_text())
        out["scale"] = out["dataset"].get("scale", args.scale)  # the data set's, not the default
    else:
        out["dataset"] = {
            "load_average": load.load_average(),
            **dataset.generate(folder, args.scale, list(urls.values()), show=args.progress),
        }
        (folder / "dataset.json").write_text(json.dumps(out["dataset"], indent=2))
    sample = json.loads((folder / "pairs.json").read_text())["sample"]
    levels = [int(x) for x in args.levels.split(",")]
    for name, url in urls.items():
        part: dict[str, Any] = {}
        out[name] = part
        if not args.plan_view_only:
            step(f"{name}: IG queries")
            app = dataset.app_for(url, folder)
            part["ig_queries"] = {"load_average": load.load_average()}
            part["ig_queries"].update(ig.ig_queries(app, sample, args.repeats))
            step(f"{name}: verification")
            part["verification"] = ig.verification(app)
            with app.app_context():
                from careplan.extensions import db

                db.engine.dispose()
        step(f"{name}: plan view under load")
        part["plan_view"] = load.plan_view(
            url, folder, levels, args.seconds, args.rounds, page=not args.no_page
        )
        write(out)
        if args.plan_view_only:
            continue
        step(f"{name}: worker memory")
        part["worker_memory"] = {
            "load_average": load.load_average(),
            **load.worker_memory(url, folder, args.memory_requests, args.seconds),
        }
        if name == "postgresql":
            step("postgresql: four processes, mixed load")
            part["mixed"] = load.mixed(url, folder, args.mixed_seconds)
        write(out)
    out["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write(out)
    return out


def step(text: str) -> None:
    print(f"==> {text}", file=sys.stderr, flush=True)


def write(out: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    name = out["results_name"]
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(out))


def markdown(out: dict[str, Any]) -> str:
    m, d = out["machine"], out["dataset"]
    lines = [
        "# National-scale benchmarks (issue #8)",
        "",
        f"Scale {out['scale']} (1 = 50,000 people, 20,000 staff, 200 agencies, 10M audit "
        f"records). Run {out['started']}"
        + (f" to {out['finished']}" if out.get("finished") else "")
        + (
            f" on commit `{out['commit']}`{' (with local changes)' if out.get('dirty') else ''}"
            if out.get("commit")
            else ""
        )
        + ".",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}, "
        f"Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m.get('postgresql', '-')}. "
        f"{m['shared'].capitalize()}.",
        "",
        "## Data set",
        "",
        "| what | value |",
        "| --- | --- |",
    ]
    lines += [f"| {k} | {v:,} |" for k, v in d["counts"].items()]
    lines += [
        f"| generator, total (both databases, one pass) | {d['seconds']} s |",
        *(f"| step: {k} | {v} s |" for k, v in d["steps_seconds"].items()),
        f"| audit records generated and written | {d['audit_records_per_second']:,}/s |",
        *(f"| size: {k} | {v['mib']:,} MiB |" for k, v in d["databases"].items()),
        f"| load average at start | {d.get('load_average', '-')} |",
    ]
    if d.get("note"):
        lines += ["", f"Note: {d['note']}."]
    for name in ("sqlite", "postgresql"):
        if name not in out:
            continue
        p = out[name]
        lines += ["", f"## {name}", ""]
        if "plan_view" in p:
            lines += plan_view_markdown(p["plan_view"])
        if "ig_queries" not in p:
            continue
        lines += [
            "### IG queries",
            "",
            "| query | p50 ms | p95 ms (target < 100) |",
            "| --- | --- | --- |",
        ]
        for q, r in p["ig_queries"].items():
            if isinstance(r, dict):
                lines.append(f"| {q} | {r['p50_ms']} | {r['p95_ms']} |")
        lines += ["", f"Load average at start: {p['ig_queries']['load_average']}.", ""]
        for q, r in p["ig_queries"].items():
            if isinstance(r, dict) and "plan" in r:
                lines += [f"Plan, {q}:", "", "```", *r["plan"], "```", ""]
        v = p["verification"]
        lines += [
            "### Verification",
            "",
            f"{v['records']:,} records in {v['seconds']} s: **{v['records_per_second']:,} "
            f"records/s** (target >= 100,000), intact: {v['ok']}. Resident memory before "
            f"{v['rss_mib_before']} MiB, at most {v['rss_mib_max']} MiB while verifying "
            f"(samples: {v['rss_mib_samples']}). Load average {v['load_average']}.",
            "",
        ]
        if "worker_memory" not in p:
            continue
        w = p["worker_memory"]
        lines += [
            "### Worker memory",
            "",
            f"{w['requests']:,} requests; RSS per worker (MiB) along the way: "
            + "; ".join(f"{s['requests']:,}: {s['rss_mib']}" for s in w["samples"])
            + f". Growth after the first chunk: {w['growth_mib_after_warm_up']} MiB; "
            f"workers never replaced: {w['workers_unchanged']}.",
            "",
        ]
        if "mixed" in p:
            x = p["mixed"]
            lines += [
                "### Four app processes, mixed reads and versioned writes",
                "",
                "| measure | value |",
                "| --- | --- |",
                *(f"| {k} | {v} |" for k, v in x.items()),
                "",
            ]
    return "\n".join(lines) + "\n"


def _figure(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def plan_view_markdown(pv: dict[str, Any]) -> list[str]:
    """The plan view's tables: every level of the median round, every round, the medians."""
    names = [n for n in load.SERVERS if n in pv]
    database = any("db_cpu_ms_per_request" in pv[n] for n in names)
    lines = [
        "### Plan view under load (gunicorn, 2 workers, wrk)",
        "",
        "Servers: **app**, the audited `GET /api/v1/people/{id}/plan`; **page**, the web plan "
        "page `GET /people/{id}` (signed-in session cookie); **baseline**, "
        "`bench/baseline_wsgi.py` (the same reads and audit insert on the plain driver). "
        "CPU ms/req: user + system CPU time of the server's gunicorn workers (from "
        "`/proc/PID/stat`) over the requests wrk completed in the same window"
        + ("; db CPU ms/req: the same for PostgreSQL's backend processes" if database else "")
        + ". Cores busy: the workers' CPU seconds a second. Probe ms: CPU time of a fixed "
        "pure-Python loop just before the level (higher = a slower, busier machine).",
        "",
        "| server | connections | req/s | p50 ms | p95 ms | p99 ms | non-2xx | CPU ms/req | "
        + ("db CPU ms/req | " if database else "")
        + "cores busy | load avg | probe ms |",
        "| --- " * (11 + database) + "|",
    ]
    for server in names:
        for r in pv[server]["levels"]:
            lines.append(
                f"| {server} | {r['connections']} | {r['rps']} | {r['p50_ms']} | "
                f"{r['p95_ms']} | {r['p99_ms']} | {r['non_2xx']} | "
                f"{_figure(r.get('cpu_ms_per_request'))} | "
                + (f"{_figure(r.get('db_cpu_ms_per_request'))} | " if database else "")
                + f"{_figure(r.get('cores_busy'))} | {r['load_average']} | "
                f"{_figure(r.get('speed_probe_ms'))} |"
            )
    rounds = pv.get("rounds", [])
    lines += ["", "The table above is the median round's (by throughput ratio).", ""]
    if rounds and "app_cpu_ms" in rounds[0]:
        head = ["round", "order"]
        head += [f"{n} req/s" for n in names] + [f"{n} CPU ms/req" for n in names]
        if database:
            head += [f"{n} db CPU ms/req" for n in names]
        keys = [k for k in load.ROUND_KEYS if k in rounds[0]]
        titles = {
            "ratio": "app / baseline req/s",
            "cpu_ratio": "baseline / app CPU",
            "page_ratio": "page / app req/s",
            "page_cpu_ratio": "app / page CPU",
        }
        head += [titles[k] for k in keys]
        lines += ["| " + " | ".join(head) + " |", "| --- " * len(head) + "|"]
        cells = [n for n in names] + [f"{n}_cpu_ms" for n in names]
        if database:
            cells += [f"{n}_db_cpu_ms" for n in names]
        cells += keys
        for i, r in enumerate(rounds, 1):
            order = ", ".join(r.get("order", []))
            values = [_figure(r.get(c)) for c in cells]
            lines.append(f"| {i} | {order} | " + " | ".join(values) + " |")
        med = pv["medians"]
        lines.append(
            "| **median** | | " + " | ".join(f"**{_figure(med.get(c))}**" for c in cells) + " |"
        )
        lines += [
            "",
            f"Throughput ratio (median round): **{pv['ratio']}** (target >= 0.5). CPU per "
            f"request (medians): app {_figure(med['app_cpu_ms'], ' ms')}, baseline "
            f"{_figure(med['baseline_cpu_ms'], ' ms')}"
            + (f", page {_figure(med['page_cpu_ms'], ' ms')}" if "page" in names else "")
            + f"; **baseline / app CPU {_figure(med['cpu_ratio'])}** (median of the rounds)."
            + (
                f" Page / API throughput: **{_figure(med['page_ratio'])}** (median of the "
                "rounds; target >= 0.6)."
                if "page" in names
                else ""
            ),
        ]
    elif rounds:
        lines.append(
            "Rounds (peak req/s): "
            + "; ".join(
                f"{i}: app {r['app']}, baseline {r['baseline']}, ratio {r['ratio']}"
                for i, r in enumerate(rounds, 1)
            )
            + "."
        )
    half = pv["app"]["at_half_peak"]
    lines += [
        "",
        f"Peak (median round): app {pv['app']['peak_rps']} req/s, baseline "
        f"{pv['baseline']['peak_rps']} req/s"
        + (f", page {pv['page']['peak_rps']} req/s" if "page" in names else "")
        + ". App p99 at half the peak "
        f"(the first level reaching it: {half['connections']} connections, {half['rps']} "
        f"req/s): **{half['p99_ms']} ms** (target < 50 ms).",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder for the data set")
    parser.add_argument("--pg", default="", help="an empty PostgreSQL database URL")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reuse", action="store_true", help="use the data set already in --data")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--levels", default="1,2,4,8,16,32", help="wrk connection counts")
    parser.add_argument("--seconds", type=float, default=10, help="per load level")
    parser.add_argument(
        "--rounds", type=int, default=3, help="plan view: app and baseline sweeps, in turn"
    )
    parser.add_argument("--repeats", type=int, default=40, help="runs per IG query")
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument("--mixed-seconds", type=float, default=60)
    parser.add_argument("--results", default="national", help="bench/results/NAME.{md,json}")
    parser.add_argument(
        "--plan-view-only", action="store_true", help="the data set and the plan view, nothing else"
    )
    parser.add_argument("--no-page", action="store_true", help="leave the web plan page out")
    parser.add_argument("--progress", action="store_true", default=sys.stderr.isatty())
    run(parser.parse_args())


if __name__ == "__main__":
    main()
