"""The rule tables: for each resource type, what each basis lets its holder do.

Anything a table does not list is denied, for every basis, the key worker's included: a
permission added for a new kind of record is granted to nobody until a row here says so.
The tables are the policy's statement of BRIEF.md's sharing rules; `policy.decide` decides
which basis applies, these say what it allows.
"""

from __future__ import annotations

from collections.abc import Mapping

from careplan.access.decision import BasisKind
from careplan.access.permissions import Permission, ResourceType
from careplan.access.permissions import Permission as P
from careplan.access.subject import Role

Table = Mapping[BasisKind, frozenset[P]]

PERSON: Table = {
    BasisKind.SELF: frozenset(
        {
            P.PERSON_VIEW,
            P.PERSON_IDENTITY_VIEW,
            P.PERSON_CONSENTS_VIEW,
            P.PERSON_CONSENT_RECORD,
            P.PERSON_ACCESS_LOG_VIEW,
            P.PERSON_EXPORT,
            P.PERSON_REFERRALS_VIEW,
        }
    ),
    # The person agreed to their key worker: they keep the person's record with them.
    BasisKind.KEY_WORKER: frozenset(
        {
            P.PERSON_VIEW,
            P.PERSON_IDENTITY_VIEW,
            P.PERSON_CONSENTS_VIEW,
            P.PERSON_CONSENT_RECORD,
            P.PERSON_ACCESS_LOG_VIEW,
            P.PERSON_ACCOUNT_LINK,
            P.PERSON_EXPORT,
            P.PERSON_CHI_RECORD,
            P.PERSON_REFERRAL_CREATE,
            P.PERSON_REFERRALS_VIEW,
        }
    ),
    BasisKind.LEAD_AGENCY: frozenset(
        {
            P.PERSON_VIEW,
            P.PERSON_IDENTITY_VIEW,
            P.PERSON_CONSENTS_VIEW,
            P.PERSON_CHI_RECORD,
            P.PERSON_REFERRAL_CREATE,
            P.PERSON_REFERRALS_VIEW,
        }
    ),
    # Issue 22: where the lead agency has teams, the key worker's team holds what the whole
    # agency held; a team leader reads, for supervision; a cover sees what the key worker
    # sees while they are away (their consents and referrals included), and changes nothing.
    BasisKind.KEY_WORKER_TEAM: frozenset(
        {
            P.PERSON_VIEW,
            P.PERSON_IDENTITY_VIEW,
            P.PERSON_CONSENTS_VIEW,
            P.PERSON_CHI_RECORD,
            P.PERSON_REFERRAL_CREATE,
            P.PERSON_REFERRALS_VIEW,
        }
    ),
    BasisKind.TEAM_LEADER: frozenset(
        {P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW, P.PERSON_REFERRALS_VIEW}
    ),
    BasisKind.COVER: frozenset(
        {P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW, P.PERSON_CONSENTS_VIEW, P.PERSON_REFERRALS_VIEW}
    ),
    BasisKind.REGISTERED: frozenset({P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW, P.PERSON_CHI_RECORD}),
    # A care-team member with the person's consent may refer them on (API.md).
    BasisKind.CONSENT: frozenset(
        {P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW, P.PERSON_REFERRAL_CREATE, P.PERSON_REFERRALS_VIEW}
    ),
    BasisKind.BREAK_GLASS: frozenset(
        {P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW, P.PERSON_REFERRALS_VIEW}
    ),
    # The receiving agency knows who was referred (name, date of birth and CHI, to match
    # them with its own records: a referral is direct care), and nothing of their other
    # referrals.
    BasisKind.REFERRAL: frozenset({P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW}),
    BasisKind.HANDED_OVER: frozenset({P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW}),
    # A supporter knows whose sections they were shown (their name), and nothing else
    # about them: not their date of birth or CHI number (no PERSON_IDENTITY_VIEW).
    BasisKind.SUPPORTER: frozenset({P.PERSON_VIEW}),
}

