"""What a plan request does once its input is valid: check, act, record.

The JSON API and the web pages both call these, so a page reaches a plan only through the
same access decision and the same audit records as the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access import sources
from careplan.access.context import AccessContext, TaskFact
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.pipeline import person_context, require, section_views
from careplan.access.policy import decide, decide_on, refused_sections
from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.errors import Conflict, NotFound, Unprocessable
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.outbox import queue
from careplan.plans import continuity, goals, operations, presenters, queries
from careplan.plans.access import PlanAccess, SectionAccess, catalogue, plan_access, section_access
from careplan.plans.models import CareTeamMember, Entry, Plan, Section, SectionVersion
from careplan.plans.queries import PlanView
from careplan.plans.rows import PlanRow
from careplan.protection.vault import Tampered
from careplan.tasks import queries as task_queries
from careplan.tasks.models import Task
from careplan.tasks.services import resource as task_resource

TASK_VIEW = Permission.TASK_VIEW


def read_plan_view(
    facts: AccessContext, audit_action: AuditAction, details: dict[str, Any] | None = None
) -> PlanView:
    """The plan read model for the caller (careplan.plans.queries.PlanView): the sections
    the decision permits, read sealed, the rest named as withheld, and one audit record of
    what was shown and on what basis (with `details`, e.g. an export's format).
    `facts.plan` is the plain row (loaded with `rows=True`). The sections are opened when
    the view's body is made."""
    plan = facts.plan
    if not isinstance(plan, PlanRow):
        raise TypeError("the plan view reads the plain row (load the context with rows=True)")
    decisions = section_views(facts)
    permitted = [key for key, d in decisions.items() if d.permit]
    withheld = [key for key in decisions if key not in permitted]
    basis = {key: decisions[key].basis_text for key in permitted}
    record(
        audit_action,
        person_id=plan.person_id,
        sections=permitted,
        withheld=withheld,
        basis=basis,
        details=details,
    )
    return queries.plan_view(db.session, plan, permitted, withheld, basis)


def plan_body(view: PlanView, audit_action: AuditAction) -> dict[str, Any]:
    """Open and present the view's sections. If a section fails its integrity check
    nothing is shown, and the log says so in a second record (written by the request's
    own commit, careplan.core.transaction)."""
    try:
        return view.body(catalogue())
    except Tampered:
        record(audit_action, Outcome.FAILED, person_id=view.person_id, reason="data_integrity")
        raise


def read_plan_page(person_id: uuid.UUID) -> tuple[PlanAccess, PlanView]:
    """The plan read model for pages: the same statements as the API's plan view (plain
    rows, `view=True`), one audit record; the sections still sealed (opened by
    `plan_body`, into `presenters.plan`'s shape, once the request has committed, as the
    API's are)."""
    access = plan_access(person_id, Permission.PLAN_VIEW, AuditAction.PLAN_VIEW, view=True)
    return access, read_plan_view(access.facts, AuditAction.PLAN_VIEW)


def view_my_plan(
    person_id: uuid.UUID,
) -> tuple[PlanAccess, dict[str, Any], dict[str, list[Entry]], dict[uuid.UUID, dict[str, Any]]]:
    """The person's own plan with the care team's updates under each part (issue 17):
    the plan view of `read_plan_page` and every update of the shown sections in one more
    statement, one audit record (`plan.view`, details `{"with": "updates"}`).
    Returns (access, body in `presenters.plan`'s shape, section key -> updates newest
    first, entry id -> what it is about (`linked`))."""
    access = plan_access(person_id, Permission.PLAN_VIEW, AuditAction.PLAN_VIEW, view=True)
    view = read_plan_view(access.facts, AuditAction.PLAN_VIEW, {"with": "updates"})
    body = plan_body(view, AuditAction.PLAN_VIEW)
    updates = operations.entries_by_section(db.session, view.plan.id, list(view.sections))
    everything = [e for rows in updates.values() for e in rows]
    abouts, _ = linked(access.facts, view.plan.id, everything)  # the goals are in the view
    return access, body, updates, abouts


def my_person_id() -> uuid.UUID:
    """The signed-in individual's own person id, or a recorded refusal (404)."""
    person_id = g.user.person_id if g.user.is_individual else None
    if person_id is None:
        record(AuditAction.PLAN_VIEW, Outcome.DENY, reason="role")
        raise NotFound("You have no plan linked to your account.")
    return person_id


def create_plan(person_id: uuid.UUID, load: Any) -> Plan:
    """`load()` validates the input once the caller is known to be allowed to send it."""
    facts = person_context(person_id, AuditAction.PLAN_CREATE)
    require(facts, None, Permission.PLAN_CREATE, AuditAction.PLAN_CREATE)
    data = load()
    plan = operations.create_plan(db.session, facts.person, data, g.user, catalogue().keys())
    record(
        AuditAction.PLAN_CREATE,
        person_id=person_id,
        details={"lead_agency_id": plan.lead_agency_id, "key_worker_id": plan.key_worker_id},
    )
    return plan


def locked_version(plan: Plan) -> int:
    """The plan's version re-read under a row lock, for the If-Match check of a change."""
    return operations.lock_plan(db.session, plan).version


REFUSED_HAND_OVER = (
    "The person has refused to share part of their plan with this agency, and a key "
    "worker sees the whole plan. Choose another agency, or record with the person that "
    "they withdraw the refusal first."
)


def hand_over(access: PlanAccess, data: dict[str, Any]) -> Plan:
    """Hand the plan to a new key worker. Conflict (409, recorded) while a refusal of the
    person's covers the new key worker's agency or sector: as key worker they would read
    what the person refused them (issue #16, fault 3)."""
    worker = operations.incoming_key_worker(db.session, access.plan, data)
    _refuse_refused_agency(worker, access.plan.person_id, AuditAction.KEYWORKER_CHANGE, "agency_id")
    previous, previous_agency = access.plan.key_worker_id, access.plan.lead_agency_id
    warm_days = current_app.config["WARM_HAND_OVER_DAYS"]
    plan = operations.hand_over(db.session, access.plan, data, g.user, warm_days)
    record(
        AuditAction.KEYWORKER_CHANGE,
        person_id=plan.person_id,
        basis={"plan": access.decision.basis_text},
        details={
            "from": previous,
            "to": plan.key_worker_id,
            "agency": plan.lead_agency_id,
            "warm_hand_over": bool(data.get("warm_hand_over", True))
            and warm_days > 0
            and previous_agency != plan.lead_agency_id,
        },
    )
    # The person agreed to this key worker: an earlier change's agreement task is moot.
    continuity.cancel_agreement_tasks(
        db.session, plan.person_id, g.user, "Handed over with the person's agreement."
    )
    return plan


def _refuse_refused_agency(
    worker: User, person_id: uuid.UUID, action: AuditAction, field: str
) -> None:
    """Conflict (409, recorded) while a refusal of the person's covers `worker`'s agency or
    sector: as key worker they would read what the person refused them."""
    incoming = sources.loader().person(worker, person_id, rows=True)
    refused = refused_sections(incoming) if incoming is not None else []
    if refused:
        record(
            action, Outcome.CONFLICT, person_id=person_id, sections=refused, reason="refused_agency"
        )
        raise Conflict(REFUSED_HAND_OVER, fields={field: [REFUSED_HAND_OVER]})


def reopen(access: PlanAccess, data: dict[str, Any]) -> Plan:
    """Reopen a closed plan with the person's agreement (careplan.plans.operations.reopen),
    recorded as `plan.reopen`. Conflict (409) for an open plan, or while a refusal of the
    person's covers the new key worker's agency; Unprocessable (422) for an agency other
    than the caller's or a key worker not in it."""
    plan = access.plan
    worker = db.session.get(User, data["key_worker_id"]) if plan.closed_on is not None else None
    if worker is not None:
        _refuse_refused_agency(worker, plan.person_id, AuditAction.PLAN_REOPEN, "lead_agency_id")
    closed_on, reason = plan.closed_on, plan.closed_reason
    plan = operations.reopen(db.session, plan, data, g.user)
    record(
        AuditAction.PLAN_REOPEN,
        person_id=plan.person_id,
        basis={"plan": access.decision.basis_text},
        details={
            "closed_on": closed_on,
            "closed_reason": reason,
            "agency": plan.lead_agency_id,
            "key_worker": plan.key_worker_id,
        },
    )
    # The person agreed to this key worker: an earlier change's agreement task is moot.
    continuity.cancel_agreement_tasks(
        db.session, plan.person_id, g.user, "Handed over with the person's agreement."
    )
    return plan


def record_agreement(access: PlanAccess, data: dict[str, Any]) -> Plan:
    """The person's agreement to their current key worker, recorded (409, recorded as a
    conflict, when it already is)."""
    plan = access.plan
    if plan.agreed_on is not None:
        record(
            AuditAction.KEYWORKER_AGREE,
            Outcome.CONFLICT,
            person_id=plan.person_id,
            reason="already_agreed",
        )
    continuity.record_agreement(db.session, plan, data["agreed_on"], data["agreed_how"], g.user)
    record(
        AuditAction.KEYWORKER_AGREE,
        person_id=plan.person_id,
        basis={"plan": access.decision.basis_text},
        details={"key_worker": plan.key_worker_id, "how": str(data["agreed_how"])},
    )
    return plan


def key_worker_history(person_id: uuid.UUID) -> list[Any]:
    access = plan_access(person_id, Permission.PLAN_CARE_TEAM_VIEW, AuditAction.CARETEAM_VIEW)
    rows = operations.key_worker_history(db.session, access.plan)
    record(
        AuditAction.CARETEAM_VIEW,
        person_id=person_id,
        basis={"plan": access.decision.basis_text},
        details={"view": "key_worker_history"},
    )
    return rows


def read_section(person_id: uuid.UUID, key: str) -> tuple[SectionAccess, Section]:
    return _section_read(person_id, key, Permission.SECTION_VIEW)


def _section_read(
    person_id: uuid.UUID, key: str, permission: Permission
) -> tuple[SectionAccess, Section]:
    """A section read (recorded as a view) by someone the policy allows `permission`."""
    access = section_access(person_id, key, permission, AuditAction.SECTION_VIEW)
    row = operations.get_section(db.session, access.plan, key)
    _recorded_view(access, key)
    return access, row


def _recorded_view(access: SectionAccess, key: str, details: dict[str, Any] | None = None) -> None:
    record(
        AuditAction.SECTION_VIEW,
        person_id=access.plan.person_id,
        sections=[key],
        basis={key: access.decision.basis_text},
        details=details,
    )


def save_section(access: SectionAccess, row: Section, content: dict[str, Any]) -> Section:
    """Write validated content; the caller has checked the version the user read. Every
    goal gets an id if it has none (careplan.plans.goals; BadRequest for a repeated one)."""
    content = goals.with_ids(access.kind.key, content)
    row = operations.update_section(db.session, row, content, g.user)
    record(
        AuditAction.SECTION_UPDATE,
        person_id=access.plan.person_id,
        sections=[access.kind.key],
        basis={access.kind.key: access.decision.basis_text},
        details={"version": row.version},
    )
    return row


def section_history(
    person_id: uuid.UUID, key: str
) -> tuple[SectionAccess, list[SectionVersion], dict[Any, User]]:
    access = section_access(person_id, key, Permission.SECTION_VIEW, AuditAction.SECTION_HISTORY)
    row = operations.get_section(db.session, access.plan, key)
    rows = operations.versions(db.session, row)
    ids = {r.changed_by_id for r in rows if r.changed_by_id}
    names = {u.id: u for u in db.session.query(User).filter(User.id.in_(ids))} if ids else {}
    record(
        AuditAction.SECTION_HISTORY,
        person_id=person_id,
        sections=[key],
        basis={key: access.decision.basis_text},
    )
    return access, rows, names


def read_section_page(
    person_id: uuid.UUID, key: str
) -> tuple[
    SectionAccess,
    Section,
    list[Entry],
    dict[uuid.UUID, dict[str, Any]],
    dict[str, list[Entry]],
]:
    """A section with its updates, as the section page shows them: one read, one record
    (the person sees one visit in their access log, not one per part of the page). Also
    what each update is about (`linked`: entry id -> about) and, on the goals section,
    the updates about each goal from every section the caller may see (goal id ->
    updates, newest first)."""
    access = section_access(person_id, key, Permission.SECTION_VIEW, AuditAction.SECTION_VIEW)
    row = operations.get_section(db.session, access.plan, key)
    entries = operations.entries(db.session, access.plan, key)
    abouts, read = linked(access.facts, access.plan.id, entries)
    by_goal: dict[str, list[Entry]] = {}
    if key == goals.GOALS:
        # On the goals themselves: the updates about each goal, from every section the
        # caller may see (named in the record when shown).
        seen = {k: d for k, d in section_views(access.facts).items() if d.permit}
        about_goals = operations.entries_about_goals(db.session, access.plan.id, list(seen))
        read |= {e.section_key: seen[e.section_key].basis_text for e in about_goals}
        for e in about_goals:
            by_goal.setdefault(e.goal_id or "", []).append(e)
    record(
        AuditAction.SECTION_VIEW,
        person_id=person_id,
        sections=sorted({key, *read}),
        basis={**read, key: access.decision.basis_text},
        details={"with": "entries"},
    )
    return access, row, entries, abouts, by_goal


def list_entries(person_id: uuid.UUID, key: str) -> list[dict[str, Any]]:
    """The section's updates, newest first, each with what it is about as the caller may
    see it (presenters.entry's shape). One record; the goals section is named in it when
    a goal's title was shown."""
    access = section_access(person_id, key, Permission.SECTION_VIEW, AuditAction.ENTRY_VIEW)
    rows = operations.entries(db.session, access.plan, key)
    abouts, read = linked(access.facts, access.plan.id, rows)
    record(
        AuditAction.ENTRY_VIEW,
        person_id=person_id,
        sections=sorted({key, *read}),
        basis={**read, key: access.decision.basis_text},
    )
    return [presenters.entry(r, abouts.get(r.id)) for r in rows]


def present_entry(person_id: uuid.UUID, entry: Entry) -> dict[str, Any]:
    """One update just written or marked, for its writer, with what it is about (they
    chose it, so they see it; decided again all the same)."""
    facts = person_context(person_id, AuditAction.ENTRY_VIEW)
    abouts, _ = linked(facts, entry.plan_id, [entry])
    return presenters.entry(entry, abouts.get(entry.id))


def add_entry(person_id: uuid.UUID, key: str, load: Any) -> Entry:
    """Add a dated update to section `key` (`load()` -> {occurred_on, text, goal_id,
    task_id}). What it is about must be the person's and visible to the writer: a goal of
    their goals section, which the writer may view, or one of their actions the writer
    may see (rules.TASK; a task owner only their own). Raises Unprocessable (422) naming
    `goal_id` or `task_id` otherwise; nothing is written."""
    access = section_access(person_id, key, Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE)
    data = load()
    _check_about(access, data.get("goal_id"), data.get("task_id"))
    entry = operations.add_entry(db.session, access.plan, key, data, g.user)
    record(
        AuditAction.ENTRY_CREATE,
        person_id=person_id,
        sections=[key],
        basis={key: access.decision.basis_text},
        details={"entry_id": entry.id, "goal_id": entry.goal_id, "task_id": entry.task_id},
    )
    return entry


NO_GOAL = "Choose one of this person's goals."
NO_TASK = "Choose one of this person's actions that you can see."


def _check_about(access: PlanAccess, goal_id: str | None, task_id: uuid.UUID | None) -> None:
    """Unprocessable (422) unless the goal or task named is the person's and the writer
    may see it. The same words for "not theirs" and "not yours to see": a writer learns
    nothing of what they may not see."""
    if goal_id is not None:
        visible = decide_on(access.facts, Permission.SECTION_VIEW, goals.GOALS).permit
        known = visible and goal_id in goals.by_id(_goals_content(access.plan.id))
        if not known:
            raise Unprocessable(fields={"goal_id": [NO_GOAL]})
    if task_id is not None:
        task = db.session.get(Task, task_id)
        mine = task is not None and task.person_id == access.plan.person_id
        if not mine or not decide(access.facts, task_resource(task), TASK_VIEW).permit:
            raise Unprocessable(fields={"task_id": [NO_TASK]})


def overdue_seen(facts: AccessContext, overdue: Sequence[TaskFact]) -> int:
    """How many of the person's actions past their due day the caller may see, of
    `overdue` (all of them, as the plan glance's one statement read them): all for the
    key worker, who sees every action; for anyone else each is decided on itself (the
    section it is about), so the summary never counts an action the person withheld from
    the caller's agency. No statement of its own."""
    if facts.is_key_worker:
        return len(overdue)
    return sum(
        1
        for task in overdue
        if decide(facts, Resource(ResourceType.TASK, record=task), TASK_VIEW).permit
    )


def about_choices(access: PlanAccess) -> list[tuple[str, str]]:
    """What an update being written may be about, for the add-update form: the person's
    goals (if the writer may view the goals section) as ("goal:<id>", title), and the
    actions the writer may see (all of the person's on a basis on the plan; a task owner
    only their own), open ones first, as ("task:<id>", title). One audit record of what
    was shown (`section.view` of the goals section, details: the update form and the
    actions' ids), none when there is nothing to show."""
    facts = access.facts
    choices: list[tuple[str, str]] = []
    shown: list[str] = []
    basis: dict[str, str] = {}
    decision = decide_on(facts, Permission.SECTION_VIEW, goals.GOALS)
    if decision.permit:
        rows = goals.by_id(_goals_content(access.plan.id))
        choices += [(f"goal:{goal_id}", f"Goal: {g_['goal']}") for goal_id, g_ in rows.items()]
        if rows:
            shown.append(goals.GOALS)
            basis[goals.GOALS] = decision.basis_text
    task_ids = []
    for task in task_queries.for_person(db.session, access.plan.person_id):
        if decide(facts, task_resource(task), TASK_VIEW).permit:
            done = "" if task.status.value == "open" else f" ({task.status.value})"
            choices.append((f"task:{task.id}", f"Action: {task.title}{done}"))
            task_ids.append(task.id)
    if choices:
        record(
            AuditAction.SECTION_VIEW,
            person_id=access.plan.person_id,
            sections=shown,
            basis=basis,
            details={"view": "update_form", "task_ids": task_ids},
        )
    return choices


def _goals_content(plan_id: uuid.UUID) -> dict[str, Any] | None:
    view = operations.section_views(db.session, plan_id, [goals.GOALS]).get(goals.GOALS)
    return view.content if view is not None else None


def linked(
    facts: AccessContext, plan_id: uuid.UUID, entries: list[Entry]
) -> tuple[dict[uuid.UUID, dict[str, Any]], dict[str, str]]:
    """What each of `entries` is about, as the caller may see it: entry id -> {kind
    ("goal" or "action"), id, title, status, withheld, removed} (absent: about nothing in
    particular). A goal's title shows to whoever may view the goals section, an action's
    to whoever may see it (rules.TASK); to anyone else it is `withheld`, no title. Also
    returns the sections read to show goal titles ({"goals": basis} or {}), for the
    caller's audit record."""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    read: dict[str, str] = {}
    if any(e.goal_id for e in entries):
        decision = decide_on(facts, Permission.SECTION_VIEW, goals.GOALS)
        rows = goals.by_id(_goals_content(plan_id)) if decision.permit else {}
        for e in (e for e in entries if e.goal_id):
            goal = rows.get(e.goal_id)
            found[e.id] = {
                "kind": "goal",
                "id": e.goal_id,
                "title": goal["goal"] if goal else None,
                "status": goal.get("status") if goal else None,
                "withheld": not decision.permit,
                "removed": decision.permit and goal is None,
            }
        if rows:
            read[goals.GOALS] = decision.basis_text
    ids = {e.task_id for e in entries if e.task_id}
    if ids:
        tasks = {t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_(ids)))}
        for e in (e for e in entries if e.task_id):
            task = tasks.get(e.task_id)
            seen = task is not None and decide(facts, task_resource(task), TASK_VIEW).permit
            found[e.id] = {
                "kind": "action",
                "id": str(e.task_id),
                "title": task.title if seen else None,
                "status": task.status.value if seen else None,
                "withheld": task is not None and not seen,
                "removed": task is None,
            }
    return found, read


