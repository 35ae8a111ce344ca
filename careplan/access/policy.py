"""The access policy: one pure function, deny by default, always saying why.

`decide(context, resource, permission)` answers for one caller, one person and one record
(the person, the plan, one section) or for a job that concerns no person. It does no I/O:
the context holds everything it needs (`careplan.access.context`). Routes, pages and jobs
all ask it (`careplan.access.pipeline`); nothing else decides.

The order of the rules is the policy (BRIEF.md, "Sharing rules"):
0. a deactivated account is refused everything;
1. the caller's own account, and jobs, go by role alone (`rules.JOBS`); reference
   records that hold no one's personal data (the service directory) by role, or to any
   signed-in account (`rules.REFERENCE`);
2. the person themselves sees their whole plan and writes the sections the catalogue
   marks `person_writes` (their own voice); IG officers and administrators see no
   plan content, whatever else they hold (`rules.ROLE_ON_PERSON` lists the exceptions);
3. before a plan exists, only the practitioner who registered the person;
4. a closed plan is read only;
5. then the relationships (`TIES`), strongest first; the first that holds decides, and
   its rule table (`careplan.access.rules`) says what it allows: nothing unlisted.
   - key worker: every listed permission (a refusal does not bind the person's key worker);
   - lead agency staff: a refusal ("never share X with Y") beats their permit;
   - break-glass: opens sections up to the agreement ceiling, over consent and refusal;
   - care team (added or claimed): an agreement in force allowing the section, no
     refusal, and an active consent covering agency and section;
   - a supporter (family, carer, advocate): the sections the person chose, until the
     day they chose, while the plan is open.
   The plan and the person as a whole are open to a tie that reaches them directly (key
   worker, lead agency) or through the first section it may see (break-glass, consent).
"""

from __future__ import annotations

from collections.abc import Iterable

from careplan.access import rules
from careplan.access.context import AccessContext, ReferralFact, TaskFact
from careplan.access.decision import (
    BASES,
    DENIALS,
    Basis,
    BasisKind,
    Decision,
    Denial,
    DenialKind,
)
from careplan.access.permissions import (
    PERSON,
    Permission,
    Resource,
    ResourceType,
    resource_for,
    section,
)
from careplan.access.subject import Role
from careplan.access.ties import (
    TASK_OWNER,
    TIES,
    active_refusal,
    lead_agency_kind,
    owner_stop,
)

ROLE_BASIS = Basis(BasisKind.ROLE)


def decide(context: AccessContext, resource: Resource, permission: Permission) -> Decision:
    """Permit or deny `permission` on `resource` for the caller in `context`.

    Raises ValueError if the permission is not one of the resource's type.
    """
    kind = resource.type
    if permission.resource_type is not kind:
        raise ValueError(f"{permission} is not a permission on {kind}")
    settled = _before_ties(context, resource, permission)
    if settled is not None:
        return settled
    if kind is ResourceType.SECTION:
        return _decide_section(context, resource.section or "", permission)
    if kind is ResourceType.TASK:
        return _decide_task(context, resource, permission)
    if kind is ResourceType.REFERRAL:
        return _decide_referral(context, resource.record, permission)
    # A record about one section (a crisis event about the person's substance use, an
    # ask about their housing) is decided as that section is: the same ties, refusals and
    # agreement ceiling, granted by the record's own table (issue 20's walk: a consent
    # for one section must not show an overdose to an agency the person never told).
    bound = resource.section or rules.SECTION_BOUND.get(kind)
    if bound is not None:
        return _decide_bound(context, kind, bound, permission)
    decided = _decide_whole(context, kind, permission)
    if permission in rules.SPANS_SECTIONS and decided.permit:
        return _unless_refused(context, decided)
    return decided