PLAN: Table = {
    BasisKind.SELF: frozenset({P.PLAN_VIEW, P.PLAN_CARE_TEAM_VIEW}),
    BasisKind.KEY_WORKER: frozenset(
        {
            P.PLAN_VIEW,
            P.PLAN_CLOSE,
            P.PLAN_REOPEN,
            P.PLAN_HAND_OVER,
            P.PLAN_AGREEMENT_RECORD,
            P.PLAN_CARE_TEAM_VIEW,
            P.PLAN_CARE_TEAM_MANAGE,
            P.PLAN_CARE_TEAM_END,
        }
    ),
    BasisKind.LEAD_AGENCY: frozenset(
        {
            P.PLAN_VIEW,
            P.PLAN_REOPEN,
            P.PLAN_HAND_OVER,
            P.PLAN_CARE_TEAM_VIEW,
            P.PLAN_CARE_TEAM_MANAGE,
            P.PLAN_CARE_TEAM_END,
        }
    ),
    BasisKind.KEY_WORKER_TEAM: frozenset(
        {
            P.PLAN_VIEW,
            P.PLAN_HAND_OVER,
            P.PLAN_REOPEN,
            P.PLAN_CARE_TEAM_VIEW,
            P.PLAN_CARE_TEAM_MANAGE,
            P.PLAN_CARE_TEAM_END,
        }
    ),
    BasisKind.TEAM_LEADER: frozenset({P.PLAN_VIEW, P.PLAN_CARE_TEAM_VIEW}),
    BasisKind.COVER: frozenset({P.PLAN_VIEW, P.PLAN_CARE_TEAM_VIEW}),
    BasisKind.REGISTERED: frozenset({P.PLAN_VIEW, P.PLAN_CREATE}),
    # A care team member the person shares with (the recovery cafe they stepped down to)
    # may bring a closed plan back, leading it themselves, with the person's agreement.
    BasisKind.CONSENT: frozenset({P.PLAN_VIEW, P.PLAN_CARE_TEAM_VIEW, P.PLAN_REOPEN}),
    BasisKind.BREAK_GLASS: frozenset({P.PLAN_VIEW, P.PLAN_CARE_TEAM_VIEW}),
    # A warm hand-over reads, while the new key worker takes over; it changes nothing.
    BasisKind.HANDED_OVER: frozenset({P.PLAN_VIEW, P.PLAN_CARE_TEAM_VIEW}),
    # The plan page, showing the travelling sections only (the others are withheld),
    # and who leads it, so the receiving service can reach the person through them.
    BasisKind.REFERRAL: frozenset({P.PLAN_VIEW}),
    # The plan page with the chosen sections only (the rest withheld), and who leads it,
    # so the supporter knows whom to speak to; never the care team's list.
    BasisKind.SUPPORTER: frozenset({P.PLAN_VIEW}),
}

SECTION: Table = {
    # The person's own voice (issue 20): they write, and add updates to, only the sections
    # the catalogue marks `person_writes` (the policy narrows these to those).
    BasisKind.SELF: frozenset({P.SECTION_VIEW, P.SECTION_WRITE, P.SECTION_ADD_ENTRY}),
    BasisKind.KEY_WORKER: frozenset({P.SECTION_VIEW, P.SECTION_WRITE, P.SECTION_ADD_ENTRY}),
    BasisKind.LEAD_AGENCY: frozenset({P.SECTION_VIEW, P.SECTION_ADD_ENTRY}),
    BasisKind.KEY_WORKER_TEAM: frozenset({P.SECTION_VIEW, P.SECTION_ADD_ENTRY}),
    BasisKind.TEAM_LEADER: frozenset({P.SECTION_VIEW}),
    BasisKind.COVER: frozenset({P.SECTION_VIEW, P.SECTION_ADD_ENTRY}),
    BasisKind.CONSENT: frozenset({P.SECTION_VIEW, P.SECTION_ADD_ENTRY}),
    # An emergency reads; it never changes the plan.
    BasisKind.BREAK_GLASS: frozenset({P.SECTION_VIEW}),
    BasisKind.HANDED_OVER: frozenset({P.SECTION_VIEW}),
    # The sections sent with a referral are read, never written, by the receiving agency.
    BasisKind.REFERRAL: frozenset({P.SECTION_VIEW}),
    # The sections the person chose: read, never written, never added to.
    BasisKind.SUPPORTER: frozenset({P.SECTION_VIEW}),
}

