"""Where a plan view's time goes: py-spy samples one gunicorn worker while wrk drives load.

    .venv/bin/python -m bench.profile --data DIR [--url URL] [--seconds 15]

Writes bench/results/profile.{md,json}: the share of the worker's busy samples spent in
each part of the request (inclusive, so nested parts are also counted in their parent).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from bench import load

RESULTS = Path(__file__).resolve().parent / "results"
PY_SPY = str(Path(sys.executable).parent / "py-spy")
# (label, frame prefix) in request order; a sample counts for each part on its stack.
PARTS = (
    ("whole request in Flask (wsgi_app)", "Flask.wsgi_app "),
    ("token lookup (prepared; account attached)", "authenticate (careplan/accounts/tokens.py"),
    ("access facts (person+plan, consents, ...)", "load_context (careplan/access/pipeline.py"),
    ("access decision (every section)", "section_decisions (careplan/access/policy.py"),
    ("sections read, still sealed", "section_views (careplan/plans/operations.py"),
    ("sections opened after the commit (AES-GCM)", "SectionView.content "),
    ("response: marshmallow dump", "Schema.dump "),
    ("response: JSON encoding", "respond ("),  # py-spy names the file http.py
    ("audit record built", "record (audit/log.py"),
    ("audit append (head lock, insert, head)", "append (audit/writer.py"),
    ("commit", "Session.commit "),
    ("prepared statements in the driver (all)", "run_statement (careplan/core/prepared.py"),
    ("SQLAlchemy execute (other statements)", "Session.execute "),
)


def summarise(raw: Path) -> dict[str, Any]:
    total, counts = 0, dict.fromkeys((label for label, _ in PARTS), 0)
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            # A frame name with a line break in it splits its stack over two lines: the
            # pieces are not samples (a few in a hundred thousand).
            continue
        frames = [f.strip() for f in stack.split(";")]
        total += int(n)
        for label, prefix in PARTS:
            if any(f.startswith(prefix) for f in frames):
                counts[label] += int(n)
    shares = {label: round(100 * n / max(total, 1), 1) for label, n in counts.items()}
    shares["gunicorn and HTTP outside Flask"] = round(
        100 - shares["whole request in Flask (wsgi_app)"], 1
    )
    return {"samples": total, "percent_of_busy_samples": shares}


def profile(url: str, folder: Path, seconds: int) -> dict[str, Any]:
    pairs = load.pairs_file(folder)
    raw = folder / "profile.raw"
    with load.gunicorn("careplan:create_app()", load.app_env(url, folder)) as (port, proc):
        load.warm(port, pairs)
        worker = load._children(proc.pid)[0]
        driver = threading.Thread(target=load.wrk, args=(port, pairs, 4, seconds + 2))
        driver.start()
        subprocess.run(
            [
                PY_SPY,
                "record",
                "--pid",
                str(worker),
                "--duration",
                str(seconds),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            check=True,
            capture_output=True,
        )
        driver.join()
    return {"database": url.split(":")[0], "load_average": load.load_average(), **summarise(raw)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--url", default="")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--name", default="profile", help="bench/results/NAME.{md,json}")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{args.data.resolve() / 'careplan.sqlite'}"
    result = profile(url, args.data.resolve(), args.seconds)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = "\n".join(f"| {k} | {v} % |" for k, v in result["percent_of_busy_samples"].items())
    (RESULTS / f"{args.name}.md").write_text(
        "# Where a plan view's time goes (py-spy, one gunicorn worker under wrk)\n\n"
        f"Database: {result['database']}; {result['samples']} busy samples; load average "
        f"{result['load_average']} (shared machine). Inclusive shares: a part nested in "
        "another counts in both.\n\n| part | share |\n| --- | --- |\n" + rows + "\n"
    )
    print((RESULTS / f"{args.name}.md").read_text())


if __name__ == "__main__":
    main()