def _before_ties(
    context: AccessContext, resource: Resource, permission: Permission
) -> Decision | None:
    """The rules before the relationships (0 to 4 of the module's order): the decision
    they settle, or None when the ties decide. For a section permission and a caller who
    is not the person themselves, the answer is the same for every section (only the
    person's own voice, rule 2, is decided per section): `section_decisions` asks once."""
    kind = resource.type
    if not context.subject.active:
        # A deactivated account has no basis for anything: no job, no relationship, not
        # even its own account (its sessions and tokens already stop; this holds however
        # else it might be asked).
        return Decision.deny(DenialKind.ROLE)
    if kind is ResourceType.JOB:
        return _decide_job(context, permission)
    if kind is ResourceType.ACCOUNT:
        return Decision.allow(BASES[BasisKind.ACCOUNT])
    if kind in rules.REFERENCE:
        return _decide_reference(context, kind, permission)
    subject = context.subject
    if context.person is None:
        return Decision.deny(DenialKind.NOT_FOUND)
    if kind is ResourceType.REFERRAL and not _of_this_person(context, resource):
        return Decision.deny(DenialKind.NOT_FOUND)
    one_task = kind is ResourceType.TASK and resource.record is not None
    if one_task and not _of_this_person(context, resource):
        return Decision.deny(DenialKind.NOT_FOUND)
    if subject.is_individual:
        return _decide_self(context, kind, permission, resource.section)
    if not (subject.is_practitioner or subject.is_supporter):
        return _decide_staff_role(context, kind, permission)
    # A supporter goes on to the ties like a practitioner: only the supporter tie can hold
    # for them (they have no agency, team, care-team place or emergency access).
    plan = context.plan
    if plan is None:
        return _decide_without_plan(context, kind, permission)
    if permission is Permission.PLAN_CREATE:
        return Decision.deny(DenialKind.HAS_PLAN)
    if permission in rules.CHANGES and plan.closed_on is not None:
        return Decision.deny(DenialKind.CLOSED)
    return None


def _unless_refused(context: AccessContext, decided: Decision) -> Decision:
    """A permit for a record that may speak of any section (what was said at a meeting,
    `rules.SPANS_SECTIONS`) stands only if no section is refused to the caller: a refusal
    binds everyone but the key worker the person agreed to (issue 20's walk: a colleague
    the person had refused their substance use read "methadone" in a meeting summary)."""
    if decided.basis is not None and decided.basis.kind is BasisKind.KEY_WORKER:
        return decided
    for key in context.sensitivity:
        refusal = active_refusal(context, key)
        if refusal is not None:
            return Decision.deny(Denial(DenialKind.REFUSED, refusal.id))
    return decided


def _decide_bound(
    context: AccessContext, kind: ResourceType, key: str, permission: Permission
) -> Decision:
    """Decided by the tie that reaches section `key`, granted by `kind`'s own table."""
    decided = _by_ties(context, kind, key, permission)
    return decided if decided is not None else Decision.deny(DenialKind.NO_RELATIONSHIP)


def _decide_task(context: AccessContext, resource: Resource, permission: Permission) -> Decision:
    """A task: the plan's ties first, reaching the section it is about (`TaskFact`);
    failing them, owning it (`ties.TaskOwner`): a task owner outside the care team, or a
    care-team member closing their own action, while `ties.owner_stop` lets them. With
    no record (the person's task list), any task the caller may see opens the list."""
    task = resource.record
    if task is None:
        decided = _decide_whole(context, ResourceType.TASK, permission)
        key = None
    else:
        decided = _task_on_plan(context, task, permission)
        key = str(task.id)
    if decided.permit:
        return decided
    owner = _task_owner(context, task, key)
    if isinstance(owner, Basis):
        return _granted(ResourceType.TASK, owner, permission)
    # An owner whose sight the person's word or the agreement ended is told (and the
    # audit record says) why: the withdrawal, the refusal, the agreement.
    return Decision.deny(owner) if isinstance(owner, Denial) else decided


def _task_on_plan(context: AccessContext, task: TaskFact, permission: Permission) -> Decision:
    """A task through the ties to the plan: those reaching its section (a goal's action
    is the goals section's), or the plan as a whole; and, if it follows another record's
    rule (a meeting's action follows what was said there), the basis must give that too."""
    if task.section is not None:
        decided = _decide_bound(context, ResourceType.TASK, task.section, permission)
    else:
        decided = _decide_whole(context, ResourceType.TASK, permission)
    follows = task.follows
    if decided.permit and follows is not None:
        # Decided on the record it follows, as the same section (a meeting's action about
        # no one section follows the whole meeting's content, refusals included).
        followed = decide(context, Resource(follows.resource_type, task.section), follows)
        if not followed.permit:
            return followed
    return decided


def _task_owner(
    context: AccessContext, task: TaskFact | None, key: str | None
) -> Basis | Denial | None:
    """The task-owner basis for one task (its facts name the owner) or the list."""
    if task is None or (task.owner_staff_id is None and task.owner_agency_id is None):
        return TASK_OWNER.basis(context, key)
    subject = context.subject
    if not task.owned_by(subject.id, subject.agency_id):
        return None
    return owner_stop(context, task.section) or Basis(BasisKind.TASK_OWNER, task.id)


def _of_this_person(context: AccessContext, resource: Resource) -> bool:
    """A record-scoped resource names its facts, and they are the context's person's."""
    record = resource.record
    facts = isinstance(record, (ReferralFact, TaskFact))
    return facts and record.person_id == context.person.id


