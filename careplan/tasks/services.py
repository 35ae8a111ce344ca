"""What a task request does once its input is valid: decide, act, record.

The JSON API and the pages both call these, so a page reaches a task only through the same
access decision and the same audit records as the API. The rule table is
`careplan.access.rules.TASK`; a task owner outside the care team holds the TASK_OWNER
basis (`careplan.access.ties.TaskOwner`) and sees only the tasks they own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import g

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access import sources
from careplan.access.context import AccessContext, TaskFact
from careplan.access.decision import BasisKind, Decision, DenialKind
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.pipeline import (
    authorise,
    contexts_for,
    load_context,
    require_job,
    require_on,
)
from careplan.access.policy import decide
from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    Unprocessable,
)
from careplan.core.http import require_version
from careplan.extensions import db
from careplan.tasks import operations, queries
from careplan.tasks.models import Task, TaskSource, TaskStatus
from careplan.tasks.schemas import SECTION_MESSAGE

TASK_NOT_FOUND = "There is no action with that id that you can see."


# Tasks that follow another record's rule: a meeting's action carries what was said at
# the meeting (MEETING_CONTENT_VIEW: the key worker, lead agency and the person); the task
# answering a correction names what the person asked to correct (CORRECTION_VIEW).
FOLLOWS: dict[TaskSource, Permission] = {
    TaskSource.MEETING: Permission.MEETING_CONTENT_VIEW,
    TaskSource.CORRECTION: Permission.CORRECTION_VIEW,
}
ANSWER_FIRST = (
    "Answer the person's request for a correction: this action closes when you answer it."
)


def fact(task: Task) -> TaskFact:
    """The policy's facts of a task row (`careplan.access.context.TaskFact`)."""
    return TaskFact(
        id=task.id,
        person_id=task.person_id,
        section=task.section_key,
        follows=FOLLOWS.get(task.source),
        owner_staff_id=task.owner_staff_id,
        owner_agency_id=task.owner_agency_id,
    )


def resource(task: Task) -> Resource:
    """A task as the policy is asked about it: decided as the section it is about, by
    the rule it follows, or by owning it (`careplan.access.policy._decide_task`)."""
    return Resource(ResourceType.TASK, record=fact(task))


def visible(context: AccessContext, rows: Iterable[Task]) -> list[Task]:
    """Of `rows` (tasks of the context's person), those the caller may see."""
    return [t for t in rows if decide(context, resource(t), Permission.TASK_VIEW).permit]


def locate(values: Mapping[str, Any], action: AuditAction) -> tuple[uuid.UUID, Resource]:
    """For `@requires(..., locate=locate)`: the task named by the URL's `task_id` and its
    person (NotFound, recorded as invalid, for no such task)."""
    task_id = values["task_id"]
    task = db.session.get(Task, task_id)
    if task is None:
        record(action, Outcome.INVALID, reason="not_found", details={"requested_id": task_id})
        raise NotFound(TASK_NOT_FOUND)
    return task.person_id, resource(task)


def present(task: Task, *, with_person: bool = False) -> dict[str, Any]:
    """A task as the API and pages show it (`with_person`: the person's name, for lists
    across people)."""
    owner = task.owner_staff.name if task.owner_staff else None
    if owner is None and task.owner_agency is not None:
        owner = task.owner_agency.name
    return {
        "id": task.id,
        "person_id": task.person_id,
        "person_name": task.person.display_name if with_person else None,
        "title": task.title,
        "owner_staff_id": task.owner_staff_id,
        "owner_agency_id": task.owner_agency_id,
        "owner_name": owner or "",
        "due_on": task.due_on,
        "overdue": task.overdue(clock.today()),
        "status": task.status.value,
        "source": task.source.value,
        "source_id": task.source_id,
        "section": task.section_key,
        "status_note": task.status_note,
        "status_changed_at": iso(task.status_changed_at),
        "created_at": iso(task.created_at),
        "version": task.version,
    }


