"""Routes and jobs declare their permission; the pipeline decides before the handler runs.

`@requires(permission, audit_action)` under a route's decorator: before the handler, the
pipeline loads the access context once (per person, per request), asks the policy,
records a refusal (404 for a person the caller has no basis for, exactly as for nobody;
403 for one they may see but not do this to) or notes the permitted attempt, whose
outcome the handler records (`audit.log.attempt`). `@public` marks the few routes open
without signing in. A route that declares neither is refused (deny by default), and a
test walks the URL map so that none ships undeclared.

Handlers and services then ask `person_context`, `require`, `require_job` and
`person_by_exact_id` (and `require_on` for a record decided on itself, such as a
referral, whose route names it with `locate`): they reuse the context and the decision
already made for this request, and decide anything further (what a page may offer) on
the same context.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NoReturn

from flask import Flask

from audit import queries as audit_queries
from audit.actions import AuditAction, Outcome
from audit.log import attempt, record
from careplan.access import purposes, sources
from careplan.access.context import AccessContext
from careplan.access.decision import DENIAL_MESSAGES, DENIALS, BasisKind, Decision, DenialKind
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.policy import can_see_person, decide, decide_on, section_decisions
from careplan.access.rules import REFERENCE, job_role
from careplan.access.subject import Subject
from careplan.core import clock, unproxied
from careplan.core.errors import BadRequest, Forbidden, NotFound, Unauthorised
from careplan.core.untrusted import refuse_unknown_query, screen_request
from careplan.extensions import db

log = logging.getLogger(__name__)

PERSON_NOT_FOUND = "No person with that id that you can see."
NO_PLAN = "This person has no care plan yet."
NO_SECTION = "There is no section with that key."
NOT_LINKED = "You have no plan linked to your account."


# Where a route finds the person it is about.
URL_PERSON = "url"  # the route's <person_id>
OWN_PERSON = "own"  # the signed-in individual's own person (/me/...)


AuditFor = AuditAction | Callable[[Mapping[str, Any]], AuditAction]
# Finds the record a route names (a referral by its id) and the person it belongs to:
# (person id, the resource with the record's facts). Given the URL's values and the
# audit action; raises NotFound, recorded, for a record that does not exist.
Locator = Callable[[Mapping[str, Any], AuditAction], tuple[uuid.UUID, Resource]]


@dataclass(frozen=True)
class Declared:
    """What a route declared: its permission and the audit action its attempt is
    recorded as (per HTTP method where they differ; the action may depend on the URL's
    values), and how its person is found."""

    permission: Permission | None  # None: public
    audit: AuditFor | None = None
    methods: Mapping[str, tuple[Permission, AuditFor]] = field(default_factory=dict)
    person: str = URL_PERSON
    rows: bool = False
    locate: Locator | None = None

    def permission_for(self, method: str) -> Permission | None:
        """The permission an HTTP method is decided by (None: public)."""
        return self.methods.get(method, (self.permission, None))[0]

    def for_request(
        self, method: str, values: Mapping[str, Any]
    ) -> tuple[Permission | None, AuditAction | None]:
        """The permission and audit action for this request's method and URL values."""
        permission, audit = self.methods.get(method, (self.permission, self.audit))
        if audit is not None and not isinstance(audit, AuditAction):
            audit = audit(values)
        return permission, audit


PUBLIC = Declared(None)


