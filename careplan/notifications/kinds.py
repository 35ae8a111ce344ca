"""The kinds of notification: each one sentence, and who in an agency receives it.

Adding a kind is one enum member plus its entry in `RULES` (a title and a sentence; a
test checks every member has one, and the column has no constraint to migrate). The
sentence is the whole message: it is what an email or text says, in the words a key
worker, an IG officer or the person would want to hear, and it names no one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from careplan.access.subject import Role


class NotificationKind(enum.StrEnum):
    BREAK_GLASS_ON_MY_PERSON = "break_glass.key_worker"
    BREAK_GLASS_FOR_REVIEW = "break_glass.review"
    CLAIM_ON_MY_PERSON = "claim.key_worker"
    CLAIM_FOR_REVIEW = "claim.review"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    CONSENT_ENDING = "consent.ending"
    CONSENT_ENDING_MINE = "consent.ending.person"
    CARE_TEAM_ADDED = "care_team.added"
    TASK_ASSIGNED = "task.assigned"
    # Issue 22: plans left without an active key worker (a team leader of the departed
    # key worker's team, or the lead agency's practitioners where it has no teams).
    NEEDS_KEY_WORKER = "key_worker.needed"
    NEEDS_KEY_WORKER_AGENCY = "key_worker.needed.agency"
    KEY_WORKER_COVER = "key_worker.cover"
    TASK_ASSIGNED_AGENCY = "task.assigned.agency"
    CORRECTION_ANSWERED = "correction.answered"
    CRISIS_RECORDED = "crisis.key_worker"
    REFERRAL_RECEIVED = "referral.received"
    REFERRAL_CANCELLED = "referral.cancelled"
    REFERRAL_STATUS = "referral.status"
    REFERRAL_STATUS_MINE = "referral.status.person"
    REFERRAL_EXPIRING = "referral.expiring"
    REFERRAL_EXPIRING_SENT = "referral.expiring.referrer"
    # Subject access (issue 18): the copy is ready for the person, or for their key worker
    # to hand over; a refusal is an answer the person is told of too.
    SUBJECT_ACCESS_READY = "subject_access.ready"
    SUBJECT_ACCESS_HAND_OVER = "subject_access.hand_over"
    SUBJECT_ACCESS_ANSWERED = "subject_access.answered"
    # Supporters (issue 20): the invitee is told to expect a code from the person; the key
    # worker hears when the person shares with someone, or stops, themselves.
    SUPPORTER_INVITED = "supporter.invited"
    SUPPORTER_CHANGED = "supporter.changed"


@dataclass(frozen=True)
class KindRule:
    """`title`: what it is about, in a few words (lists, pages); `sentence`: the message,
    with no personal content; `agency_role`: the role a staff member must hold, at send
    time, to receive a notification addressed to their agency (None: the kind is only
    ever addressed to one account); `sentence_many`: the message for several at once."""

    title: str
    sentence: str
    agency_role: Role | None = None
    # The message when one notice tells of several (`Notification.count`), with
    # "{count}"; None: the sentence says it for any number.
    sentence_many: str | None = None


RULES: dict[NotificationKind, KindRule] = {
    NotificationKind.BREAK_GLASS_ON_MY_PERSON: KindRule(
        "Emergency access used",
        "Someone used emergency access to see the plan of a person you are key worker for. "
        "Sign in to see who and why.",
    ),
    NotificationKind.BREAK_GLASS_FOR_REVIEW: KindRule(
        "Emergency access to review",
        "Emergency access was used and is waiting for review. Sign in to review it.",
        agency_role=Role.IG_OFFICER,
    ),
    NotificationKind.CLAIM_ON_MY_PERSON: KindRule(
        "Relationship claimed",
        "Someone joined the care team of a person you are key worker for by claiming a "
        "relationship. Sign in to see it.",
    ),
    NotificationKind.CLAIM_FOR_REVIEW: KindRule(
        "Claimed relationship to review",
        "A claimed relationship is waiting for review. Sign in to review it.",
        agency_role=Role.IG_OFFICER,
    ),
    NotificationKind.CONSENT_WITHDRAWN: KindRule(
        "Consent withdrawn",
        "A person you are key worker for has withdrawn a consent to share. It stopped "
        "applying straight away. Sign in to see it.",
    ),
    NotificationKind.CONSENT_ENDING: KindRule(
        "Consent ending soon",
        "A consent to share for a person you are key worker for ends within 30 days. "
        "Sign in to see it and talk to them about it.",
    ),
    NotificationKind.CONSENT_ENDING_MINE: KindRule(
        "Your choice ends soon",
        "One of your choices about who can see your plan ends within 30 days. Sign in to see it.",
    ),
    NotificationKind.CARE_TEAM_ADDED: KindRule(
        "Added to a care team",
        "You have been added to the care team of someone you support. Sign in to see their plan.",
    ),
    NotificationKind.TASK_ASSIGNED: KindRule(
        "Action for you",
        "You have been given an action for someone you support. Sign in to see it in your tasks.",
        sentence_many="You have been given {count} actions for someone you support. Sign in "
        "to see them in your tasks.",
    ),
    NotificationKind.TASK_ASSIGNED_AGENCY: KindRule(
        "Action for your organisation",
        "Your organisation has been given an action for someone it supports. Sign in to see "
        "it in your tasks.",
        agency_role=Role.PRACTITIONER,
        sentence_many="Your organisation has been given {count} actions for someone it "
        "supports. Sign in to see them in your tasks.",
    ),
    NotificationKind.NEEDS_KEY_WORKER: KindRule(
        "People need a new key worker",
        "A key worker in your team has left, and some of the people they supported need a "
        "new key worker. Sign in to see the list and share them out.",
    ),
    NotificationKind.NEEDS_KEY_WORKER_AGENCY: KindRule(
        "People need a new key worker",
        "A key worker in your organisation has left, and some of the people they supported "
        "need a new key worker. Sign in to see the list.",
        agency_role=Role.PRACTITIONER,
    ),
    NotificationKind.KEY_WORKER_COVER: KindRule(
        "You are covering for a colleague",
        "A colleague has asked you to cover the people they are key worker for while they "
        "are away. Sign in to see the dates.",
    ),
    NotificationKind.CORRECTION_ANSWERED: KindRule(
        "Your question has an answer",
        "Your key worker has answered your request to correct your plan. Sign in to read it.",
    ),
    NotificationKind.CRISIS_RECORDED: KindRule(
        "Crisis recorded",
        "A crisis was recorded for a person you are key worker for. Sign in to see what "
        "follow-up is needed.",
    ),
    NotificationKind.REFERRAL_RECEIVED: KindRule(
        "New referral",
        "Your organisation has a new referral. Sign in to see it.",
        agency_role=Role.REFERRAL_COORDINATOR,
    ),
    NotificationKind.REFERRAL_CANCELLED: KindRule(
        "Referral cancelled",
        "A referral to your organisation was cancelled. Sign in to see why.",
        agency_role=Role.REFERRAL_COORDINATOR,
    ),
    NotificationKind.REFERRAL_STATUS: KindRule(
        "Referral updated",
        "A referral you made has been updated. Sign in to see it.",
    ),
    NotificationKind.REFERRAL_STATUS_MINE: KindRule(
        "News about a referral",
        "There is news about one of your referrals. Sign in to see it.",
    ),
    NotificationKind.REFERRAL_EXPIRING: KindRule(
        "Referral waiting for an answer",
        "A referral to your organisation has not been answered and closes within a day. "
        "Sign in to answer it.",
        agency_role=Role.REFERRAL_COORDINATOR,
    ),
    NotificationKind.REFERRAL_EXPIRING_SENT: KindRule(
        "Referral not answered yet",
        "A referral you made has not been answered yet, and closes within a day if it is "
        "not. Sign in to see it.",
    ),
    NotificationKind.SUBJECT_ACCESS_READY: KindRule(
        "Your copy is ready",
        "The copy of your information that you asked for is ready. Sign in to read it or "
        "download it.",
    ),
    NotificationKind.SUBJECT_ACCESS_HAND_OVER: KindRule(
        "A copy to hand over",
        "A copy of everything held about a person you are key worker for is ready for you to "
        "give to them. Sign in to see it.",
    ),
    NotificationKind.SUBJECT_ACCESS_ANSWERED: KindRule(
        "An answer to your request",
        "There is an answer to your request for a copy of your information. Sign in to read it.",
    ),
    NotificationKind.SUPPORTER_INVITED: KindRule(
        "Invitation to help someone",
        "Someone you support has invited you to see parts of their care plan. They will give "
        "you an invitation code. Sign in with it on the invitation page to choose a password.",
    ),
    NotificationKind.SUPPORTER_CHANGED: KindRule(
        "Who a person shares with has changed",
        "A person you are key worker for has changed which of the people supporting them can "
        "see parts of their plan. Sign in to see it.",
    ),
}


def sentence(kind: NotificationKind, count: int = 1) -> str:
    """The message of a notice of `kind` telling of `count` events (at least one)."""
    rule = RULES[kind]
    if count > 1 and rule.sentence_many is not None:
        return rule.sentence_many.format(count=count)
    return rule.sentence


def title(kind: NotificationKind) -> str:
    return RULES[kind].title