# One referral, decided on the referral itself (`policy._decide_referral`): the
# referrer's side (who made it, the person's key worker and lead agency) follows it up,
# cancels it and records a paper answer; the receiving agency answers and forwards it;
# the person sees it. A care-team member without one of these sees it in the person's
# list of referrals (PERSON_REFERRALS_VIEW), not opened.
REFERRAL: Table = {
    BasisKind.SELF: frozenset({P.REFERRAL_VIEW}),
    BasisKind.REFERRER: frozenset(
        {P.REFERRAL_VIEW, P.REFERRAL_CANCEL, P.REFERRAL_RECORD_ANSWER, P.REFERRAL_LETTER}
    ),
    BasisKind.KEY_WORKER: frozenset(
        {P.REFERRAL_VIEW, P.REFERRAL_CANCEL, P.REFERRAL_RECORD_ANSWER, P.REFERRAL_LETTER}
    ),
    BasisKind.LEAD_AGENCY: frozenset(
        {P.REFERRAL_VIEW, P.REFERRAL_CANCEL, P.REFERRAL_RECORD_ANSWER, P.REFERRAL_LETTER}
    ),
    # Issue 22: the key worker's team as the lead agency was; its leader and a cover read.
    BasisKind.KEY_WORKER_TEAM: frozenset(
        {P.REFERRAL_VIEW, P.REFERRAL_CANCEL, P.REFERRAL_RECORD_ANSWER, P.REFERRAL_LETTER}
    ),
    BasisKind.TEAM_LEADER: frozenset({P.REFERRAL_VIEW}),
    BasisKind.COVER: frozenset({P.REFERRAL_VIEW}),
    BasisKind.REFERRAL: frozenset({P.REFERRAL_VIEW, P.REFERRAL_RESPOND, P.REFERRAL_FORWARD}),
}

ACCOUNT: Table = {BasisKind.ACCOUNT: frozenset({P.ACCOUNT_OWN})}

# --- The living plan (issue 20) ---------------------------------------------------------
# Shared actions. The care team (any basis on the plan) sees the person's actions and may
# add one; the key worker and lead agency also close them. A task owner outside the care
# team (an agency given an action at a meeting, a worker named on a referral) must see the
# action to do it, and nothing else: the TASK_OWNER basis (`ties.TaskOwner`, the account
# or its agency owns the task) lets them see the tasks they own and change their status,
# and appears in no other table, so it opens no section, no meeting record and not the
# plan: the task shows its title, due day, status and the person's name, which the owner
# needs to act on it (the key worker who gave the action chose to share that much). It
# also lets a care-team member who owns a task close it, which their consent alone does
# not. The person sees the actions agreed for them (Caldicott principle 8). Break-glass
# reads only. Status changes are the owner's (their agency's, for an agency's action), the
# key worker's and a cover's (issue 20: "status changes by the owner's agency"; API.md
# "owner, key worker"): the lead agency no longer closes another agency's action.
# Each task is decided as the section it is about, and by the rule it follows (a
# meeting's action as what was said there): `policy._decide_task`, `TaskFact`.
TASK: Table = {
    BasisKind.SELF: frozenset({P.TASK_VIEW}),
    BasisKind.KEY_WORKER: frozenset({P.TASK_VIEW, P.TASK_CREATE, P.TASK_STATUS}),
    BasisKind.LEAD_AGENCY: frozenset({P.TASK_VIEW, P.TASK_CREATE}),
    BasisKind.CONSENT: frozenset({P.TASK_VIEW, P.TASK_CREATE}),
    BasisKind.BREAK_GLASS: frozenset({P.TASK_VIEW}),
    BasisKind.TASK_OWNER: frozenset({P.TASK_VIEW, P.TASK_STATUS}),
    # Issue 22: the key worker's team as the lead agency; a cover acts for the key worker;
    # a team leader and a warm hand-over read.
    BasisKind.KEY_WORKER_TEAM: frozenset({P.TASK_VIEW, P.TASK_CREATE}),
    BasisKind.COVER: frozenset({P.TASK_VIEW, P.TASK_CREATE, P.TASK_STATUS}),
    BasisKind.TEAM_LEADER: frozenset({P.TASK_VIEW}),
    BasisKind.HANDED_OVER: frozenset({P.TASK_VIEW}),
}