def entry_to_mark(
    person_id: uuid.UUID, key: str, entry_id: uuid.UUID
) -> tuple[SectionAccess, Entry]:
    """The update shown on the "entered in error" confirmation page, for someone who may
    mark it (the permissions of `mark_entry_error`), recorded as an update view
    (`entry.view`). Raises NotFound (404) for no such update in this section of this
    plan, Conflict (409) for one marked already."""
    access = plan_access(person_id, Permission.CHRONOLOGY_MARK_ERROR, AuditAction.ENTRY_VIEW)
    seen = section_access(person_id, key, Permission.SECTION_VIEW, AuditAction.ENTRY_VIEW)
    entry = _entry_in(access.plan.id, key, entry_id)
    if entry.error_at is not None:
        raise Conflict(ALREADY_MARKED)
    record(
        AuditAction.ENTRY_VIEW,
        person_id=person_id,
        sections=[key],
        basis={"plan": access.decision.basis_text, key: seen.decision.basis_text},
        details={"entry_id": entry.id, "view": "mark_error"},
    )
    return seen, entry


NO_ENTRY = "There is no update with that id in this part of the plan."
ALREADY_MARKED = "This update is marked as entered in error already."


def _entry_in(plan_id: uuid.UUID, key: str, entry_id: uuid.UUID, *, lock: bool = False) -> Entry:
    """The update `entry_id` of section `key` of the plan (NotFound otherwise)."""
    entry = db.session.get(Entry, entry_id, with_for_update={"of": Entry} if lock else None)
    if entry is None or entry.plan_id != plan_id or entry.section_key != key:
        raise NotFound(NO_ENTRY)
    return entry


