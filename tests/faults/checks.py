"""What every fault test ends with: every write answered 2xx is in the database as its
version with its audit record, nothing is half-written, the audit chain is intact (no
fork, no gap), and the figures: sent, answered, failed cleanly, lost.

"Answered": the app's own answer with a status the load expects (200, 201, or 412 when
another client changed the section first). "Failed cleanly": the app's designed 503
(`not_recorded` or `unavailable`), or the load balancer's 502/503/504 when no app
process could answer; either way the write is in the database whole (action and audit
record) or not at all. "Lost": a write answered 2xx that is not in the database as the
version it was given, or without its audit record. Anything else is "unclean".
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.faults.harness import ENTRY_SECTION, HOT_SECTION, ROOT, Sent

FIGURES = ROOT / "build" / "faults" / "figures.json"
EXPECTED = {200, 201, 412}
APP_FAILURES = {"not_recorded", "unavailable"}
ACTIONS = {"section": "section.update", "entry": "entry.create"}
# This run's figures and the restore drill's line, for the summary (tests/faults/conftest.py).
RUN: list[Figures] = []
DRILL: list[str] = []


@dataclass
class Figures:
    fault: str
    sent: int = 0
    answered: int = 0
    failed_cleanly: int = 0
    lost: int = 0
    unclean: int = 0
    reads: int = 0
    writes: int = 0
    writes_accepted: int = 0
    writes_committed_unanswered: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    failed_by: dict[str, int] = field(default_factory=dict)  # "app 503 unavailable": 12
    audit_records: int = 0
    audit_chain_ok: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def _in_database(app: Any, people: list[str], log: list[Sent]) -> tuple[dict, dict, dict, Any]:
    """(marker -> first section version holding it, marker -> entry id, (request id,
    action) -> outcomes, the chain's verification)."""
    from audit.models import AuditEvent
    from audit.verify import verify_chain
    from careplan.extensions import db
    from careplan.plans.models import Entry, Plan, Section, SectionVersion

    rids = [s.rid for s in log if s.kind in ACTIONS]
    ids = [uuid.UUID(p) for p in people]
    with app.app_context():
        versions: dict[str, int] = {}
        rows = db.session.execute(
            select(SectionVersion)
            .join(Section, Section.id == SectionVersion.section_id)
            .join(Plan, Plan.id == Section.plan_id)
            .where(Plan.person_id.in_(ids), Section.key == HOT_SECTION)
            .order_by(SectionVersion.version)
        ).scalars()
        for row in rows:
            for marker in (row.content or {}).get("what_matters") or []:
                versions.setdefault(marker, row.version)
        entries: dict[str, str] = {}
        for entry in db.session.scalars(
            select(Entry)
            .join(Plan, Plan.id == Entry.plan_id)
            .where(Plan.person_id.in_(ids), Entry.section_key == ENTRY_SECTION)
        ):
            entries[entry.text.removeprefix("Update ")] = str(entry.id)
        audit: dict[tuple[str, str], list[str]] = {}
        for start in range(0, len(rids), 500):
            for rid, action, outcome in db.session.execute(
                select(AuditEvent.request_id, AuditEvent.action, AuditEvent.outcome).where(
                    AuditEvent.request_id.in_(rids[start : start + 500])
                )
            ):
                audit.setdefault((rid, action), []).append(outcome)
        result = verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public)
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return versions, entries, audit, result


def check(app: Any, people: list[str], fault: str, log: list[Sent], seconds: float) -> Figures:
    """The figures of one fault run, with every problem found named in `problems`."""
    versions, entries, audit, chain = _in_database(app, people, log)
    figures = Figures(fault, sent=len(log), seconds=round(seconds, 1))
    figures.audit_records, figures.audit_chain_ok = chain.checked, chain.ok
    if not chain.ok:
        figures.problems.append(f"audit chain: {chain.problem} at {chain.first_bad_seq}")
    for sent in log:
        key = str(sent.status) if sent.status is not None else f"no answer ({sent.error})"
        figures.statuses[key] = figures.statuses.get(key, 0) + 1
        if sent.source == "app" and sent.status in EXPECTED:
            figures.answered += 1
        elif (sent.source == "app" and sent.status == 503 and sent.error in APP_FAILURES) or (
            sent.source == "balancer" and sent.status in (502, 503, 504)
        ):
            figures.failed_cleanly += 1
            how = f"{sent.source} {sent.status}" + (f" {sent.error}" if sent.error else "")
            figures.failed_by[how] = figures.failed_by.get(how, 0) + 1
        else:
            figures.unclean += 1
            figures.problems.append(f"{sent.kind} answered {key} from {sent.source}")
        if sent.kind == "read":
            figures.reads += 1
            continue
        figures.writes += 1
        _check_write(sent, versions, entries, audit, figures)
    figures.statuses = dict(sorted(figures.statuses.items()))
    return figures


def _check_write(sent: Sent, versions: dict, entries: dict, audit: dict, figures: Figures) -> None:
    outcomes = audit.get((sent.rid, ACTIONS[sent.kind]), [])
    recorded = "permit" in outcomes
    if sent.kind == "section":
        there = sent.marker in versions
        as_given = there and versions[sent.marker] == sent.version
    else:
        there = sent.marker in entries
        as_given = there and entries[sent.marker] == sent.entry_id
    if sent.status in (200, 201):
        figures.writes_accepted += 1
        if not (as_given and recorded):
            figures.lost += 1
            figures.problems.append(
                f"{sent.kind} answered {sent.status} but "
                + ("not in the database as its version" if not as_given else "not audited")
            )
        return
    if there and not recorded:
        figures.unclean += 1
        figures.problems.append(f"{sent.kind} half-written: kept without its audit record")
    elif recorded and not there:
        figures.unclean += 1
        figures.problems.append(f"{sent.kind} audited as done but not in the database")
    elif there and sent.source == "app":
        figures.unclean += 1
        figures.problems.append(f"{sent.kind} answered {sent.status} by the app but kept")
    elif there:
        figures.writes_committed_unanswered += 1  # whole, its answer lost with its process


def record(figures: Figures) -> None:
    """Add (or replace) this fault's figures in build/faults/figures.json."""
    record_named(figures.fault, asdict(figures))


def record_named(name: str, values: dict[str, Any]) -> None:
    """Add (or replace) `name`'s figures in build/faults/figures.json."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    known: dict[str, Any] = {}
    if FIGURES.exists():
        try:
            known = json.loads(FIGURES.read_text())
        except ValueError:
            known = {}
    known[name] = values
    FIGURES.write_text(json.dumps(known, indent=2) + "\n")


def table(rows: list[Figures]) -> list[str]:
    """The figures as a plain-text table for the test run's summary."""
    head = ("fault", "sent", "answered", "failed cleanly", "lost", "unclean", "audit records")
    lines = [head] + [
        (
            r.fault,
            str(r.sent),
            str(r.answered),
            str(r.failed_cleanly),
            str(r.lost),
            str(r.unclean),
            f"{r.audit_records} {'intact' if r.audit_chain_ok else 'BROKEN'}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines
    ]


def figures_path() -> Path:
    return FIGURES
