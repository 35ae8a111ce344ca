"""CPU per plan view in one process, the code before and after a change in turn, in pairs.

    .venv/bin/python -m bench.cprofile_pairs --before TREE --data DIR [--pg URL] \
        [--pairs 3] [--requests 400] [--rounds 3] [--mode both] [--calls 200] [--name NAME]

TREE: a checkout of the code before (e.g. `git worktree add --detach TREE COMMIT`; it needs
no environment of its own: it runs with this checkout's interpreter, `python -m` putting
TREE's packages first). Each pair runs `bench.cprofile_plan --no-profile` (the API plan view
and/or the web plan page: `--rounds` timed rounds of `--requests`, the median round) in
TREE, then in this checkout, on the same data set, so the machine's drift falls on both
sides of a pair alike; on a shared machine read the after / before ratio of each pair, not
milliseconds across files. With `--calls N`, one profiled run of N page requests on each
side as well: the Python function calls a request, which the machine's load does not move.
Writes bench/results/NAME.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import load

HERE = Path(__file__).resolve().parent.parent
RESULTS = HERE / "bench" / "results"


def _git(tree: Path, *argv: str) -> str:
    return subprocess.run(
        [shutil.which("git") or "git", *argv], cwd=tree, capture_output=True, text=True, check=False
    ).stdout.strip()


def _commit(tree: Path) -> str:
    dirty = " (with local changes)" if _git(tree, "status", "--short", "--", "careplan") else ""
    return _git(tree, "rev-parse", "--short", "HEAD") + dirty


def measure(tree: Path, args: argparse.Namespace, name: str, profile: int = 0) -> dict:
    """One `bench.cprofile_plan` run in `tree`; its JSON (the file it wrote is removed)."""
    argv = [sys.executable, "-m", "bench.cprofile_plan", "--data", str(args.data)]
    argv += ["--pg", args.pg] if args.pg else []
    if profile:
        argv += ["--mode", "page", "--requests", str(profile), "--rounds", "1", "--top", "5"]
    else:
        argv += ["--mode", args.mode, "--requests", str(args.requests)]
        argv += ["--rounds", str(args.rounds), "--no-profile"]
    argv += ["--name", name]
    subprocess.run(argv, cwd=tree, check=True, stdout=subprocess.DEVNULL)
    written = tree / "bench" / "results"
    result = json.loads((written / f"{name}.json").read_text())
    for suffix in (".json", ".md"):
        (written / f"{name}{suffix}").unlink(missing_ok=True)
    return result


def _by_mode(result: dict) -> dict[str, dict]:
    return {m["mode"]: m for m in result["modes"]}


def summarise(pairs: list[dict], modes: list[str]) -> dict[str, Any]:
    """Per view: each pair's CPU ms before and after, the medians and the after / before
    ratio of each pair and its median."""
    out: dict[str, Any] = {}
    for mode in modes:
        before = [_by_mode(p["before"])[mode]["cpu_ms_per_request"] for p in pairs]
        after = [_by_mode(p["after"])[mode]["cpu_ms_per_request"] for p in pairs]
        ratios = [round(a / b, 3) for a, b in zip(after, before, strict=True)]
        out[mode] = {
            "before_ms": before,
            "after_ms": after,
            "before_median_ms": statistics.median(before),
            "after_median_ms": statistics.median(after),
            "after_over_before": ratios,
            "after_over_before_median": statistics.median(ratios),
            "statements_before": _by_mode(pairs[0]["before"])[mode]["statements_per_request"],
            "statements_after": _by_mode(pairs[0]["after"])[mode]["statements_per_request"],
        }
    return out


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# CPU per plan view in one process: before and after, in pairs",
        "",
        f"Database: {result['database']}; data set scale {result['scale']}; before "
        f"`{result['before']}`, after `{result['after']}`; {len(result['pairs'])} pairs "
        f"(before then after), each `bench.cprofile_plan --no-profile --requests "
        f"{result['requests']} --rounds {result['rounds']}` (the median round); load "
        f"average {result['load_before']} before, {result['load_after']} after (shared "
        "machine). Made by `bench/cprofile_pairs.py`.",
        "",
        "| view | before ms (pairs) | after ms (pairs) | after / before (pairs) | median | "
        "SQL statements before, after |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for mode, s in result["views"].items():
        lines.append(
            f"| {mode} | {', '.join(map(str, s['before_ms']))} | "
            f"{', '.join(map(str, s['after_ms']))} | "
            f"{', '.join(map(str, s['after_over_before']))} | "
            f"**{s['after_over_before_median']}** | {s['statements_before']}, "
            f"{s['statements_after']} |"
        )
    calls = result.get("function_calls_per_request")
    if calls:
        lines += [
            "",
            f"Python function calls a page request (cProfile, {calls['requests']} requests): "
            f"before {calls['before']}, after {calls['after']} "
            f"({calls['after'] / calls['before'] - 1:+.1%}).",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the code before: a tree")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--pg", default="", help="the data set's PostgreSQL URL")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mode", choices=("api", "page", "both"), default="both")
    parser.add_argument("--calls", type=int, default=0, help="page requests profiled a side")
    parser.add_argument("--name", default="cprofile-pairs")
    args = parser.parse_args()
    args.data = args.data.resolve()
    before_tree = args.before.resolve()
    modes = ["api", "page"] if args.mode == "both" else [args.mode]
    result: dict[str, Any] = {
        "database": "postgresql" if args.pg else "sqlite",
        "scale": json.loads((args.data / "dataset.json").read_text()).get("scale"),
        "before": _commit(before_tree),
        "after": _commit(HERE),
        "requests": args.requests,
        "rounds": args.rounds,
        "load_before": load.load_average(),
        "pairs": [],
    }
    for i in range(args.pairs):
        pair = {
            "before": measure(before_tree, args, f"{args.name}-tmp-before-{i}"),
            "after": measure(HERE, args, f"{args.name}-tmp-after-{i}"),
        }
        result["pairs"].append(pair)
        print(f"pair {i + 1}: " + json.dumps(summarise([pair], modes)), flush=True)
    result["views"] = summarise(result["pairs"], modes)
    if args.calls:
        calls = {
            side: _by_mode(measure(tree, args, f"{args.name}-tmp-calls-{side}", args.calls))[
                "page"
            ]["function_calls_per_request"]
            for side, tree in (("before", before_tree), ("after", HERE))
        }
        result["function_calls_per_request"] = {"requests": args.calls, **calls}
    result["load_after"] = load.load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{args.name}.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