def mark_entry_error(person_id: uuid.UUID, key: str, entry_id: uuid.UUID, load: Any) -> Entry:
    """Mark an update "entered in error" with a reason (`load()` -> {"reason"}): the key
    worker's and lead agency's (rules.CHRONOLOGY, `chronology:mark_error`), on an update of
    a section they see. The update is kept as it was, labelled, and left out of the
    chronology's default view; the audit record names it. Raises NotFound (404) for no such
    update in this section of this plan, Conflict (409) for one marked already."""
    access = plan_access(person_id, Permission.CHRONOLOGY_MARK_ERROR, AuditAction.ENTRY_ERROR)
    seen = require(access.facts, key, Permission.SECTION_VIEW, AuditAction.ENTRY_ERROR)
    data = load()
    entry = _entry_in(access.plan.id, key, entry_id, lock=True)
    if entry.error_at is not None:
        raise Conflict(ALREADY_MARKED)
    entry.error_at = clock.now()
    entry.error_by = g.user
    entry.error_reason = data["reason"].strip()
    db.session.flush()
    record(
        AuditAction.ENTRY_ERROR,
        person_id=person_id,
        sections=[key],
        basis={"plan": access.decision.basis_text, key: seen.basis_text},
        details={"entry_id": entry.id},
    )
    return entry


