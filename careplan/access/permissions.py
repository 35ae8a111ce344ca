"""What can be asked of the access policy: permissions, scoped by the kind of record.

A permission's value reads `<resource type>:<verb>` (`plan:section:write`), so an audit
record, a route declaration and a rule table name the same thing in the same words. Each
permission belongs to exactly one resource type: `decide` refuses a question that pairs a
permission with a record of another type (a programming error, not a denial).
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any


class ResourceType(enum.StrEnum):
    """The kinds of record the policy has rules for (`careplan.access.rules`)."""

    PERSON = "person"  # the person as a whole: identity, consents, access log, export
    PLAN = "plan"  # the plan as a whole: care team, key worker, closing
    SECTION = "plan:section"  # one section of the plan
    JOB = "job"  # work that is about a role, not a person: search, audit, administration
    # Shared reference records holding no one's personal data: the service directory.
    DIRECTORY = "directory"
    ACCOUNT = "account"  # the caller's own account, sessions and tokens
    # The living plan (issue 20): records about the person kept beside the plan's sections.
    TASK = "task"  # a shared action with an owner (a staff member or an agency)
    MEETING = "meeting"  # a review or multi-agency meeting
    CRISIS = "crisis"  # a crisis event and its follow-up
    CORRECTION = "correction"  # the person's request to correct their plan, and the answer
    CHRONOLOGY = "chronology"  # the person's timeline, filtered item by item
    # One referral of a person to a service: decided on the referral itself (who made
    # it, which agency receives it), carried in the resource (`Resource.record`).
    REFERRAL = "referral"
    # "Ask and act" (Housing (Scotland) Act 2025, Part 5): the housing question asked and
    # the actions offered. It belongs to the personal housing plan, so it is decided as the
    # housing section is (`rules.SECTION_BOUND`): nobody reads it who may not read that.
    HOUSING_ASK = "housing_ask"
    # The person's supporters (family, carers, advocates) and what each may see.
    SUPPORTER = "supporter"


class Permission(enum.StrEnum):
    """Every action a route or a job may ask the policy about."""

    # The person as a whole, through a relationship with them.
    PERSON_VIEW = "person:view"
    # Who the person is beyond their name: date of birth, CHI number and any other
    # identifying detail. Not a supporter's: they know the person already, and the
    # service hands them the minimum (Caldicott principle 3), the name only.
    PERSON_IDENTITY_VIEW = "person:identity:view"
    PERSON_CONSENTS_VIEW = "person:consents:view"
    PERSON_CONSENT_RECORD = "person:consent:record"  # give, refuse or withdraw
    PERSON_ACCESS_LOG_VIEW = "person:access_log:view"
    PERSON_ACCOUNT_LINK = "person:account:link"  # invite the individual to sign in
    PERSON_EXPORT = "person:export"  # subject access: everything held about the person
    PERSON_CHI_RECORD = "person:chi:record"  # add a CHI number registered without one
    PERSON_REFERRAL_CREATE = "person:referral:create"  # refer them, their consent alongside
    PERSON_REFERRALS_VIEW = "person:referrals:view"  # every referral of theirs, with history
    # The plan as a whole.
    PLAN_VIEW = "plan:view"
    PLAN_CREATE = "plan:create"
    PLAN_CLOSE = "plan:close"
    # A closed plan comes back, with its history, to a lead agency and key worker the
    # person agrees to (step-down and return, issue 20).
    PLAN_REOPEN = "plan:reopen"
    PLAN_HAND_OVER = "plan:hand_over"  # change the key worker
    # Record the person's agreement to their key worker after a change made without them
    # (issue 22): the key worker they are asked about, no one else.
    PLAN_AGREEMENT_RECORD = "plan:agreement:record"
    PLAN_CARE_TEAM_VIEW = "plan:care_team:view"
    PLAN_CARE_TEAM_MANAGE = "plan:care_team:manage"  # add a member
    PLAN_CARE_TEAM_END = "plan:care_team:end"  # end a member's place (narrows access)
    # One section.
    SECTION_VIEW = "plan:section:view"
    SECTION_WRITE = "plan:section:write"  # replace a section's content
    SECTION_ADD_ENTRY = "plan:section:add_entry"  # append a dated update
    # Shared actions (tasks).
    TASK_VIEW = "task:view"  # a person's tasks (a task owner: only the ones they own)
    TASK_CREATE = "task:create"
    TASK_STATUS = "task:status"  # done, cancelled, reopened
    # Reviews and multi-agency meetings.
    MEETING_VIEW = "meeting:view"  # when, what kind, who attended, actions, next review
    MEETING_CONTENT_VIEW = "meeting:content:view"  # summary, decisions, the person's views
    MEETING_RECORD = "meeting:record"
    # Crisis events (near-fatal overdose, eviction, release from prison, discharge).
    CRISIS_VIEW = "crisis:view"
    CRISIS_RECORD = "crisis:record"
    # The person's corrections.
    CORRECTION_REQUEST = "correction:request"
    CORRECTION_VIEW = "correction:view"
    CORRECTION_ANSWER = "correction:answer"
    # The chronology (each item then decided on its own record).
    CHRONOLOGY_VIEW = "chronology:view"
    CHRONOLOGY_MARK_ERROR = "chronology:mark_error"  # an update "entered in error"
    # Supporters: who they are and what each sees (the person's "People supporting you"),
    # inviting one, and ending a place (never blocked: it narrows access).
    SUPPORTER_VIEW = "supporter:view"
    SUPPORTER_INVITE = "supporter:invite"
    SUPPORTER_END = "supporter:end"
    # Jobs: granted by role alone.
    JOB_PERSON_SEARCH = "job:person:search"  # among the people the caller works with
    JOB_PERSON_REGISTER = "job:person:register"
    JOB_PERSON_LOOKUP = "job:person:lookup"  # exact details: CHI, or name and birth date
    JOB_PERSON_CLAIM = "job:person:claim"  # join a care team by an id from an exact lookup
    JOB_BREAK_GLASS = "job:person:break_glass"  # emergency access by the same id
    JOB_AUDIT_SEARCH = "job:audit:search"
    JOB_AUDIT_EXPORT = "job:audit:export"
    JOB_AUDIT_VERIFY = "job:audit:verify"
    JOB_AUDIT_REVIEW = "job:audit:review"
    JOB_SUBJECT_ACCESS = "job:subject_access"  # fulfil a subject access request
    JOB_PERSON_MERGE = "job:person:merge"  # join two records of one person (IG, admin)
    JOB_STAFF_MANAGE = "job:staff:manage"
    JOB_AGENCY_MANAGE = "job:agency:manage"
    # Teams and continuity (issue 22): what a team is allowed is decided by the team's
    # own records (its leaders), after the role: careplan.continuity.services.
    JOB_TEAM_MANAGE = "job:team:manage"  # create teams, set members and leaders
    JOB_TEAM_LEAD = "job:team:lead"  # a team's caseload and bulk hand-over, for its leaders
    JOB_KEY_WORKER_QUEUE = "job:plan:needing_key_worker"  # the lead agency's queue
    JOB_COVER = "job:cover"  # name a colleague to cover one's absence
    JOB_MY_TASKS = "job:tasks:mine"  # tasks owned by the caller or their agency
    # The service directory (reference data: services, not people).
    DIRECTORY_VIEW = "directory:view"  # search and read services, download the map
    DIRECTORY_MANAGE = "directory:manage"  # add local services, edit their local fields
    # One referral (issue 19; statuses after HL7 Gravity's Task).
    REFERRAL_VIEW = "referral:view"
    REFERRAL_RESPOND = "referral:respond"  # the receiving agency's answers and progress
    REFERRAL_FORWARD = "referral:forward"  # pass it on to another service (`part_of`)
    REFERRAL_CANCEL = "referral:cancel"  # the referrer's side withdraws it
    REFERRAL_RECORD_ANSWER = "referral:record_answer"  # a service not on the platform answered
    REFERRAL_LETTER = "referral:letter"  # print the letter for a service not on the platform
    JOB_REFERRAL_LIST = "job:referral:list"  # the agency's referral inbox and outbox
    # Ask and act.
    HOUSING_ASK_VIEW = "housing_ask:view"
    HOUSING_ASK_RECORD = "housing_ask:record"  # the question asked, the answer, actions
    HOUSING_ASK_UPDATE = "housing_ask:update"  # the outcome, the referral it led to
    JOB_HOUSING_DUTY_REPORT = "job:housing_duty:report"  # counts, naming nobody
    # The caller's own account.
    ACCOUNT_OWN = "account:own"

    @property
    def resource_type(self) -> ResourceType:
        return _RESOURCE_TYPE[self]


def _resource_type(permission: Permission) -> ResourceType:
    # The longest resource-type prefix: "plan:section:view" is a section permission.
    scopes = sorted(ResourceType, key=len, reverse=True)
    return next(t for t in scopes if permission.value.startswith(t.value + ":"))


_RESOURCE_TYPE = {p: _resource_type(p) for p in Permission}


@dataclass(frozen=True, slots=True)
class Resource:
    """The record a permission is asked about; `section`: the key, for a section, and for
    a record of another kind the section it is about (a crisis event about the person's
    substance use is decided as that section is, `policy.decide`); `record`: the facts of
    the one record asked about, for a kind decided on the record itself (a referral:
    `careplan.access.context.ReferralFact`; a task: `TaskFact`)."""

    type: ResourceType
    section: str | None = None
    record: Any = None


PERSON = Resource(ResourceType.PERSON)
PLAN = Resource(ResourceType.PLAN)
JOB = Resource(ResourceType.JOB)
DIRECTORY = Resource(ResourceType.DIRECTORY)
ACCOUNT = Resource(ResourceType.ACCOUNT)


@functools.cache
def section(key: str) -> Resource:
    """One section of the plan, by its catalogue key (`housing`)."""
    return Resource(ResourceType.SECTION, key)


def resource_for(permission: Permission, section_key: str | None = None) -> Resource:
    """The resource a permission is about; a section permission needs `section_key`.

    Raises ValueError for a section permission without a key.
    """
    kind = permission.resource_type
    if kind is ResourceType.SECTION:
        if section_key is None:
            raise ValueError(f"{permission} needs a section key")
        return section(section_key)
    return Resource(kind)