def status_changes_here(task: Task) -> bool:
    """Whether the action's status is changed as an action (done, cancelled, open again):
    a correction's closes when the person's request is answered, on the corrections
    page (`change_status` answers 409 `answer_first`)."""
    return task.source is not TaskSource.CORRECTION


def one_task(task_id: uuid.UUID) -> tuple[Task, AccessContext]:
    """The task the route located and decided (`@requires(TASK_VIEW, ..., locate=locate)`)
    and its person's context. Records nothing: the page records its one view."""
    task = db.session.get(Task, task_id)
    context = load_context(task.person_id)
    return task, context


def person_tasks(person_id: uuid.UUID) -> tuple[Sequence[Task], AccessContext, bool]:
    """The person's tasks the caller may see, each decided on itself (the section it is
    about, the rule it follows, or owning it), the context, and whether the caller sees
    them as a task owner only. Records `task.list` with the ids shown."""
    context, decision = authorise(person_id, Permission.TASK_VIEW, AuditAction.TASK_LIST)
    only = decision.basis is not None and decision.basis.kind is BasisKind.TASK_OWNER
    rows = visible(context, queries.for_person(db.session, person_id))
    record(
        AuditAction.TASK_LIST,
        person_id=person_id,
        basis={"plan": decision.basis_text},
        details={"count": len(rows), "task_ids": [t.id for t in rows]},
    )
    return rows, context, only


# Bases that may give an action to anyone: the key worker the person agreed to, the lead
# agency (or, where it has teams, the key worker's team) and a colleague covering the key
# worker. An owner outside the plan's ties then sees the action (`ties.TaskOwner`),
# with the person's name, on their word.
GIVES_TO_ANYONE = frozenset(
    {BasisKind.KEY_WORKER, BasisKind.LEAD_AGENCY, BasisKind.KEY_WORKER_TEAM, BasisKind.COVER}
)
WITHIN_TIES = (
    "Give the action to yourself, your organisation, their key worker or the lead "
    "organisation. Ask their key worker to give it to anyone else."
)


def owner_outside_ties(
    context: AccessContext,
    decision: Decision,
    owner_staff_id: uuid.UUID | None,
    owner_agency_id: uuid.UUID | None,
    prefix: str = "",
) -> dict[str, list[str]] | None:
    """Why the caller may not give an action to this owner, as form fields (the owner's
    field after `prefix`, "follow_up."), or None: they may. A caller whose basis is not
    in `GIVES_TO_ANYONE` (a care-team member on a consent) gives actions only to
    themselves, their own agency or its staff, the key worker, or the lead agency or its
    staff: giving one to another agency would tell it the person's name and what the
    action says, which only the person's agreement with their key worker and lead agency
    covers (issue 20's walk: a care-team member on a consent gave a stranger's agency an
    action). Raises nothing; the caller answers 422."""
    if decision.basis is not None and decision.basis.kind in GIVES_TO_ANYONE:
        return None
    user, plan = g.user, context.plan
    ours = {user.agency_id, plan.lead_agency_id} - {None}
    if owner_staff_id is not None:
        if owner_staff_id in (user.id, plan.key_worker_id):
            return None
        staff = db.session.get(User, owner_staff_id)
        if staff is not None and staff.agency_id in ours:
            return None
        return {f"{prefix}owner_staff_id": [WITHIN_TIES]}
    if owner_agency_id in ours:
        return None
    return {f"{prefix}owner_agency_id": [WITHIN_TIES]}


@dataclass(frozen=True)
class AgencyPractitioner:
    """Any practitioner of `agency`, as the policy sees one deciding an action given to
    the agency as a whole: an account of no one (a fresh id), so no tie of its own."""

    agency: Agency
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    roles: tuple[str, ...] = (Role.PRACTITIONER.value,)
    is_individual: bool = False
    person_id: uuid.UUID | None = None
    active: bool = True
    is_supporter: bool = False

    @property
    def agency_id(self) -> uuid.UUID:
        return self.agency.id