def _decide_referral(
    context: AccessContext, referral: ReferralFact, permission: Permission
) -> Decision:
    """The referrer's side (who made it, then the person's key worker and lead agency)
    before the receiving agency; nobody else opens a referral (`rules.REFERRAL`)."""
    basis = referral_basis(context, referral)
    if basis is None:
        return Decision.deny(DenialKind.NO_RELATIONSHIP)
    return _granted(ResourceType.REFERRAL, basis, permission)


def referral_basis(context: AccessContext, referral: ReferralFact) -> Basis | None:
    """Why the caller (a practitioner) may open `referral`, if they may."""
    subject = context.subject
    if referral.referrer_id == subject.id:
        return Basis(BasisKind.REFERRER, referral.id)
    if context.is_key_worker:
        return BASES[BasisKind.KEY_WORKER]
    cover = context.active_cover
    if cover is not None:
        return Basis(BasisKind.COVER, cover.id)
    # Narrowed to the key worker's team where the lead agency has teams (issue 22).
    through_lead = lead_agency_kind(context)
    if through_lead is not None:
        return BASES[through_lead]
    receiving = referral.receiving_agency_id
    at_receiving = receiving is not None and receiving == subject.agency_id
    # The agency's referral coordinators, and the practitioner who took it on.
    handles = subject.has(Role.REFERRAL_COORDINATOR) or referral.taken_by_id == subject.id
    if at_receiving and handles:
        return Basis(BasisKind.REFERRAL, referral.id)
    return None


def _decide_job(context: AccessContext, permission: Permission) -> Decision:
    subject = context.subject
    for role, granted in rules.JOBS.items():
        holds = subject.is_practitioner if role is rules.Role.PRACTITIONER else subject.has(role)
        if holds and permission in granted:
            return Decision.allow(ROLE_BASIS)
    return Decision.deny(DenialKind.ROLE)


def _decide_reference(
    context: AccessContext, kind: ResourceType, permission: Permission
) -> Decision:
    """Reference records (the directory): every active account, or a role (`rules.REFERENCE`)."""
    subject = context.subject
    for holder, granted in rules.REFERENCE[kind].items():
        if permission not in granted:
            continue
        if holder is BasisKind.SIGNED_IN:
            return Decision.allow(BASES[BasisKind.SIGNED_IN])
        if isinstance(holder, rules.Role) and subject.has(holder):
            return Decision.allow(Basis(BasisKind.ROLE, holder.value))
    return Decision.deny(DenialKind.ROLE)


def _decide_self(
    context: AccessContext, kind: ResourceType, permission: Permission, resource_key: str | None
) -> Decision:
    if not context.is_self:
        return Decision.deny(DenialKind.NO_RELATIONSHIP)
    if context.plan is None and permission not in rules.READS:
        return Decision.deny(DenialKind.NO_PLAN)
    if permission in rules.CHANGES and context.plan.closed_on is not None:
        return Decision.deny(DenialKind.CLOSED)
    if permission in rules.OWN_VOICE and resource_key not in context.person_writes:
        # Staff keep the rest of the plan; the person asks for a correction instead.
        return Decision.deny(DenialKind.READ_ONLY)
    if permission in rules.RECORDS[kind].get(BasisKind.SELF, ()):
        return Decision.allow(BASES[BasisKind.SELF])
    return Decision.deny(DenialKind.ROLE)


def _decide_staff_role(
    context: AccessContext, kind: ResourceType, permission: Permission
) -> Decision:
    # IG officers and administrators never get plan content, whatever else they hold.
    if kind is ResourceType.PERSON:
        for role, granted in rules.ROLE_ON_PERSON.items():
            if context.subject.has(role) and permission in granted:
                return Decision.allow(Basis(BasisKind.ROLE, role.value))
    return Decision.deny(DenialKind.ROLE)


def _decide_without_plan(
    context: AccessContext, kind: ResourceType, permission: Permission
) -> Decision:
    # Before a plan exists only the practitioner who registered the person can see the
    # identity and start the plan; anyone else finds them by exact lookup first.
    if not context.registered_person:
        return Decision.deny(DenialKind.NO_RELATIONSHIP)
    if permission in rules.RECORDS[kind].get(BasisKind.REGISTERED, ()):
        return Decision.allow(BASES[BasisKind.REGISTERED])
    return Decision.deny(DenialKind.NO_PLAN)


def _granted(kind: ResourceType, basis: Basis, permission: Permission) -> Decision:
    """The tie's rule table decides: listed, or denied as read only."""
    if permission in rules.RECORDS[kind].get(basis.kind, ()):
        return Decision.allow(basis)
    return Decision.deny(DenialKind.READ_ONLY)