# Meetings. Who attended, when, and the actions are the care team's to see; what was said
# (summary, decisions, the person's views in their words) spans every section, so only the
# key worker, the lead agency and the person see it. Attending a meeting is no basis: an
# attendee from outside the care team sees what their own basis gives them, and a task
# owner sees only their task.
MEETING: Table = {
    BasisKind.SELF: frozenset({P.MEETING_VIEW, P.MEETING_CONTENT_VIEW}),
    BasisKind.KEY_WORKER: frozenset({P.MEETING_VIEW, P.MEETING_CONTENT_VIEW, P.MEETING_RECORD}),
    BasisKind.LEAD_AGENCY: frozenset({P.MEETING_VIEW, P.MEETING_CONTENT_VIEW, P.MEETING_RECORD}),
    BasisKind.CONSENT: frozenset({P.MEETING_VIEW}),
    BasisKind.BREAK_GLASS: frozenset({P.MEETING_VIEW}),
    BasisKind.KEY_WORKER_TEAM: frozenset(
        {P.MEETING_VIEW, P.MEETING_CONTENT_VIEW, P.MEETING_RECORD}
    ),
    BasisKind.COVER: frozenset({P.MEETING_VIEW, P.MEETING_CONTENT_VIEW, P.MEETING_RECORD}),
    BasisKind.TEAM_LEADER: frozenset({P.MEETING_VIEW, P.MEETING_CONTENT_VIEW}),
    BasisKind.HANDED_OVER: frozenset({P.MEETING_VIEW}),
}

# Crisis events: the care team records and sees them (a near-fatal overdose must reach
# whoever supports the person: the MAT standards' outreach), as does an emergency. Each
# event is seen as the section its kind is about (careplan.crisis.models.ABOUT: an
# overdose as the substance use section), so the person's consents and refusals reach it;
# recording one needs a basis on the plan as a whole (whoever learns of a crisis may
# record it for the key worker, who is told).
CRISIS: Table = {
    BasisKind.SELF: frozenset({P.CRISIS_VIEW}),
    BasisKind.KEY_WORKER: frozenset({P.CRISIS_VIEW, P.CRISIS_RECORD}),
    BasisKind.LEAD_AGENCY: frozenset({P.CRISIS_VIEW, P.CRISIS_RECORD}),
    BasisKind.CONSENT: frozenset({P.CRISIS_VIEW, P.CRISIS_RECORD}),
    BasisKind.BREAK_GLASS: frozenset({P.CRISIS_VIEW}),
    BasisKind.KEY_WORKER_TEAM: frozenset({P.CRISIS_VIEW, P.CRISIS_RECORD}),
    BasisKind.COVER: frozenset({P.CRISIS_VIEW, P.CRISIS_RECORD}),
    BasisKind.TEAM_LEADER: frozenset({P.CRISIS_VIEW}),
    BasisKind.HANDED_OVER: frozenset({P.CRISIS_VIEW}),
}

# Corrections: the person asks; their key worker answers, or the colleague covering their
# absence (issue 22); the lead agency sees what was asked, to follow it up, but answering
# the person is the key worker's (issue 20's walk: a lead-agency colleague answered one).
# Nobody else reads what the person asked; each request is also decided as the section it
# asks to correct (a refusal of that section to the lead agency withholds it).
CORRECTION: Table = {
    BasisKind.SELF: frozenset({P.CORRECTION_REQUEST, P.CORRECTION_VIEW}),
    BasisKind.KEY_WORKER: frozenset({P.CORRECTION_VIEW, P.CORRECTION_ANSWER}),
    BasisKind.COVER: frozenset({P.CORRECTION_VIEW, P.CORRECTION_ANSWER}),
    BasisKind.LEAD_AGENCY: frozenset({P.CORRECTION_VIEW}),
    BasisKind.KEY_WORKER_TEAM: frozenset({P.CORRECTION_VIEW}),
    BasisKind.TEAM_LEADER: frozenset({P.CORRECTION_VIEW}),
}