# What the key worker hears when the owner they chose could not see the action (the
# policy's reason, in words: careplan.access.decision.DenialKind).
UNSEEN = "They could not see this action{why}. Give it to someone who can."
UNSEEN_WHY: dict[DenialKind, str] = {
    DenialKind.NO_AGREEMENT: ": their organisation has no information-sharing agreement",
    DenialKind.AGREEMENT_EXPIRED: ": their organisation's information-sharing agreement has ended",
    DenialKind.AGREEMENT_CEILING: ": their organisation's information-sharing agreement "
    "does not cover what it is about",
    DenialKind.REFUSED: ": the person has said no to sharing what it is about with "
    "their organisation",
    DenialKind.WITHDRAWN: ": the person has withdrawn their consent to share with their "
    "organisation",
    DenialKind.EXPIRED: ": the person's consent to share with their organisation has ended",
    DenialKind.ROLE: ": their role does not let them see care plans",
}


def owner_unseeing(
    person_id: uuid.UUID,
    *,
    source: TaskSource,
    section: str | None,
    owner_staff_id: uuid.UUID | None,
    owner_agency_id: uuid.UUID | None,
    prefix: str = "",
) -> dict[str, list[str]] | None:
    """Why the owner could not see the action about to be given (the owner's field after
    `prefix`, with the policy's reason in words), or None: they could. Decided as the
    policy will decide it for them once it exists (`TASK_VIEW` on its facts, in the
    owner's own context; an agency's as any of its practitioners). An action its owner
    cannot open would still tell them one exists, and leave the giver believing it is
    shared: the person's agreement and refusals bind the owner (BRIEF.md, "sharing
    rules"; `careplan.access.ties.owner_stop`). Call after `owner_problem` (an owner that
    exists). Raises nothing; the caller answers 422."""
    if owner_staff_id is not None:
        owner: Any = db.session.get(User, owner_staff_id)
        field_name = f"{prefix}owner_staff_id"
    else:
        owner = AgencyPractitioner(db.session.get(Agency, owner_agency_id))
        field_name = f"{prefix}owner_agency_id"
    context = sources.loader().person(owner, person_id, rows=True)
    if context is None:
        return None
    about = TaskFact(
        id=uuid.uuid4(),
        person_id=person_id,
        section=section if section is not None else operations.SOURCE_SECTION.get(source),
        follows=FOLLOWS.get(source),
        owner_staff_id=owner_staff_id,
        owner_agency_id=owner_agency_id,
    )
    decision = decide(context, Resource(ResourceType.TASK, record=about), Permission.TASK_VIEW)
    if decision.permit:
        return None
    kind = decision.denial.kind if decision.denial is not None else None
    return {field_name: [UNSEEN.format(why=UNSEEN_WHY.get(kind, ""))]}


def add_task(person_id: uuid.UUID, load: Callable[[], dict[str, Any]]) -> Task:
    """A task the caller gives someone (source "goal"), after the decision and the input:
    about `section` (a catalogue key; default "goals"). Raises BadRequest (400, the
    field named) for a section not in the catalogue, Unprocessable (422) for an owner the
    caller may not give an action to (`owner_outside_ties`)."""
    context, decision = authorise(person_id, Permission.TASK_CREATE, AuditAction.TASK_CREATE)
    data = load()
    section = data["section"]
    if section is not None and section not in context.sensitivity:
        raise BadRequest(fields={"section": [SECTION_MESSAGE]})
    outside = owner_outside_ties(context, decision, data["owner_staff_id"], data["owner_agency_id"])
    if outside is not None:
        raise Unprocessable(fields=outside)
    problem = operations.owner_problem(
        db.session, data["owner_staff_id"], data["owner_agency_id"]
    ) or owner_unseeing(
        person_id,
        source=TaskSource(data["source"]),
        section=section,
        owner_staff_id=data["owner_staff_id"],
        owner_agency_id=data["owner_agency_id"],
    )
    if problem is not None:
        raise Unprocessable(fields=problem)
    task = operations.create_task(
        db.session,
        person_id=person_id,
        title=data["title"],
        owner_staff_id=data["owner_staff_id"],
        owner_agency_id=data["owner_agency_id"],
        due_on=data["due_on"],
        source=TaskSource(data["source"]),
        section_key=section,
        actor=g.user,
    )
    record(
        AuditAction.TASK_CREATE,
        person_id=person_id,
        basis={"plan": decision.basis_text},
        details={"task_id": task.id},
    )
    return task