def requires(
    permission: Permission,
    audit: AuditFor,
    *,
    methods: Mapping[str, tuple[Permission, AuditFor]] | None = None,
    person: str = URL_PERSON,
    rows: bool = False,
    locate: Locator | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the route's permission and decide it before the handler runs.

    `audit`: the action an attempt is recorded as (or a function of the URL's values
    giving it); `methods`: another permission and action for an HTTP method (a page whose
    POST changes what its GET shows); `person`: URL_PERSON (the route's `person_id`) or
    OWN_PERSON; `rows`: the route only reads, so the person and plan may be loaded as
    plain rows (faster); `locate`: the route names one record decided on itself (a
    referral), found by this function, instead of a person.
    """
    declared = Declared(permission, audit, dict(methods or {}), person, rows, locate)

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            asked = unproxied.request()
            # The purpose first: decisions (consent limits it) and records carry it.
            problem = purposes.take(declared.permission_for(asked.method))
            _enforce(declared, asked.method, kwargs)
            # After the decision, so a refusal of unstorable input (or of a purpose
            # outside the vocabulary) is recorded as the failed attempt it is
            # (careplan.core.untrusted).
            screen_request()
            if problem is not None:
                raise BadRequest(problem, fields={"purpose": [problem]})
            if asked.blueprint == API_BLUEPRINT:
                # The API takes the query parameters its route documents, and no others.
                refuse_unknown_query(_query_names(checked))
            return view(*args, **kwargs)

        checked.__access__ = declared  # type: ignore[attr-defined]
        return checked

    return wrap


API_BLUEPRINT = "api"


def _query_names(route: Callable[..., Any]) -> list[str]:
    """The query parameters a route documents (`careplan.core.http.documented`'s `query`
    schema): each field's name as sent."""
    schema = getattr(route, "__openapi__", {}).get("query")
    if schema is None:
        return []
    return [f.data_key or name for name, f in schema.fields.items() if not f.dump_only]


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declare a route open to anyone (sign-in pages, the OpenAPI document)."""
    view.__access__ = PUBLIC  # type: ignore[attr-defined]
    return view


def declared(view: Callable[..., Any] | None) -> Declared | None:
    return getattr(view, "__access__", None)


def _enforce(declared: Declared, method: str, kwargs: Mapping[str, Any]) -> None:
    permission, action = declared.for_request(method, kwargs)
    if permission is None or action is None:
        return
    if unproxied.namespace().get("user") is None:
        raise Unauthorised()
    kind = permission.resource_type
    if kind is ResourceType.ACCOUNT:
        return  # the caller's own account: being signed in is the basis
    if kind is ResourceType.JOB or kind in REFERENCE:
        require_job(permission, action)
        return
    if declared.locate is not None:
        person_id, resource = declared.locate(kwargs, action)
        authorise(person_id, permission, action, resource=resource, rows=declared.rows)
        return
    person_id = _person_id(declared, kwargs, action)
    authorise(person_id, permission, action, kwargs.get("key"), rows=declared.rows)


def _person_id(declared: Declared, kwargs: Mapping[str, Any], action: AuditAction) -> uuid.UUID:
    if declared.person == OWN_PERSON:
        user = unproxied.namespace().user
        person_id = user.person_id if user.is_individual else None
        if person_id is None:
            record(action, Outcome.DENY, reason="role")
            raise NotFound(NOT_LINKED)
        return person_id
    return kwargs["person_id"]


def refuse_undeclared() -> None:
    """Before every request: a route that declares no permission answers 403 (deny by
    default), and says so in the log for the developer who forgot."""
    endpoint = unproxied.request().endpoint
    if endpoint is None:
        return  # no route: the router answers 404 or 405
    if declared(unproxied.app().view_functions.get(endpoint)) is None:
        log.error("route %s declares no permission: refused", endpoint)
        raise Forbidden(reason="undeclared")


def screen_public() -> None:
    """Before a public route runs (sign-in pages, the OpenAPI document, static files):
    refuse a path, query string or form that holds unstorable text (400), as `requires`
    does for every declared route once it has decided."""
    endpoint = unproxied.request().endpoint
    if endpoint is not None and declared(unproxied.app().view_functions.get(endpoint)) is PUBLIC:
        screen_request()


def begin() -> None:
    """Start a request (or a job) with nothing loaded or decided. `g` can outlive one
    request (an app context held open by a test or a tool), so nothing is inherited."""
    state = unproxied.namespace()
    state.access_contexts = {}
    state.access_grants = {}
    state.purpose = None


def init_app(app: Flask) -> None:
    """Refuse undeclared routes; screen public ones. `begin` is installed as a begin hook
    of the unit of work (careplan.create_app), so requests and jobs alike start with
    nothing decided."""
    app.before_request(refuse_undeclared)
    app.before_request(screen_public)
    static = app.view_functions.get("static")
    if static is not None:
        public(static)


# --- The context and the decisions of this request ----------------------------------


def _contexts() -> dict[tuple[uuid.UUID, bool], AccessContext | None]:
    state = unproxied.namespace()
    if "access_contexts" not in state:
        state.access_contexts = {}
    return state.access_contexts


def _grants() -> dict[tuple[uuid.UUID, Permission, Any], Decision]:
    state = unproxied.namespace()
    if "access_grants" not in state:
        state.access_grants = {}
    return state.access_grants


def load_context(person_id: uuid.UUID, *, rows: bool = False) -> AccessContext | None:
    """The caller's context for one person, loaded once per request (None: no person).
    A context of ORM rows serves a request for plain rows too, not the other way round."""
    cache = _contexts()
    for key in ((person_id, False), (person_id, True)) if rows else ((person_id, False),):
        if key in cache:
            return cache[key]
    context = sources.loader().person(unproxied.namespace().user, person_id, rows=rows)
    cache[(person_id, rows)] = context
    return context


def forget(person_id: uuid.UUID) -> None:
    """Drop what this request loaded and decided about a person, after a change to their
    relationships (a plan created): the next question loads the context afresh."""
    for rows in (False, True):
        _contexts().pop((person_id, rows), None)
    grants = _grants()
    for granted in [k for k in grants if k[0] == person_id]:
        del grants[granted]


def contexts_for(people: list[Any]) -> list[AccessContext]:
    """Contexts for several people (lists, searches), in their order."""
    return sources.loader().people(unproxied.namespace().user, people)


def context_for(person: Any) -> AccessContext:
    """The context for a person row already at hand."""
    return sources.loader().people(unproxied.namespace().user, [person])[0]


def authorise(
    person_id: uuid.UUID,
    permission: Permission,
    audit_action: AuditAction,
    key: str | None = None,
    *,
    rows: bool = False,
    resource: Resource | None = None,
) -> tuple[AccessContext, Decision]:
    """The person's context and the permit for `permission` (on section `key`, for a
    section permission; on `resource`, for a record decided on itself), or a recorded
    refusal raised as NotFound (no person, or none this caller may know of; an unknown
    section; no plan yet) or Forbidden (403).
    """
    slot = _slot(key, resource)
    granted = _grants().get((person_id, permission, slot))
    context = load_context(person_id, rows=rows)
    if granted is not None and context is not None:
        _attempt(audit_action, person_id, key, granted)
        return context, granted
    if context is None:
        _not_found(audit_action, person_id)
    if resource is not None:
        decision = decide(context, resource, permission)
    elif _known(context, key):
        decision = decide_on(context, permission, key)
    else:
        decision = Decision.deny(DenialKind.NOT_FOUND)
    if not decision.permit:
        _refuse_unseen(context, audit_action)
    _refuse_missing_record(context, permission, key, audit_action, decision)
    return context, _settle(context, key, permission, audit_action, decision, slot)


def _slot(key: str | None, resource: Resource | None) -> Any:
    """Where a decision is kept for the request: by section key, by the record, or by
    the kind and the section a record is about (a plan-wide permit for crisis events
    must not answer for one about a section the caller may not see)."""
    if resource is None:
        return key
    if resource.record is not None:
        return (resource.type, resource.record.id)
    if resource.section is not None and resource.type is not ResourceType.SECTION:
        return (resource.type, resource.section)
    return key


def require_on(
    context: AccessContext, resource: Resource, permission: Permission, audit_action: AuditAction
) -> Decision:
    """`require` for a record decided on itself (a referral): permit, or the refusal
    recorded and answered 403."""
    slot = _slot(None, resource)
    person_id = context.person.id
    granted = _grants().get((person_id, permission, slot))
    if granted is not None:
        _attempt(audit_action, person_id, None, granted)
        return granted
    decision = decide(context, resource, permission)
    return _settle(context, None, permission, audit_action, decision, slot)


def _settle(
    context: AccessContext,
    key: str | None,
    permission: Permission,
    audit_action: AuditAction,
    decision: Decision,
    slot: Any = None,
) -> Decision:
    """A refusal recorded and answered 403; a permit kept for the request and its attempt
    noted."""
    person_id = context.person.id
    if not decision.permit:
        sections = [key] if key else []
        reason = decision.reason
        record(audit_action, Outcome.DENY, person_id=person_id, sections=sections, reason=reason)
        kind = decision.denial.kind if decision.denial is not None else None
        raise Forbidden(DENIAL_MESSAGES.get(kind) if kind else None, reason=reason)
    _grants()[(person_id, permission, key if slot is None else slot)] = decision
    _attempt(audit_action, person_id, key, decision)
    return decision


def _refuse_unseen(
    context: AccessContext, audit_action: AuditAction, not_found: str = PERSON_NOT_FOUND
) -> None:
    """404, recorded, when the caller may know nothing of the person: as for nobody
    (`not_found`: what to say, when the route is about a record of theirs)."""
    if not can_see_person(context):
        decision = decide_on(context, Permission.PERSON_VIEW)
        reason = decision.reason
        record(audit_action, Outcome.DENY, person_id=context.person.id, reason=reason)
        if decision.denial == DENIALS[DenialKind.PURPOSE]:
            # The person's consent covers the caller, for another purpose: they know of
            # the person already, so say why (403), rather than "nobody".
            raise Forbidden(DENIAL_MESSAGES[DenialKind.PURPOSE], reason=reason)
        raise NotFound(not_found)


def _attempt(
    action: AuditAction, person_id: uuid.UUID, key: str | None, decision: Decision
) -> None:
    """Note the permitted attempt: recorded as refused, with the error, if the request
    then fails before the handler records its outcome (`audit.log.attempt`)."""
    sections = [key] if key else []
    attempt(
        action, person_id=person_id, sections=sections, basis={key or "plan": decision.basis_text}
    )


def _known(context: AccessContext, key: str | None) -> bool:
    return key is None or key in context.sensitivity


def _refuse_missing_record(
    context: AccessContext,
    permission: Permission,
    key: str | None,
    action: AuditAction,
    decision: Decision,
) -> None:
    """For a caller who may see the person: a section that does not exist, or a plan or
    section asked for before the plan exists, is "not found" (and recorded)."""
    person_id = context.person.id
    kind = permission.resource_type
    if not _known(context, key):
        record(action, Outcome.INVALID, person_id=person_id, reason="unknown_section")
        raise NotFound(NO_SECTION)
    needs_plan = kind is ResourceType.SECTION or (
        kind is ResourceType.PLAN and permission is not Permission.PLAN_CREATE
    )
    denied_for_no_plan = decision.denial == DENIALS[DenialKind.NO_PLAN]
    if (needs_plan or denied_for_no_plan) and context.plan is None:
        record(action, Outcome.INVALID, person_id=person_id, reason="no_plan")
        raise NotFound(NO_PLAN)


def _not_found(audit_action: AuditAction, person_id: uuid.UUID) -> NoReturn:
    """No person has this id: recorded as invalid (nothing to refuse), answered 404."""
    record(
        audit_action,
        Outcome.INVALID,
        person_id=None,
        reason="not_found",
        details={"requested_id": person_id},
    )
    raise NotFound(PERSON_NOT_FOUND)


def person_context(
    person_id: uuid.UUID, audit_action: AuditAction, *, rows: bool = False
) -> AccessContext:
    """The person's context, if the caller may know of them at all (404 otherwise, as for
    nobody, recorded). `rows`: plain rows will do (a read-only page)."""
    context = load_context(person_id, rows=rows)
    if context is None:
        _not_found(audit_action, person_id)
    _refuse_unseen(context, audit_action)
    attempt(audit_action, person_id=person_id)
    return context


def require(
    context: AccessContext,
    key: str | None,
    permission: Permission,
    audit_action: AuditAction,
) -> Decision:
    """Permit, or record the refusal and answer 403 (the person is visible to the caller).
    A decision the route's declaration already made is reused, not asked again."""
    person_id = context.person.id
    granted = _grants().get((person_id, permission, key))
    if granted is not None:
        _attempt(audit_action, person_id, key, granted)
        return granted
    return _settle(context, key, permission, audit_action, decide_on(context, permission, key))