# The chronology: opening it needs a basis on the plan; each item is then decided on its
# own record (a section update by its section, a meeting by MEETING_VIEW...). Marking an
# update "entered in error" is the key worker's and lead agency's (its author may ask them).
CHRONOLOGY: Table = {
    BasisKind.SELF: frozenset({P.CHRONOLOGY_VIEW}),
    BasisKind.KEY_WORKER: frozenset({P.CHRONOLOGY_VIEW, P.CHRONOLOGY_MARK_ERROR}),
    BasisKind.LEAD_AGENCY: frozenset({P.CHRONOLOGY_VIEW, P.CHRONOLOGY_MARK_ERROR}),
    BasisKind.CONSENT: frozenset({P.CHRONOLOGY_VIEW}),
    BasisKind.BREAK_GLASS: frozenset({P.CHRONOLOGY_VIEW}),
    BasisKind.KEY_WORKER_TEAM: frozenset({P.CHRONOLOGY_VIEW, P.CHRONOLOGY_MARK_ERROR}),
    BasisKind.COVER: frozenset({P.CHRONOLOGY_VIEW}),
    BasisKind.TEAM_LEADER: frozenset({P.CHRONOLOGY_VIEW}),
    BasisKind.HANDED_OVER: frozenset({P.CHRONOLOGY_VIEW}),
}

# Ask and act (Housing (Scotland) Act 2025, Part 5): part of the personal housing plan,
# so decided by the tie that reaches the housing section (`SECTION_BOUND`): a care-team
# member needs the person's consent to the housing section, and a refusal of it binds.
# Whoever works with the person asks and acts (the duty falls on each relevant body); the
# receiving service of a referral that carried the housing plan reads it.
HOUSING_ASK: Table = {
    BasisKind.SELF: frozenset({P.HOUSING_ASK_VIEW}),
    BasisKind.KEY_WORKER: frozenset(
        {P.HOUSING_ASK_VIEW, P.HOUSING_ASK_RECORD, P.HOUSING_ASK_UPDATE}
    ),
    BasisKind.LEAD_AGENCY: frozenset(
        {P.HOUSING_ASK_VIEW, P.HOUSING_ASK_RECORD, P.HOUSING_ASK_UPDATE}
    ),
    BasisKind.CONSENT: frozenset({P.HOUSING_ASK_VIEW, P.HOUSING_ASK_RECORD, P.HOUSING_ASK_UPDATE}),
    BasisKind.BREAK_GLASS: frozenset({P.HOUSING_ASK_VIEW}),
    BasisKind.KEY_WORKER_TEAM: frozenset(
        {P.HOUSING_ASK_VIEW, P.HOUSING_ASK_RECORD, P.HOUSING_ASK_UPDATE}
    ),
    BasisKind.COVER: frozenset({P.HOUSING_ASK_VIEW, P.HOUSING_ASK_RECORD, P.HOUSING_ASK_UPDATE}),
    BasisKind.TEAM_LEADER: frozenset({P.HOUSING_ASK_VIEW}),
    BasisKind.HANDED_OVER: frozenset({P.HOUSING_ASK_VIEW}),
    BasisKind.REFERRAL: frozenset({P.HOUSING_ASK_VIEW}),
}

# Permissions on records that may speak of any section (what was said at a meeting): a
# refusal of any section to the caller's agency or sector withholds them (`policy.decide`).
SPANS_SECTIONS = frozenset({P.MEETING_CONTENT_VIEW})

# Records decided as one section is: the section whose tie decides them.
SECTION_BOUND: Mapping[ResourceType, str] = {ResourceType.HOUSING_ASK: "housing"}

# Supporters (issue 20, "People supporting you"). The person and their key worker invite
# one and end a place; a cover acts for the key worker. The lead agency, the key worker's
# team and a team leader see who supports the person (someone to work with, or to worry
# about) and may end a place, as a safeguarding step that only narrows access (the person
# is told on their page); they do not invite on the person's behalf. An emergency sees who
# the person's people are. A care-team member with consent, a warm hand-over, a task owner
# and a supporter see no one's supporters: the names of a person's family are not part
# of a section anyone shared with them.
SUPPORTER: Table = {
    BasisKind.SELF: frozenset({P.SUPPORTER_VIEW, P.SUPPORTER_INVITE, P.SUPPORTER_END}),
    BasisKind.KEY_WORKER: frozenset({P.SUPPORTER_VIEW, P.SUPPORTER_INVITE, P.SUPPORTER_END}),
    BasisKind.COVER: frozenset({P.SUPPORTER_VIEW, P.SUPPORTER_INVITE, P.SUPPORTER_END}),
    BasisKind.LEAD_AGENCY: frozenset({P.SUPPORTER_VIEW, P.SUPPORTER_END}),
    BasisKind.KEY_WORKER_TEAM: frozenset({P.SUPPORTER_VIEW, P.SUPPORTER_END}),
    BasisKind.TEAM_LEADER: frozenset({P.SUPPORTER_VIEW}),
    BasisKind.BREAK_GLASS: frozenset({P.SUPPORTER_VIEW}),
}

