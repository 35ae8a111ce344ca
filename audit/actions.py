"""Audit action names, as published in the API contract. Handlers never spell them out."""

import enum


class AuditAction(enum.StrEnum):
    PLAN_VIEW = "plan.view"
    PLAN_CREATE = "plan.create"
    SECTION_VIEW = "section.view"
    SECTION_UPDATE = "section.update"
    SECTION_HISTORY = "section.history"
    ENTRY_CREATE = "entry.create"
    ENTRY_VIEW = "entry.view"
    PERSON_SEARCH = "person.search"
    PERSON_LOOKUP = "person.lookup"
    PERSON_CREATE = "person.create"
    PERSON_VIEW = "person.view"
    PERSON_CHI = "person.chi"  # a CHI number added to a person registered without one
    PERSON_MERGE = "person.merge"  # two records of one person joined into one
    PERSON_DISTINCT = "person.distinct"  # two close records found to be different people
    CARETEAM_VIEW = "careteam.view"
    CARETEAM_ADD = "careteam.add"
    CARETEAM_END = "careteam.end"
    CARETEAM_CLAIM = "careteam.claim"
    CONSENT_CREATE = "consent.create"
    CONSENT_WITHDRAW = "consent.withdraw"
    CONSENT_VIEW = "consent.view"
    KEYWORKER_CHANGE = "keyworker.change"
    ACCOUNT_LINK = "account.link"
    BREAKGLASS_INVOKE = "breakglass.invoke"
    BREAKGLASS_REVIEW = "breakglass.review"
    CLAIM_REVIEW = "careteam.review"
    ACCESSLOG_VIEW = "accesslog.view"
    AUDIT_SEARCH = "audit.search"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_ARCHIVE = "audit.archive"  # a closed year taken out of the log into a file
    AUDIT_HEAD_VIEW = "audithead.view"  # the signed head and how far behind each witness is
    EXPORT = "export"
    RESTORE = "restore"
    PLAN_CLOSE = "plan.close"
    PLAN_REOPEN = "plan.reopen"  # a closed plan back, with the person's agreement
    ERASE = "erase"
    AUTH_LOGIN = "auth.login"
    AUTH_LOGOUT = "auth.logout"
    AUTH_FAILED = "auth.failed"
    AUTH_TOKEN = "auth.token"  # noqa: S105 - an action name, not a password
    # Administration: no personal data of people supported, recorded for accountability.
    AGENCY_LIST = "agency.list"
    AGENCY_CREATE = "agency.create"
    STAFF_LIST = "staff.list"
    ME_VIEW = "me.view"
    AGREEMENT_SET = "agreement.set"
    STAFF_CREATE = "staff.create"
    STAFF_DEACTIVATE = "staff.deactivate"
    STAFF_RESET_SECOND_FACTOR = "staff.reset_second_factor"
    STAFF_UPDATE = "staff.update"  # roles or organisation changed
    STAFF_INVITE = "staff.invite"  # a new invitation code for an account not yet used
    STAFF_REACTIVATE = "staff.reactivate"
    AGENCY_UPDATE = "agency.update"
    # How colleagues reach a member of staff (issue 17): set by an administrator, or by
    # the member of staff on their own account.
    STAFF_CONTACT = "staff.contact"
    ME_CONTACT = "me.contact"
    # Teams and continuity (issue 22). Each key worker change a deactivation or a bulk
    # hand-over makes is its own `keyworker.change` record on the person's log.
    TEAM_LIST = "team.list"
    TEAM_CREATE = "team.create"
    TEAM_UPDATE = "team.update"
    TEAM_CASELOAD = "team.caseload"
    TEAM_HAND_OVER = "team.hand_over"
    KEYWORKER_QUEUE = "keyworker.queue"  # the plans needing a new key worker
    KEYWORKER_AGREE = "keyworker.agree"  # the person's agreement to a key worker recorded
    COVER_CREATE = "cover.create"
    COVER_LIST = "cover.list"
    COVER_END = "cover.end"
    # The service directory: no personal data, but every request is recorded like the
    # administration lists (who looked for what kind of help is itself telling).
    SERVICE_SEARCH = "service.search"
    SERVICE_VIEW = "service.view"
    SERVICE_CREATE = "service.create"
    SERVICE_UPDATE = "service.update"
    SERVICE_IMPORT = "service.import"
    # Notifications: the caller's own list and choice, and the sender's deliveries (no
    # personal data: kinds, ids, statuses).
    NOTIFICATION_LIST = "notification.list"
    NOTIFICATION_READ = "notification.read"
    NOTIFICATION_PREFERENCES = "notification.preferences"
    NOTIFICATION_SEND = "notification.send"
    # The living plan (issue 20): meetings, shared actions, the chronology, crisis events
    # and the person's corrections.
    MEETING_LIST = "meeting.list"
    MEETING_VIEW = "meeting.view"
    MEETING_CREATE = "meeting.create"
    TASK_LIST = "task.list"
    TASK_CREATE = "task.create"
    TASK_STATUS = "task.status"
    TASK_MINE = "task.mine"  # the caller's own tasks, across people
    CHRONOLOGY_VIEW = "chronology.view"
    ENTRY_ERROR = "entry.error"  # an update marked "entered in error"
    CRISIS_LIST = "crisis.list"
    CRISIS_CREATE = "crisis.create"
    # Ask and act (Housing (Scotland) Act 2025, Part 5): asked, read, outcome recorded;
    # the duty's counts (naming nobody).
    HOUSING_ASK_CREATE = "housing_ask.create"
    HOUSING_ASK_LIST = "housing_ask.list"
    HOUSING_ASK_UPDATE = "housing_ask.update"
    HOUSING_DUTY_REPORT = "housing_duty.report"
    CORRECTION_CREATE = "correction.create"
    CORRECTION_LIST = "correction.list"
    CORRECTION_ANSWER = "correction.answer"
    # Supporters (issue 20): family, carers and advocates shown chosen sections.
    SUPPORTER_INVITE = "supporter.invite"
    SUPPORTER_LIST = "supporter.list"
    SUPPORTER_END = "supporter.end"
    # Referrals (issue 19): made, read (one, or a list: a person's, an agency's inbox),
    # answered, forwarded, expired unanswered.
    REFERRAL_CREATE = "referral.create"
    REFERRAL_VIEW = "referral.view"
    REFERRAL_LIST = "referral.list"
    REFERRAL_STATUS = "referral.status"
    REFERRAL_FORWARD = "referral.forward"
    REFERRAL_LETTER = "referral.letter"  # printed for a service not on the platform
    # Subject access requests (issue 18): IG officers manage each request from receipt to
    # release or refusal and never see the copy; the person (or the key worker handing it
    # over) downloads the copy (`subject_access.export`), the person at any time.
    SUBJECT_ACCESS_CREATE = "subject_access.create"
    SUBJECT_ACCESS_LIST = "subject_access.list"
    SUBJECT_ACCESS_VIEW = "subject_access.view"
    SUBJECT_ACCESS_IDENTITY = "subject_access.identity"
    SUBJECT_ACCESS_START = "subject_access.start"
    SUBJECT_ACCESS_EXTEND = "subject_access.extend"
    SUBJECT_ACCESS_RELEASE = "subject_access.release"
    SUBJECT_ACCESS_REFUSE = "subject_access.refuse"
    SUBJECT_ACCESS_EXPORT = "subject_access.export"