def change_status(
    task_id: uuid.UUID, load: Callable[[], dict[str, Any]], expected: int | None = None
) -> Task:
    """Done, cancelled or reopened, with If-Match (a page sends the version it showed as
    `expected` instead): the owner (account or agency), the key worker or the lead agency
    (the route decided it on this task). Records `task.status`. Raises PreconditionFailed
    (412) for a stale version, Conflict (409) for a move the task cannot make."""
    task = db.session.get(Task, task_id, with_for_update={"of": Task})
    if task is None:
        raise NotFound(TASK_NOT_FOUND)
    context = load_context(task.person_id)
    if context is None:  # the person was merged away under the task: as for nobody
        raise NotFound(TASK_NOT_FOUND)
    decision = require_on(context, resource(task), Permission.TASK_STATUS, AuditAction.TASK_STATUS)
    data = load()
    if task.source is TaskSource.CORRECTION:
        # Closed by the answer (careplan.corrections.services.answer), so the person is
        # never left with a request marked done that nobody answered.
        raise Conflict(ANSWER_FIRST, reason="answer_first")
    if expected is None:
        require_version(task.version)
    elif expected != task.version:
        raise PreconditionFailed("Someone else changed this action while you were on the page.")
    operations.change_status(db.session, task, TaskStatus(data["status"]), data["note"], g.user)
    record(
        AuditAction.TASK_STATUS,
        person_id=task.person_id,
        basis={"task": decision.basis_text},
        details={"task_id": task.id, "status": task.status.value},
    )
    return task


def my_tasks() -> Sequence[Task]:
    """Open tasks owned by the caller or their agency, across people, soonest first, each
    still the owner's to see (`ties.owner_stop`: the person's refusal, withdrawal or the
    agreement end it). One `task.mine` record per person shown, so each person's access
    log says their actions were looked at, and by whom."""
    return [task for task, _ in my_tasks_decided()]


def my_tasks_decided() -> list[tuple[Task, AccessContext]]:
    """`my_tasks` with the access context each was decided on, so a page can decide its
    buttons (done, answer) on the same facts without a query more."""
    require_job(Permission.JOB_MY_TASKS, AuditAction.TASK_MINE)
    user = g.user
    found = queries.owned_by(db.session, user.id, user.agency_id)
    decided = visible_across_with(found)
    rows = [task for task, _ in decided]
    shown: dict[uuid.UUID, list[uuid.UUID]] = {}
    for task in rows:
        shown.setdefault(task.person_id, []).append(task.id)
    for person_id, ids in shown.items():
        record(
            AuditAction.TASK_MINE,
            person_id=person_id,
            basis={"task": BasisKind.TASK_OWNER.value},
            details={"task_ids": ids},
        )
    if not shown:
        record(AuditAction.TASK_MINE, details={"count": 0})
    return decided


def visible_across(rows: Sequence[Task]) -> list[Task]:
    """Of `rows` (tasks of any people, with `Task.person` loaded), those the caller may
    see, decided with one access context per person (loaded together), order kept."""
    return [task for task, _ in visible_across_with(rows)]


def visible_across_with(rows: Sequence[Task]) -> list[tuple[Task, AccessContext]]:
    """`visible_across`, each task with its person's access context."""
    people = list({t.person_id: t.person for t in rows}.values())
    contexts = {c.person.id: c for c in contexts_for(people)}
    return [
        (t, contexts[t.person_id])
        for t in rows
        if decide(contexts[t.person_id], resource(t), Permission.TASK_VIEW).permit
    ]
