"""Unanswered referrals: warned about, then closed as failed with "no answer" (issue 19:
"unanswered referrals expire after a configured time and say so"). Run hourly by
`flask --app careplan referrals expire`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from audit.actions import AuditAction
from audit.log import record
from careplan.core import clock
from careplan.extensions import db
from careplan.referrals import notices, operations
from careplan.referrals.models import ReferralStatus

NO_ANSWER = {
    "status": ReferralStatus.FAILED,
    "reason_code": "no_answer",
    "reason_text": "The service did not answer in time, so the referral closed. Talk to "
    "your key worker about trying again or another service.",
}


@dataclass(frozen=True)
class Expiry:
    warned: int
    closed: int


def run(now: datetime | None = None) -> Expiry:
    """Warn of referrals closing within CAREPLAN_REFERRAL_WARNING_HOURS (once each), and
    close those past their time: status failed, reason `no_answer`, the travelling
    consent ended, the referrer and the person told; one `referral.status` audit record
    each, by the service itself (no user). Call inside a unit of work (`job`)."""
    now = now or clock.now()
    hours = int(current_app.config["REFERRAL_WARNING_HOURS"])
    soon = operations.unanswered_soon(db.session, now, now + timedelta(hours=hours))
    for referral in soon:
        notices.expiring(db.session, referral)
    closed = operations.unanswered_due(db.session, now)
    for referral in closed:
        before = referral.status
        operations.change_status(db.session, referral, NO_ANSWER, None)
        notices.status_changed(db.session, referral, None)
        record(
            AuditAction.REFERRAL_STATUS,
            user=None,
            person_id=referral.person_id,
            basis={"referral": "service:expiry"},
            details={
                "referral_id": referral.id,
                "from": before.value,
                "to": referral.status.value,
                "reason_code": "no_answer",
            },
        )
    return Expiry(warned=len(soon), closed=len(closed))