RECORDS: Mapping[ResourceType, Table] = {
    ResourceType.PERSON: PERSON,
    ResourceType.PLAN: PLAN,
    ResourceType.SECTION: SECTION,
    ResourceType.ACCOUNT: ACCOUNT,
    ResourceType.TASK: TASK,
    ResourceType.MEETING: MEETING,
    ResourceType.CRISIS: CRISIS,
    ResourceType.CORRECTION: CORRECTION,
    ResourceType.CHRONOLOGY: CHRONOLOGY,
    ResourceType.REFERRAL: REFERRAL,
    ResourceType.HOUSING_ASK: HOUSING_ASK,
    ResourceType.SUPPORTER: SUPPORTER,
}

# Teams and continuity (issue 22), by role; which team, whose people and which plans are
# then the team's own records (careplan.continuity.services): a team's caseload and its
# hand-over for its leaders only, the queue for the lead agency's staff only.
TEAM_JOBS: Mapping[Role, frozenset[P]] = {
    Role.PRACTITIONER: frozenset({P.JOB_TEAM_LEAD, P.JOB_KEY_WORKER_QUEUE, P.JOB_COVER}),
    Role.ADMIN: frozenset({P.JOB_TEAM_MANAGE}),
}

# Jobs, granted by role alone. "practitioner" means a practitioner holding no role barred
# from plan content (`Subject.is_practitioner`).
JOBS: Mapping[Role, frozenset[P]] = {
    Role.PRACTITIONER: frozenset(
        {
            P.JOB_PERSON_SEARCH,
            P.JOB_PERSON_REGISTER,
            P.JOB_PERSON_LOOKUP,
            P.JOB_PERSON_CLAIM,
            P.JOB_BREAK_GLASS,
            # The tasks the caller or their agency owns, across people: ownership is the
            # basis for each (TASK above), so the list shows those and nothing else.
            P.JOB_MY_TASKS,
            P.JOB_REFERRAL_LIST,
        }
    )
    | TEAM_JOBS[Role.PRACTITIONER],
    Role.IG_OFFICER: frozenset(
        {
            P.JOB_AUDIT_SEARCH,
            P.JOB_AUDIT_EXPORT,
            P.JOB_AUDIT_VERIFY,
            P.JOB_AUDIT_REVIEW,
            P.JOB_SUBJECT_ACCESS,
            P.JOB_PERSON_MERGE,
            # Counts that name nobody (small numbers suppressed): the duty's returns.
            P.JOB_HOUSING_DUTY_REPORT,
        }
    ),
    Role.ADMIN: frozenset(
        {P.JOB_STAFF_MANAGE, P.JOB_AGENCY_MANAGE, P.JOB_PERSON_MERGE, P.JOB_HOUSING_DUTY_REPORT}
    )
    | TEAM_JOBS[Role.ADMIN],
}

# Reference records (the service directory) hold no one's personal data: reading them
# needs only an active account, staff or the person themselves (issue 19: a directory
# "readable by staff and by the person"); keeping them is a role's job.
REFERENCE: Mapping[ResourceType, Mapping[BasisKind | Role, frozenset[P]]] = {
    ResourceType.DIRECTORY: {
        BasisKind.SIGNED_IN: frozenset({P.DIRECTORY_VIEW}),
        Role.ADMIN: frozenset({P.DIRECTORY_VIEW, P.DIRECTORY_MANAGE}),
        Role.DIRECTORY_MANAGER: frozenset({P.DIRECTORY_VIEW, P.DIRECTORY_MANAGE}),
    }
}

# Person permissions a staff role holds with no relationship to the person: none. The IG
# officer once produced the subject access export here, and so read the whole plan with a
# token and no request on record; BRIEF.md says IG officers never see plan content. The
# export is for the person and their key worker (rows above) until subject access requests
# are tracked as IG work whose export goes to the person (the audit issue).
ROLE_ON_PERSON: Mapping[Role, frozenset[P]] = {}

