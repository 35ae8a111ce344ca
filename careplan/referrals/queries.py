"""Counts of referrals for a key worker's caseload (no personal content: numbers only)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from careplan.referrals import lifecycle
from careplan.referrals.models import Referral, ReferralStatus


@dataclass
class ReferralCounts:
    """For one person: referrals waiting for an answer, taken on (accepted, in progress,
    paused), and not taken up (rejected or failed) since `since`."""

    waiting: int = 0
    taken: int = 0
    not_taken: int = 0


NOT_TAKEN = (ReferralStatus.REJECTED, ReferralStatus.FAILED)
OPEN_TAKEN = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.ON_HOLD)


def counts(
    session: Session, person_ids: Iterable[uuid.UUID], since: datetime
) -> dict[uuid.UUID, ReferralCounts]:
    """Each person's counts, in one statement (people with none are absent)."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Referral.person_id, Referral.status, func.count())
        .where(
            Referral.person_id.in_(ids),
            or_(Referral.status.in_(lifecycle.OPEN), Referral.closed_at >= since),
        )
        .group_by(Referral.person_id, Referral.status)
    )
    found: dict[uuid.UUID, ReferralCounts] = {}
    for person_id, status, count in rows:
        item = found.setdefault(person_id, ReferralCounts())
        if status in lifecycle.UNANSWERED:
            item.waiting += count
        elif status in OPEN_TAKEN:
            item.taken += count
        elif status in NOT_TAKEN:
            item.not_taken += count
    return found
