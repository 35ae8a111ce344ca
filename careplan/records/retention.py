"""Retention: a closed plan is kept, read-only, for the retention period, then erased.

Erasure removes the plan's content and the person's details (sections and every version,
entries, care team, key worker history, consents, break-glass records, the person's
account and identity). The audit log stays whole and verifiable: it never held names, CHI
or plan content, only opaque ids, who acted, what kind of access and why, which is the
record of access the law expects to be kept. Each erasure is itself recorded.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from careplan.accounts.models import AccessToken, User
from careplan.ask_and_act.models import HousingAsk
from careplan.corrections.models import Correction
from careplan.crisis.models import CrisisEvent
from careplan.meetings.models import Meeting, MeetingAttendee
from careplan.notifications.models import Notification, NotificationDelivery
from careplan.people.models import DuplicateCandidate, Person
from careplan.plans.models import (
    CareTeamMember,
    Entry,
    KeyWorkerAssignment,
    Plan,
    PlanClosure,
    Section,
    SectionVersion,
)
from careplan.referrals.models import Referral, ReferralEvent
from careplan.subject_access.models import SubjectAccessRequest
from careplan.supporters.models import Supporter
from careplan.tasks.models import Task
from consent.models import BreakGlass, Consent


def due(session: Session, today: date, days: int) -> list[Plan]:
    cutoff = today - timedelta(days=days)
    return list(
        session.scalars(select(Plan).where(Plan.closed_on.is_not(None), Plan.closed_on <= cutoff))
    )


def erase(session: Session, plan: Plan) -> uuid.UUID:
    """Erase one closed plan and its person; returns the person's (opaque) id. Records of
    the same person merged into this one (careplan.records.merge) go with it, unless they
    kept a closed plan of their own: that one is erased when its own time comes."""
    person_id, plan_id = plan.person_id, plan.id
    planless = ~Person.id.in_(select(Plan.person_id).where(Plan.id != plan_id))
    merged = list(
        session.scalars(select(Person.id).where(Person.merged_into_id == person_id, planless))
    )
    people = [person_id, *merged]
    sections = select(Section.id).where(Section.plan_id == plan_id)
    meetings = select(Meeting.id).where(Meeting.person_id.in_(people))
    referrals = select(Referral.id).where(Referral.person_id.in_(people))
    accounts = select(User.id).where(User.person_id.in_(people))
    notices = select(Notification.id).where(Notification.recipient_user_id.in_(accounts))
    for statement in (
        delete(SectionVersion).where(SectionVersion.section_id.in_(sections)),
        delete(Section).where(Section.plan_id == plan_id),
        delete(Entry).where(Entry.plan_id == plan_id),
        # The living plan (issue 20): meetings, crisis events and corrections before the
        # tasks they name.
        delete(MeetingAttendee).where(MeetingAttendee.meeting_id.in_(meetings)),
        delete(Meeting).where(Meeting.person_id.in_(people)),
        delete(CrisisEvent).where(CrisisEvent.person_id.in_(people)),
        delete(Correction).where(Correction.person_id.in_(people)),
        delete(Task).where(Task.person_id.in_(people)),
        delete(CareTeamMember).where(CareTeamMember.plan_id == plan_id),
        delete(KeyWorkerAssignment).where(KeyWorkerAssignment.plan_id == plan_id),
        delete(PlanClosure).where(PlanClosure.plan_id == plan_id),
        # Ask and act and the consents that travelled with referrals name the referrals:
        # both go before them, a referral's history before the referral.
        delete(HousingAsk).where(HousingAsk.person_id.in_(people)),
        delete(Consent).where(Consent.person_id.in_(people)),
        delete(ReferralEvent).where(ReferralEvent.referral_id.in_(referrals)),
        delete(Referral).where(Referral.person_id.in_(people)),
        delete(SubjectAccessRequest).where(SubjectAccessRequest.person_id.in_(people)),
        # The places the person gave supporters; a supporter's own account is theirs.
        delete(Supporter).where(Supporter.person_id.in_(people)),
        delete(BreakGlass).where(BreakGlass.person_id.in_(people)),
        delete(AccessToken).where(AccessToken.user_id.in_(accounts)),
        # A notice the person's own action caused (a withdrawal, a correction) keeps its
        # kind and link, not who caused it: their account goes.
        update(Notification).where(Notification.actor_id.in_(accounts)).values(actor_id=None),
        delete(NotificationDelivery).where(NotificationDelivery.notification_id.in_(notices)),
        delete(Notification).where(Notification.recipient_user_id.in_(accounts)),
        delete(User).where(User.person_id.in_(people)),
        delete(Plan).where(Plan.id == plan_id),
        delete(DuplicateCandidate).where(
            or_(
                DuplicateCandidate.person_id.in_(people),
                DuplicateCandidate.candidate_id.in_(people),
            )
        ),
        # A merged record that kept a closed plan stays until its own retention ends,
        # still marked as merged (merged_at), pointing nowhere.
        update(Person).where(Person.merged_into_id.in_(people)).values(merged_into_id=None),
        delete(Person).where(Person.id.in_(people)),
    ):
        session.execute(statement.execution_options(synchronize_session=False))
    session.expunge_all()
    return person_id