# What a closed plan no longer allows: it is kept, read only, until retention erases it.
# Closing an action (TASK_STATUS), answering the person (CORRECTION_ANSWER) and recording
# what came of asking about their housing (HOUSING_ASK_UPDATE) stay open: they finish what
# the plan left, and add nothing to it.
# Whatever narrows access stays open on a closed plan, as a person's withdrawal is never
# blocked: withdrawing or refusing consent (PERSON_CONSENT_RECORD; consent.services refuses
# a new permission on a closed plan) and ending a care-team place (PLAN_CARE_TEAM_END).
# Jobs that would add to a closed plan refuse it themselves: a claimed relationship
# (consent.services.claim). Emergency access only reads, so it stays open. Reopening
# (PLAN_REOPEN) is what a closed plan is for: the former key worker or lead agency brings
# it back with the person's agreement (an open plan answers 409).
CHANGES = frozenset(
    {
        P.SECTION_WRITE,
        P.SECTION_ADD_ENTRY,
        P.PLAN_CARE_TEAM_MANAGE,
        P.PLAN_HAND_OVER,
        P.PLAN_AGREEMENT_RECORD,
        P.PLAN_CLOSE,
        P.PERSON_ACCOUNT_LINK,
        P.TASK_CREATE,
        P.MEETING_RECORD,
        P.CRISIS_RECORD,
        P.CORRECTION_REQUEST,
        P.CHRONOLOGY_MARK_ERROR,
        P.PERSON_REFERRAL_CREATE,
        P.REFERRAL_RESPOND,
        P.REFERRAL_FORWARD,
        P.REFERRAL_RECORD_ANSWER,
        P.HOUSING_ASK_RECORD,
        P.SUPPORTER_INVITE,
    }
)

# Section permissions the person holds only for the sections they write themselves.
OWN_VOICE = frozenset({P.SECTION_WRITE, P.SECTION_ADD_ENTRY})

# Permissions about the person or plan that only read: open before a plan exists (to the
# person themselves).
READS = frozenset({P.PERSON_VIEW, P.PERSON_IDENTITY_VIEW, P.PLAN_VIEW, P.SECTION_VIEW})


def check() -> None:
    """Every table row names permissions of its own resource type (run by the tests).

    Raises ValueError naming the first misplaced permission.
    """
    rows = [(kind, basis, p) for kind, t in RECORDS.items() for basis, ps in t.items() for p in ps]
    rows += [(ResourceType.JOB, role, p) for role, ps in JOBS.items() for p in ps]
    rows += [(kind, h, p) for kind, t in REFERENCE.items() for h, ps in t.items() for p in ps]
    for kind, holder, permission in rows:
        if permission.resource_type is not kind:
            raise ValueError(f"{permission} is listed for {kind} ({holder})")


def job_role(permission: Permission) -> Role:
    """The role whose job `permission` is (ValueError: no role's)."""
    for role, granted in JOBS.items():
        if permission in granted:
            return role
    raise ValueError(f"{permission} is no role's job")


def reference_holders(permission: Permission) -> list[BasisKind | Role]:
    """Who holds a reference-record permission: the roles, or every signed-in account
    (`BasisKind.SIGNED_IN`), in the table's order (ValueError: nobody)."""
    table = REFERENCE.get(permission.resource_type, {})
    holders = [holder for holder, granted in table.items() if permission in granted]
    if not holders:
        raise ValueError(f"{permission} is held by nobody")
    return holders


# Purposes of access a consent serves, by the purpose it was given for (issue 18: "consent
# purposes can limit it"; the vocabulary and its sources: careplan.access.purposes). A
# consent for the person's care covers a referral for it, and a consent sent with a
# referral covers the care the receiving service then gives (the National Data Guardian
# counts referral as direct care); no consent covers an investigation, a return or
# safeguarding, which rest on other bases.
CONSENT_SERVES: dict[str, frozenset[str]] = {
    "direct_care": frozenset({"direct_care", "referral"}),
    "referral": frozenset({"referral", "direct_care"}),
}


def consent_serves(consent_purpose: str, purpose: str) -> bool:
    """Whether access under a consent given for `consent_purpose` may serve `purpose`."""
    return purpose in CONSENT_SERVES.get(consent_purpose, frozenset())
