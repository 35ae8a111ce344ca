"""The referral's life cycle: which status may follow which, who may set it, and the
reasons each needs.

Statuses and their meaning after HL7 FHIR Gravity SDOH Clinical Care's referral Task
(requested, received, accepted, rejected, in-progress, on-hold, completed, cancelled,
failed). Issue 19 adds: a reason code and text for rejected, cancelled, on-hold and
failed; who declined a rejected one (provider or person); a rejection suggests another
service or says there is none.
"""

from __future__ import annotations

from careplan.access.permissions import Permission
from careplan.referrals.models import ReferralStatus as S

# Where a referral may go from each status. Closed statuses go nowhere.
NEXT: dict[S, frozenset[S]] = {
    S.REQUESTED: frozenset({S.RECEIVED, S.ACCEPTED, S.REJECTED, S.CANCELLED, S.FAILED}),
    S.RECEIVED: frozenset({S.ACCEPTED, S.REJECTED, S.ON_HOLD, S.CANCELLED, S.FAILED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.CANCELLED, S.FAILED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.COMPLETED, S.CANCELLED, S.FAILED}),
    S.ON_HOLD: frozenset(
        {S.ACCEPTED, S.IN_PROGRESS, S.REJECTED, S.COMPLETED, S.CANCELLED, S.FAILED}
    ),
    S.REJECTED: frozenset(),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}

CLOSED = frozenset(s for s, following in NEXT.items() if not following)
OPEN = frozenset(S) - CLOSED
# Waiting for the receiving service's answer: these expire when unanswered.
UNANSWERED = frozenset({S.REQUESTED, S.RECEIVED})
# Taken on by the receiving service.
TAKEN = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED})

NEEDS_REASON = frozenset({S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED})

# The reason codes each status takes, with the words the person and staff read.
REASONS: dict[S, dict[str, str]] = {
    S.REJECTED: {
        "not_eligible": "They do not meet the service's criteria",
        "outside_area": "They live outside the area the service covers",
        "no_capacity": "The service has no space at the moment",
        "better_elsewhere": "Another service would meet their needs better",
        "person_declined": "They decided not to take up the service",
        "duplicate": "They are already referred to or supported by this service",
        "forwarded": "Passed on to another service",
        "other": "Another reason (given below)",
    },
    S.CANCELLED: {
        "person_withdrew": "They no longer want this referral",
        "no_longer_needed": "It is no longer needed",
        "made_in_error": "It was made by mistake",
        "other": "Another reason (given below)",
    },
    S.ON_HOLD: {
        "waiting_for_information": "The service is waiting for more information",
        "waiting_list": "They are on the service's waiting list",
        "person_unavailable": "They are not available for now (in hospital, for example)",
        "other": "Another reason (given below)",
    },
    S.FAILED: {
        "no_answer": "The service did not answer in time",
        "could_not_contact": "The service could not get in touch with them",
        "did_not_attend": "They did not go to the appointments offered",
        "other": "Another reason (given below)",
    },
}

# Who sets each status. The receiving agency answers and reports progress; the
# referrer's side withdraws the referral; for a service not on the platform the
# referrer's side records the answer the service gave by phone or letter.
RECEIVER_SETS = frozenset(
    {S.RECEIVED, S.ACCEPTED, S.REJECTED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED}
)
REFERRER_SETS = frozenset({S.CANCELLED})


def permission_to_set(status: S, *, on_platform: bool) -> Permission:
    """The permission setting `status` needs (ValueError: nobody sets it: `requested`)."""
    if status in REFERRER_SETS:
        return Permission.REFERRAL_CANCEL
    if status not in RECEIVER_SETS:
        raise ValueError(f"nobody sets {status}")
    return Permission.REFERRAL_RESPOND if on_platform else Permission.REFERRAL_RECORD_ANSWER


def may_follow(current: S, wanted: S) -> bool:
    """Whether `wanted` may follow `current` (an illegal transition answers 409)."""
    return wanted in NEXT[current]


# What each status means, as the person and staff read it.
STATUS_WORDS: dict[S, str] = {
    S.REQUESTED: "Sent, waiting for the service to look at it",
    S.RECEIVED: "The service has it and is looking at it",
    S.ACCEPTED: "The service has accepted it",
    S.REJECTED: "The service cannot take it",
    S.IN_PROGRESS: "The service is working with them",
    S.ON_HOLD: "Paused for now",
    S.COMPLETED: "Finished",
    S.CANCELLED: "Cancelled",
    S.FAILED: "Closed without going ahead",
}


def reason_label(status: S, code: str | None) -> str | None:
    """The plain words for a reason code (None: none given, or an older code)."""
    if code is None:
        return None
    return REASONS.get(status, {}).get(code)