def _by_ties(
    context: AccessContext, kind: ResourceType, key: str | None, permission: Permission
) -> Decision | None:
    """The first tie that holds decides; None: no tie holds."""
    found = _tie_basis(context, key)
    if found is None:
        return None
    if isinstance(found, Denial):
        return Decision.deny(found)
    return _granted(kind, found, permission)


def _tie_basis(context: AccessContext, key: str | None) -> Basis | Denial | None:
    """The first tie's answer that holds for `key`, whatever the permission (kept for
    the context where it cannot change: `AccessContext.tie_memo`)."""
    memo = context.tie_memo
    if memo is not None and key in memo:
        return memo[key]  # type: ignore[no-any-return]
    found = None
    for tie in TIES:
        found = tie.basis(context, key)
        if found is not None:
            break
    if memo is not None:
        memo[key] = found
    return found


def _decide_whole(context: AccessContext, kind: ResourceType, permission: Permission) -> Decision:
    decided = _by_ties(context, kind, None, permission)
    if decided is not None:
        return decided
    seen = _first_seen(context)
    if not seen.permit or seen.basis is None:
        return seen
    return _granted(kind, seen.basis, permission)


# Where a context keeps its ties' answers, the first section they open is kept with them
# (it is made of those answers and the rule tables alone); never a catalogue key, which
# is [a-z_] only.
_FIRST_SEEN = "*first section seen"


def _first_seen(context: AccessContext) -> Decision:
    """`first_visible_section`, once per context that keeps its ties' answers (a page
    asks for a dozen links to the plan as a whole, each going through it)."""
    memo = context.tie_memo
    if memo is None:
        return first_visible_section(context)
    seen = memo.get(_FIRST_SEEN)
    if seen is None:
        seen = memo[_FIRST_SEEN] = first_visible_section(context)
    return seen  # type: ignore[no-any-return]


def first_visible_section(context: AccessContext) -> Decision:
    """The first section (catalogue order) the caller may view, or the first denial (a
    denial for the request's purpose before any other: a consent covers the caller,
    only not for this purpose)."""
    first_denial = Decision.deny(DenialKind.NO_RELATIONSHIP)
    purpose_denial = None
    for index, key in enumerate(context.sensitivity):
        decision = _decide_section(context, key, Permission.SECTION_VIEW)
        if decision.permit:
            return decision
        if index == 0:
            first_denial = decision
        if purpose_denial is None and decision.denial == DENIALS[DenialKind.PURPOSE]:
            purpose_denial = decision
    return purpose_denial or first_denial


def _decide_section(context: AccessContext, key: str, permission: Permission) -> Decision:
    decided = _by_ties(context, ResourceType.SECTION, key, permission)
    return decided if decided is not None else Decision.deny(DenialKind.NO_RELATIONSHIP)


def refused_sections(context: AccessContext) -> list[str]:
    """The sections (catalogue order) an active refusal of the person's withholds from the
    caller's agency or sector. A key worker is not bound by refusals, so a plan is never
    handed to a key worker this names anything for (BRIEF.md: the person agrees to their
    key worker and lead agency; issue #16, fault 3)."""
    return [key for key in context.sensitivity if active_refusal(context, key) is not None]


def section_decisions(
    context: AccessContext, permission: Permission, keys: Iterable[str] | None = None
) -> dict[str, Decision]:
    """`permission` (a section permission) decided for each section, catalogue order.
    `keys`: these sections only (default: every section in the context's catalogue)."""
    wanted = tuple(context.sensitivity if keys is None else keys)
    individual = context.subject.is_individual
    if not wanted or permission.resource_type is not ResourceType.SECTION or individual:
        return {key: decide(context, section(key), permission) for key in wanted}
    # The rules before the ties do not depend on the section for anyone but the person
    # (`_before_ties`): asked once, then each section goes to the ties, as `decide` does.
    settled = _before_ties(context, section(wanted[0]), permission)
    if settled is not None:
        return dict.fromkeys(wanted, settled)
    return {key: _decide_section(context, key, permission) for key in wanted}


def can_see_person(context: AccessContext) -> bool:
    """Whether the person exists for this caller at all (otherwise: 404, as if not there)."""
    return decide(context, PERSON, Permission.PERSON_VIEW).permit


def decide_on(context: AccessContext, permission: Permission, key: str | None = None) -> Decision:
    """`decide` on the record `permission` is about: the person, the plan, or section
    `key` (required for a section permission; ValueError without it)."""
    return decide(context, resource_for(permission, key), permission)