def section_views(context: AccessContext) -> dict[str, Decision]:
    """SECTION_VIEW decided for every section of the catalogue, in its order."""
    return section_decisions(context, Permission.SECTION_VIEW)


def require_job(permission: Permission, audit_action: AuditAction) -> None:
    """403 unless the caller's role grants the job (`careplan.access.rules.JOBS`), or, for
    a reference record such as the directory, the caller holds it (`rules.REFERENCE`)."""
    grants = _grants()
    user = unproxied.namespace().user
    if (user.id, permission, None) in grants:
        attempt(audit_action, basis=_job_basis(permission, grants[(user.id, permission, None)]))
        return
    subject = Subject.of(user)
    now = clock.now()
    decision = decide_on(AccessContext.for_job(subject, now, clock.day_of(now)), permission)
    if not decision.permit:
        record(audit_action, Outcome.DENY, reason=decision.reason)
        raise Forbidden(reason=decision.reason)
    grants[(user.id, permission, None)] = decision
    attempt(audit_action, basis=_job_basis(permission, decision))


def job_allowed(permission: Permission) -> bool:
    """Whether the caller holds a job or reference-record permission, asked of the policy
    and recorded nowhere: what a page may offer (a link to add a service), never a
    substitute for the route's own declaration, which decides and records."""
    user = unproxied.namespace().get("user")
    if user is None:
        return False
    now = clock.now()
    context = AccessContext.for_job(Subject.of(user), now, clock.day_of(now))
    return decide_on(context, permission).permit


