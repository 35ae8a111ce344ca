"""The service directory at national size (issue 19): search p95 at 10,000 services.

    .venv/bin/python -m bench.directory [--services 10000] [--pg URL] [--repeats 200]

Generates a directory (HSDS-shaped records through the real importer: organisations,
categories, council areas, locations) in a fresh SQLite file (and a PostgreSQL database if
--pg is given), then times `GET /api/v1/services` through the app (token, policy, audit
record, search, presentation) for several kinds of query, and writes
bench/results/directory.{md,json}. Times are wall-clock milliseconds in one process.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import in_process

WORDS = [
    "housing",
    "advice",
    "recovery",
    "cafe",
    "debt",
    "money",
    "food",
    "bank",
    "mental",
    "health",
    "listening",
    "support",
    "family",
    "carers",
    "employment",
    "training",
    "addiction",
    "alcohol",
    "drugs",
    "peer",
    "women",
    "young",
    "people",
    "tenancy",
    "homeless",
    "shelter",
    "outreach",
    "benefits",
    "legal",
    "justice",
    "prison",
    "advocacy",
    "wellbeing",
]
CATEGORIES = [(f"cat-{i}", f"Category {i}") for i in range(30)]
AREAS = ["S12000049", "S12000036", "S12000033", "S12000047", "S12000050", "S12000017"]


def _services(count: int, rng: random.Random) -> list[dict[str, Any]]:
    from careplan.directory import councils

    areas = [c.code for c in councils.councils()]
    out = []
    for i in range(count):
        words = " ".join(rng.choices(WORDS, k=12))
        area = rng.choice(areas)
        out.append(
            {
                "id": f"bench-{i}",
                "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} service {i}",
                "description": f"Offers {words}.",
                "organization": {"id": f"org-{i % 2000}", "name": f"Organisation {i % 2000}"},
                "service_areas": [{"extent": area}]
                if rng.random() > 0.05
                else [{"extent": "Scotland"}],
                "attributes": [
                    {"taxonomy_term": {"code": c, "name": n, "taxonomy": "bench"}}
                    for c, n in rng.sample(CATEGORIES, k=2)
                ],
                "service_at_locations": [
                    {
                        "location": {
                            "id": f"loc-{i}",
                            "name": "Main office",
                            "latitude": 55 + rng.random() * 3,
                            "longitude": -6 + rng.random() * 4,
                        }
                    }
                ],
            }
        )
    return out


def measure(url: str, folder: Path, count: int, repeats: int) -> dict[str, Any]:
    in_process.use_database(url, folder)
    from flask_migrate import upgrade

    from careplan import create_app
    from careplan.accounts import tokens
    from careplan.accounts.models import AccountKind, User
    from careplan.core import unit_of_work
    from careplan.directory import operations, sources
    from careplan.extensions import db

    app = create_app()
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        found = sources.read(_services(count, rng), hsds_source="bench")
        with unit_of_work.job("bench"):
            operations.import_services(db.session, found)
        imported = time.perf_counter() - started
        user = User(
            kind=AccountKind.STAFF, email="bench@example.test", name="Bench", roles=["practitioner"]
        )
        db.session.add(user)
        db.session.flush()
        token = tokens.issue(db.session, user, timedelta(hours=2))
        db.session.commit()
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    queries = {
        "one word": lambda i: f"q={WORDS[i % len(WORDS)]}",
        "two words": lambda i: f"q={WORDS[i % len(WORDS)]}+{WORDS[(i * 7) % len(WORDS)]}",
        "category": lambda i: f"category=cat-{i % 30}",
        "council area": lambda i: f"area={AREAS[i % len(AREAS)]}",
        "word, category and area": lambda i: (
            f"q={WORDS[i % len(WORDS)]}&category=cat-{i % 30}&area=S12000049"
        ),
        "deep page (offset 5,000)": lambda i: "offset=5000",
    }
    results: dict[str, Any] = {}
    for name, make in queries.items():
        results[name], _ = in_process.timed(
            client, lambda i, make=make: "/api/v1/services?" + make(i), headers, repeats
        )
    return {"services": count, "import_seconds": round(imported, 1), "queries": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--pg", help="a PostgreSQL URL to measure too (its database is emptied)")
    args = parser.parse_args()
    out = in_process.on_each_database(
        "directory", lambda url, folder: measure(url, folder, args.services, args.repeats), args.pg
    )
    lines = [
        "# Service directory at national size (issue 19)",
        "",
        f"{args.services:,} services through the real importer; `GET /api/v1/services` timed "
        "in one process (token, policy, audit record, search, presentation), wall-clock ms.",
        "Target: p95 under 100 ms.",
        "",
    ]
    for database, part in out.items():
        lines += [f"## {database}", "", f"Import: {part['import_seconds']} s.", ""]
        lines += ["| query | p50 ms | p95 ms | runs |", "| --- | --- | --- | --- |"]
        for name, r in part["queries"].items():
            lines.append(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['runs']} |")
        lines.append("")
    in_process.write("directory", out, lines)


if __name__ == "__main__":
    main()
