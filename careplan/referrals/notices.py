"""Who is told what happens to a referral (issue 19), queued in the change's unit of work.

- made (or forwarded) to a service on the platform: the receiving agency's referral
  coordinators;
- a new status set by the receiving agency: the referrer, and the person if they have
  an account; cancelled by the referrer's side: the receiving agency;
- about to fail unanswered: the receiving agency and the referrer, once per referral.
Nobody is told of their own action; no message names anyone (`notifications.kinds`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.notifications.kinds import NotificationKind as Kind
from careplan.notifications.outbox import queue
from careplan.referrals.models import Referral, ReferralStatus


def link(referral: Referral) -> str:
    return f"/referrals/{referral.id}"


def made(session: Session, referral: Referral, actor: Any) -> None:
    if referral.receiving_agency_id is not None:
        queue(
            session,
            Kind.REFERRAL_RECEIVED,
            to_agency_id=referral.receiving_agency_id,
            link=link(referral),
            actor_id=actor.id,
        )


def status_changed(session: Session, referral: Referral, actor: Any | None) -> None:
    actor_id = actor.id if actor is not None else None
    if referral.status is ReferralStatus.CANCELLED:
        if referral.receiving_agency_id is not None:
            queue(
                session,
                Kind.REFERRAL_CANCELLED,
                to_agency_id=referral.receiving_agency_id,
                link=link(referral),
                actor_id=actor_id,
            )
    else:
        queue(
            session,
            Kind.REFERRAL_STATUS,
            to_user_id=referral.referrer_id,
            link=link(referral),
            actor_id=actor_id,
        )
    person_account = session.scalar(
        select(User.id).where(User.person_id == referral.person_id, User.active.is_(True))
    )
    if person_account is not None:
        queue(
            session,
            Kind.REFERRAL_STATUS_MINE,
            to_user_id=person_account,
            link="/me/referrals",
            actor_id=actor_id,
        )


def expiring(session: Session, referral: Referral) -> None:
    """Once per referral and answer-by time (a referral's time never moves)."""
    key = f"referral-expiring:{referral.id}:{referral.respond_by.isoformat()}"
    if referral.receiving_agency_id is not None:
        queue(
            session,
            Kind.REFERRAL_EXPIRING,
            to_agency_id=referral.receiving_agency_id,
            link=link(referral),
            dedupe_key=key,
        )
    queue(
        session,
        Kind.REFERRAL_EXPIRING_SENT,
        to_user_id=referral.referrer_id,
        link=link(referral),
        dedupe_key=key + ":referrer",
    )