def _job_basis(permission: Permission, decision: Decision) -> dict[str, str]:
    """How a job or a reference record was granted, as its audit record says it: the
    role (`{"role": "admin"}`) or any signed-in account (`{"signed_in": "account"}`)."""
    basis = decision.basis
    if basis is not None and basis.kind is BasisKind.SIGNED_IN:
        return {"signed_in": "account"}
    if basis is not None and isinstance(basis.ref, str):
        return {"role": basis.ref}
    return {"role": job_role(permission).value}


def person_by_exact_id(
    person_id: uuid.UUID, permission: Permission, audit_action: AuditAction
) -> Any:
    """For the "found" page, claims and break-glass: a practitioner with no basis yet,
    holding the id their own exact lookup returned within `LOOKUP_VALID_MINUTES` (the
    audit log holds the lookup). Any other id, real or not, answers 404 as for nobody,
    whatever the request's body (issue #16, fault 8), so these routes reveal no more than
    the lookup did. Returns the person's row; raises NotFound (recorded) otherwise."""
    require_job(permission, audit_action)
    context = load_context(person_id)
    if context is None:
        _not_found(audit_action, person_id)
    window = timedelta(minutes=unproxied.app().config["LOOKUP_VALID_MINUTES"])
    user_id = unproxied.namespace().user.id
    if not audit_queries.looked_up(db.session, user_id, person_id, clock.now() - window):
        # A real person, refused by the policy (no exact lookup of theirs just now): a
        # refusal on this person's record, for IG and the person, though the caller is
        # told only what they would be told of nobody (issue 18: refused emergency
        # access must show).
        record(audit_action, Outcome.DENY, person_id=person_id, reason="no_recent_lookup")
        raise NotFound(PERSON_NOT_FOUND)
    attempt(audit_action, person_id=person_id)
    return context.person