class Outcome(enum.StrEnum):
    """What became of an attempt (issue 18: reports must mean what they say).

    Only `deny` is a refusal: the access policy (or sign-in) said no. A request the
    policy allowed that then failed on its own terms is recorded as what it was, so a
    form mistake or a stale version never counts as a refused attempt.
    """

    PERMIT = "permit"  # done as asked
    DENY = "deny"  # refused by the access policy, or a sign-in refused
    INVALID = "invalid"  # not valid (400, 413, 415, 422), or named nothing that exists (404)
    CONFLICT = "conflict"  # conflicted with the record's state (409, 412 stale, 428 no If-Match)
    FAILED = "failed"  # the service could not do it (5xx, a failed job, a failed integrity check)


def outcome_for_status(status: int | None) -> Outcome:
    """The outcome of an allowed attempt that ended in an error answer of HTTP `status`
    (None: a job that failed). 401, 403 and 429 are refusals; 409, 412 and 428 conflicts
    (RFC 9110 section 15.5.10 and 15.5.13, RFC 6585 section 3); other 4xx invalid; 5xx
    failed."""
    if status is None or status >= 500:
        return Outcome.FAILED
    if status in (401, 403, 429):
        return Outcome.DENY
    if status in (409, 412, 428):
        return Outcome.CONFLICT
    return Outcome.INVALID


class Purpose(enum.StrEnum):
    """Purposes of access recorded in the audit log (the vocabulary and its sources:
    careplan.access.purposes)."""

    DIRECT_CARE = "direct_care"
    REFERRAL = "referral"
    SAFEGUARDING = "safeguarding"
    SUBJECT_ACCESS = "subject_access"
    STATUTORY_RETURN = "statutory_return"
    AUDIT = "audit"
    IG_INVESTIGATION = "ig_investigation"


# Outcomes recorded when something was not done though the policy allowed the attempt.
NOT_DONE = (Outcome.INVALID, Outcome.CONFLICT, Outcome.FAILED)

# Actions that read or change a person's plan: what "access" means in the IG reports
# (audit.queries) and in the summary of who touched whom (audit.summary).
ACCESS_ACTIONS = tuple(
    a.value
    for a in (
        AuditAction.PLAN_VIEW,
        AuditAction.SECTION_VIEW,
        AuditAction.SECTION_UPDATE,
        AuditAction.SECTION_HISTORY,
        AuditAction.ENTRY_CREATE,
        AuditAction.ENTRY_VIEW,
        AuditAction.PERSON_VIEW,
        AuditAction.CARETEAM_VIEW,
        AuditAction.CONSENT_VIEW,
        AuditAction.BREAKGLASS_INVOKE,
        AuditAction.EXPORT,
    )
)
