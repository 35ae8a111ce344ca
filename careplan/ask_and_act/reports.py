"""The duty's counts (Housing (Scotland) Act 2025, Part 5: asked, acted, referred,
outcome), per asking agency or per council area, naming nobody.

Counts below the configured threshold (`report_suppress_below`, default 5) are withheld
(None: shown as "fewer than 5"), in the manner of Public Health Scotland's statistical
disclosure control, so that nobody can be recognised from a small number. Zero is shown.
Secondary suppression (working a withheld cell out from a total) is not attempted: a
total is itself withheld when small, and a reader with two overlapping periods could
still difference them; the report is for the relevant bodies' returns, not publication.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.agencies.models import Agency
from careplan.ask_and_act.models import HousingAsk
from careplan.ask_and_act.rules import DutyRules, current
from careplan.directory.councils import name_of
from careplan.extensions import db

FIXED = ("asked", "under_duty", "offered_action", "took_up_action", "referred")


def columns(rules: DutyRules) -> list[str]:
    """The report's columns: the fixed counts, then one per answer and per outcome
    (`answer:<code>`, `outcome:<code>`), then `outcome:not_recorded`."""
    return [
        *FIXED,
        *(f"answer:{code}" for code in rules.codes("answers")),
        *(f"outcome:{code}" for code in rules.codes("outcomes")),
        "outcome:not_recorded",
    ]


def _counted(row: Any) -> Counter[str]:
    counts: Counter[str] = Counter(asked=1)
    counts["under_duty"] += int(row.under_duty)
    counts["offered_action"] += int(bool(row.actions_offered))
    counts["took_up_action"] += int(bool(row.actions_accepted))
    counts["referred"] += int(row.referral_id is not None)
    counts[f"answer:{row.answer}"] += 1
    counts[f"outcome:{row.outcome or 'not_recorded'}"] += 1
    return counts


def _shown(counts: Counter[str], names: list[str], below: int) -> dict[str, int | None]:
    return {n: (None if 0 < counts[n] < below else counts[n]) for n in names}


def report(start: date, end: date, by: str) -> dict[str, Any]:
    """Counts of asks made from `start` to `end` (inclusive days), grouped `by` "agency"
    or "council": {from, to, by, commenced_on, suppressed_below, columns, rows: [{group_id,
    group, counts}], total}. Records `housing_duty.report` (the period and grouping)."""
    rules = current()
    key = HousingAsk.agency_id if by == "agency" else HousingAsk.council_code
    found = db.session.execute(
        select(
            key.label("group_id"),
            HousingAsk.under_duty,
            HousingAsk.actions_offered,
            HousingAsk.actions_accepted,
            HousingAsk.referral_id,
            HousingAsk.answer,
            HousingAsk.outcome,
        ).where(HousingAsk.asked_on >= start, HousingAsk.asked_on <= end)
    )
    groups: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for row in found:
        counted = _counted(row)
        groups.setdefault(str(row.group_id), Counter()).update(counted)
        total.update(counted)
    names = columns(rules)
    labels = _group_labels(by, groups)
    rows = [
        {"group_id": gid, "group": labels[gid], "counts": _shown(c, names, rules.suppress_below)}
        for gid, c in sorted(groups.items(), key=lambda item: labels[item[0]])
    ]
    record(
        AuditAction.HOUSING_DUTY_REPORT,
        details={"from": start, "to": end, "by": by, "groups": len(rows)},
    )
    return {
        "start": start,
        "end": end,
        "by": by,
        "commenced_on": rules.commences_on,
        "suppressed_below": rules.suppress_below,
        "columns": names,
        "rows": rows,
        "total": {
            "group_id": "total",
            "group": "All",
            "counts": _shown(total, names, rules.suppress_below),
        },
    }


def _group_labels(by: str, groups: dict[str, Any]) -> dict[str, str]:
    if by == "council":
        return {code: name_of(code) or code for code in groups}
    ids = list(groups)
    agencies = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.id.in_([uuid.UUID(i) for i in ids]))
    )
    named = {str(a.id): a.name for a in agencies}
    return {gid: named.get(gid, "An organisation no longer here") for gid in ids}