def care_team(person_id: uuid.UUID) -> list[dict[str, Any]]:
    access = plan_access(person_id, Permission.PLAN_CARE_TEAM_VIEW, AuditAction.CARETEAM_VIEW)
    now = clock.now()
    rows = operations.care_team(db.session, access.plan)
    record(
        AuditAction.CARETEAM_VIEW, person_id=person_id, basis={"plan": access.decision.basis_text}
    )
    return [presenters.member(r, r.in_period(clock.day_of(now), now)) for r in rows]


def add_member(person_id: uuid.UUID, load: Any) -> CareTeamMember:
    access = plan_access(person_id, Permission.PLAN_CARE_TEAM_MANAGE, AuditAction.CARETEAM_ADD)
    member = operations.add_member(db.session, access.plan, load(), g.user)
    queue(
        db.session,
        NotificationKind.CARE_TEAM_ADDED,
        to_user_id=member.staff_id,
        link=f"/people/{person_id}",
        actor_id=g.user.id,
    )
    record(
        AuditAction.CARETEAM_ADD,
        person_id=person_id,
        basis={"plan": access.decision.basis_text},
        details={"member_id": member.id, "staff_id": member.staff_id},
    )
    return member


def end_member(person_id: uuid.UUID, member_id: uuid.UUID) -> CareTeamMember:
    access = plan_access(person_id, Permission.PLAN_CARE_TEAM_END, AuditAction.CARETEAM_END)
    member = operations.end_member(db.session, access.plan, member_id, g.user)
    record(
        AuditAction.CARETEAM_END,
        person_id=person_id,
        basis={"plan": access.decision.basis_text},
        details={"member_id": member.id, "staff_id": member.staff_id},
    )
    return member


def open_for_edit(person_id: uuid.UUID, key: str) -> tuple[SectionAccess, Section]:
    """A section's content for its edit form: only for someone who may change it."""
    return _section_read(person_id, key, Permission.SECTION_WRITE)


def recent_updates(person_id: uuid.UUID, since: Any) -> list[Entry]:
    """Updates others added since `since`, in the sections the caller may see (caseload)."""
    access = plan_access(person_id, Permission.PLAN_VIEW, AuditAction.ENTRY_VIEW)
    permitted = {k: d for k, d in section_views(access.facts).items() if d.permit}
    rows = [
        e
        for e in operations.recent_entries(db.session, access.plan, list(permitted), since)
        if e.author_id != g.user.id
    ]
    keys = sorted({e.section_key for e in rows})
    record(
        AuditAction.ENTRY_VIEW,
        person_id=person_id,
        sections=keys,
        basis={k: permitted[k].basis_text for k in keys},
        details={"view": "recent_updates"},
    )
    return rows
