"""The referral inbox at national size (issue 19): p95 at 200,000 referrals.

    .venv/bin/python -m bench.referrals [--referrals 200000] [--pg URL] [--repeats 200]

Makes 40 agencies (each with a referral coordinator, practitioners, an information-sharing
agreement and ten services taking referrals), 20,000 people with plans, and the referrals
between them (reasons sealed at rest as the service seals them) in a fresh SQLite file
(and a PostgreSQL database if --pg is given); then times the inbox and outbox through the
app (`GET /api/v1/referrals`: token, policy, the access facts of each person listed, one
audit record, presentation) and writes bench/results/referrals.{md,json}. Times are
wall-clock milliseconds in one process.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench import in_process

AGENCIES = 40
PEOPLE = 20_000
STATUSES = ["requested"] * 3 + ["received", "accepted", "in-progress", "completed", "rejected"]


def _world(count: int, rng: random.Random) -> dict[str, Any]:
    """Agencies, staff, people, plans, services and `count` referrals, inserted in bulk."""
    from careplan.accounts.models import AccountKind, User
    from careplan.agencies.models import Agency
    from careplan.core import clock
    from careplan.directory.models import LOCAL, Organization, Service
    from careplan.extensions import db
    from careplan.people.models import Person
    from careplan.plans.models import Plan
    from careplan.protection.sealed import aad, vault
    from careplan.referrals.models import Referral
    from consent.models import SharingAgreement

    session = db.session
    now = clock.now()
    agencies = [
        {"id": uuid.uuid4(), "name": f"Agency {i}", "sector": "statutory", "kind": "nhs"}
        for i in range(AGENCIES)
    ]
    session.execute(insert(Agency), agencies)
    users, coordinators, workers = [], {}, {}
    for agency in agencies:
        coordinator = uuid.uuid4()
        coordinators[agency["id"]] = coordinator
        users.append(
            {
                "id": coordinator,
                "kind": AccountKind.STAFF,
                "email": f"coord-{coordinator.hex[:8]}@bench.test",
                "name": "Coordinator",
                "roles": ["practitioner", "referral_coordinator"],
                "agency_id": agency["id"],
            }
        )
        workers[agency["id"]] = []
        for _ in range(5):
            worker = uuid.uuid4()
            workers[agency["id"]].append(worker)
            users.append(
                {
                    "id": worker,
                    "kind": AccountKind.STAFF,
                    "email": f"kw-{worker.hex[:8]}@bench.test",
                    "name": "Key worker",
                    "roles": ["practitioner"],
                    "agency_id": agency["id"],
                }
            )
    session.execute(insert(User), users)
    session.execute(
        insert(SharingAgreement),
        [
            {
                "id": uuid.uuid4(),
                "agency_id": a["id"],
                "max_sensitivity": "sensitive",
                "sections": None,
                "lawful_basis": "art6_1_e_art9_2_h",
                "valid_until": date(2030, 1, 1),
                "created_by_id": coordinators[a["id"]],
            }
            for a in agencies
        ],
    )
    organization = Organization(name="Bench services", source=LOCAL, source_ref="bench-org")
    session.add(organization)
    session.flush()
    services = []
    for i, agency in enumerate(agencies * 10):
        services.append(
            {
                "id": uuid.uuid4(),
                "organization_id": organization.id,
                "name": f"Service {i}",
                "search_text": f"service {i}",
                "source": LOCAL,
                "source_ref": f"bench-{i}",
                "accepts_referrals": True,
                "agency_id": agency["id"],
                "version": 1,
            }
        )
    session.execute(insert(Service), services)
    people, plans = [], []
    for i in range(PEOPLE):
        agency = rng.choice(agencies)["id"]
        person = uuid.uuid4()
        people.append(
            {
                "id": person,
                "given_name": f"Given{i}",
                "family_name": f"Family{i}",
                "date_of_birth": date(1960, 1, 1) + timedelta(days=i % 15000),
            }
        )
        plans.append(
            {
                "id": uuid.uuid4(),
                "person_id": person,
                "lead_agency_id": agency,
                "key_worker_id": rng.choice(workers[agency]),
                "agreed_on": date(2026, 1, 5),
                "agreed_how": "in_person",
                "version": 1,
            }
        )
    session.execute(insert(Person), people)
    session.execute(insert(Plan), plans)
    sealer = vault()
    rows = []
    for _ in range(count):
        plan = plans[rng.randrange(PEOPLE)]
        service = rng.choice(services)
        referral = uuid.uuid4()
        status = rng.choice(STATUSES)
        created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
        reason = b"Needs support with housing and benefits before winter."
        rows.append(
            {
                "id": referral,
                "person_id": plan["person_id"],
                "plan_id": plan["id"],
                "service_id": service["id"],
                "receiving_agency_id": service["agency_id"],
                "referrer_id": plan["key_worker_id"],
                "referring_agency_id": plan["lead_agency_id"],
                "urgency": "routine",
                "reason": sealer.seal(
                    session, "referral", aad("referral", "reason", referral), reason
                ),
                "sections": ["housing"],
                "do_not_contact": False,
                "status": status,
                "respond_by": created + timedelta(days=14),
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
        if len(rows) == 5000:
            session.execute(insert(Referral.__table__), rows)
            rows = []
    if rows:
        session.execute(insert(Referral.__table__), rows)
    session.commit()
    busiest = agencies[0]["id"]
    return {
        "coordinator": coordinators[busiest],
        "key_worker": plans[0]["key_worker_id"],
    }


def measure(url: str, folder: Path, count: int, repeats: int) -> dict[str, Any]:
    in_process.use_database(url, folder)
    from flask_migrate import upgrade

    from careplan import create_app
    from careplan.accounts import tokens
    from careplan.accounts.models import User
    from careplan.extensions import db

    app = create_app()
    rng = random.Random(19)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        who = _world(count, rng)
        made = time.perf_counter() - started
        issued = {
            name: tokens.issue(db.session, db.session.get(User, user_id), timedelta(hours=2))
            for name, user_id in who.items()
        }
        db.session.commit()
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    client = app.test_client()
    queries = {
        "inbox, newest 50": ("coordinator", lambda i: "direction=incoming"),
        "inbox, waiting only": ("coordinator", lambda i: "direction=incoming&status=requested"),
        "inbox, page 20": ("coordinator", lambda i: "direction=incoming&offset=950"),
        "outbox of a key worker": ("key_worker", lambda i: "direction=outgoing"),
    }
    results: dict[str, Any] = {}
    for name, (caller, make) in queries.items():
        headers = {"Authorization": f"Bearer {issued[caller]}"}
        figures, answer = in_process.timed(
            client, lambda i, make=make: "/api/v1/referrals?" + make(i), headers, repeats
        )
        results[name] = figures | {
            "listed": len(answer.get_json()),
            "total": int(answer.headers["X-Total-Count"]),
        }
    return {"referrals": count, "setup_seconds": round(made, 1), "queries": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--pg", help="a PostgreSQL URL to measure too (its database is emptied)")
    args = parser.parse_args()
    out = in_process.on_each_database(
        "referrals", lambda url, folder: measure(url, folder, args.referrals, args.repeats), args.pg
    )
    lines = [
        "# The referral inbox at national size (issue 19)",
        "",
        f"{args.referrals:,} referrals between 40 agencies and 20,000 people; "
        "`GET /api/v1/referrals` timed in one process (token, policy, the access facts of "
        "each person listed, audit record, presentation), wall-clock ms. Target: p95 under "
        "100 ms.",
        "",
    ]
    for database, part in out.items():
        lines += [f"## {database}", "", f"Set-up: {part['setup_seconds']} s.", ""]
        lines += [
            "| query | listed | of | p50 ms | p95 ms | runs |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for name, r in part["queries"].items():
            cells = [name, r["listed"], f"{r['total']:,}", r["p50_ms"], r["p95_ms"], r["runs"]]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        lines.append("")
    in_process.write("referrals", out, lines)


if __name__ == "__main__":
    main()
