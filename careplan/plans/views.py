"""Finding and registering people, starting a plan, the plan page, hand-over, care team."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, g, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access import sources
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise, person_context, requires
from careplan.access.policy import decide_on, section_decisions
from careplan.accounts import staff_search
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import transaction
from careplan.core.errors import ApiError, Conflict, NotFound
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.people import services as people
from careplan.plans import printing, summary
from careplan.plans import services as plans
from careplan.plans.access import catalogue, plan_access
from careplan.plans.models import AgreedHow
from careplan.plans.schemas import agreement, care_team_add, hand_over, plan_create, reopen_plan
from careplan.web import staff_picker
from careplan.web.display import lines
from careplan.web.pages import address_with_uuid, form_values, load, loader, refused, render
from careplan.web.schemas import version_only

bp = Blueprint("plans", __name__)

AGREEMENT_FIELDS = ("agreed_on", "agreed_how")


@bp.route("/people/<uuid:person_id>/plan/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.PLAN_CREATE, AuditAction.PLAN_CREATE)
def start_plan(person_id: uuid.UUID) -> Any:
    facts, granted = authorise(person_id, Permission.PLAN_CREATE, AuditAction.PLAN_CREATE)
    form = form_values(("key_worker_id", *AGREEMENT_FIELDS))
    if request.method == "GET" or staff_picker.searching():
        record(
            AuditAction.PERSON_VIEW,
            person_id=person_id,
            basis={"identity": granted.basis_text},
            details={"view": "start_plan"},
        )
        shown = form if staff_picker.searching() else {"key_worker_id": str(g.user.id)}
        return _start_page(facts.person, shown, {})
    data = {**form, "lead_agency_id": str(g.user.agency_id)}
    try:
        plans.create_plan(person_id, loader(plan_create, data))
    except (ApiError, ValidationError) as exc:
        return _start_page(facts.person, form, *refused(exc))
    return redirect(url_for("plans.plan", person_id=person_id, done="plan_created"))


def _start_page(person: Any, form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "plans/start_plan.html",
        status,
        page_title="Start a care plan",
        person=person,
        agency=g.user.agency,
        picker=staff_picker.pick(
            staff_search.pool(agencies=[g.user.agency_id]), form.get("key_worker_id")
        ),
        ways=list(AgreedHow),
        form=form,
        errors=errors,
    )


@bp.get("/people/<uuid:person_id>")
@signed_in_required
@requires(Permission.PERSON_VIEW, AuditAction.PLAN_VIEW, rows=True)
def plan(person_id: uuid.UUID) -> Any:
    """The plan page: the same read as the API's plan view, and like it one audit record
    (the person's access log shows one visit per page view)."""
    if g.user.is_individual:
        return redirect(url_for("me.plan"))  # their own plan has its own plain pages
    if person_context(person_id, AuditAction.PLAN_VIEW, rows=True).plan is None:
        person = people.view_person(person_id)
        return render("plans/no_plan.html", page_title=person.display_name, person=person)
    access, view = plans.read_plan_page(person_id)
    facts = access.facts
    # The summary's care team, what each sees, overdue actions: one statement (issue 17),
    # for a key worker and anyone else alike (the actions are decided from its rows).
    glance = sources.loader().plan_glance(facts)
    can = _plan_actions(facts)
    overdue = plans.overdue_seen(facts, glance.overdue)

    def opened() -> dict[str, Any]:
        # After the commit, as the API's plan body: the sections opened and presented.
        body = plans.plan_body(view, AuditAction.PLAN_VIEW)
        shown = _sections(facts, body)
        at_a_glance = summary.summary(
            facts, body, glance, shown, team=can["view_care_team"], overdue=overdue
        )
        if at_a_glance["emergency_until"] is not None:
            shown = summary.emergency_order(shown)
        return {"plan": body, "sections": shown, "summary": at_a_glance}

    return render(
        "plans/plan.html",
        page_title=facts.person.display_name,
        page_label="Care plan",
        person=facts.person,
        titles={kind.key: kind.title for kind in catalogue()},
        today=facts.today,
        can=can,
        later=opened,
    )


@bp.get("/people/<uuid:person_id>/plan.pdf")
@signed_in_required
@requires(Permission.PLAN_VIEW, AuditAction.EXPORT, rows=True)
def plan_pdf(person_id: uuid.UUID) -> Any:
    """The plan on paper: the sections the caller may see, as a tagged PDF (recorded as an
    export; careplan.plans.printing)."""
    person, view = printing.read_for_print(person_id)
    return transaction.respond_after_commit(lambda: printing.response(person, view, own=False))


SECTION_PAGES = ("section", "add_update", "edit", "history")


def _section_links(person_id: Any) -> dict[str, str]:
    """Each section page's address with a `{key}` slot (catalogue keys are [a-z_] only),
    its shape built once as the layout's links are (`address_with_uuid`): the plan page
    is the busiest page."""
    return {
        name: address_with_uuid(f"sections.{name}", "person_id", person_id, key="KEY").replace(
            "KEY", "{key}"
        )
        for name in SECTION_PAGES
    }


def _sections(facts: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    shown = []
    links = _section_links(facts.person.id)
    keys = list(body["sections"])
    # Each permission decided for all the shown sections at once (the rules before the
    # relationship ties are asked once, not once a section).
    change = section_decisions(facts, Permission.SECTION_WRITE, keys)
    add = section_decisions(facts, Permission.SECTION_ADD_ENTRY, keys)
    for key, section in body["sections"].items():
        kind = catalogue().get(key)
        shown.append(
            {
                **section,
                "description": kind.description,
                "lines": lines(kind.schema, section["content"]),
                "basis": body["basis"][key],
                "can_change": change[key].permit,
                "can_add": add[key].permit,
                "links": {name: url.format(key=key) for name, url in links.items()},
            }
        )
    return shown


# The plan page's links, by the names its template uses.
PLAN_LINKS = {
    "hand_over": Permission.PLAN_HAND_OVER,
    "view_consents": Permission.PERSON_CONSENTS_VIEW,
    "record_consent": Permission.PERSON_CONSENT_RECORD,
    "view_access_log": Permission.PERSON_ACCESS_LOG_VIEW,
    "manage_care_team": Permission.PLAN_CARE_TEAM_MANAGE,
    "view_care_team": Permission.PLAN_CARE_TEAM_VIEW,
    "reopen": Permission.PLAN_REOPEN,
    "view_meetings": Permission.MEETING_VIEW,
    "view_tasks": Permission.TASK_VIEW,
    "view_corrections": Permission.CORRECTION_VIEW,
    "view_chronology": Permission.CHRONOLOGY_VIEW,
    "view_referrals": Permission.PERSON_REFERRALS_VIEW,
    "view_housing_asks": Permission.HOUSING_ASK_VIEW,
    "record_agreement": Permission.PLAN_AGREEMENT_RECORD,
    "link_account": Permission.PERSON_ACCOUNT_LINK,
    "view_identity": Permission.PERSON_IDENTITY_VIEW,
}


def _plan_actions(facts: Any) -> dict[str, bool]:
    return {name: decide_on(facts, p).permit for name, p in PLAN_LINKS.items()}


@bp.route("/people/<uuid:person_id>/key-worker", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.PLAN_HAND_OVER, AuditAction.KEYWORKER_CHANGE)
def hand_over_page(person_id: uuid.UUID) -> Any:
    access = plan_access(person_id, Permission.PLAN_HAND_OVER, AuditAction.KEYWORKER_CHANGE)
    form = form_values(("agency_id", "staff_id", *AGREEMENT_FIELDS, "warm_hand_over"))
    if request.method == "GET" or staff_picker.searching():
        # Opening the form shows the person, their key worker and lead agency: a view
        # (so does searching for staff in it, which keeps what was typed).
        record(
            AuditAction.CARETEAM_VIEW,
            person_id=person_id,
            basis={"plan": access.decision.basis_text},
            details={"view": "hand_over"},
        )
        return _hand_over_page(access, form if staff_picker.searching() else {}, {})
    data, errors = load(hand_over, form)
    if errors:
        return _hand_over_page(access, form, errors, 400)
    current = plans.locked_version(access.plan)
    if version_only.load(form_values(("version",)))["version"] != current:
        errors = {"_schema": ["Someone else changed the key worker while you were on this page."]}
        return _hand_over_page(access, form, errors, 412)
    try:
        plans.hand_over(access, data)
    except ApiError as exc:
        return _hand_over_page(access, form, *refused(exc))
    return redirect(url_for("plans.plan", person_id=person_id, done="handed_over"))


@bp.route("/people/<uuid:person_id>/key-worker/agreement", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.PLAN_AGREEMENT_RECORD, AuditAction.KEYWORKER_AGREE)
def agreement_page(person_id: uuid.UUID) -> Any:
    """The key worker records the person's agreement to them, after a change made without
    the person (a bulk hand-over or a departure, issue 22): the task it answers is done."""
    access = plan_access(person_id, Permission.PLAN_AGREEMENT_RECORD, AuditAction.KEYWORKER_AGREE)
    if request.method == "GET":
        record(
            AuditAction.CARETEAM_VIEW,
            person_id=person_id,
            basis={"plan": access.decision.basis_text},
            details={"view": "key_worker_agreement"},
        )
        return _agreement_page(access, {}, {})
    form = form_values(AGREEMENT_FIELDS)
    data, errors = load(agreement, form)
    if errors:
        return _agreement_page(access, form, errors, 400)
    current = plans.locked_version(access.plan)
    if version_only.load(form_values(("version",)))["version"] != current:
        errors = {"_schema": ["Someone else changed the plan while you were on this page."]}
        return _agreement_page(access, form, errors, 412)
    try:
        plans.record_agreement(access, data)
    except ApiError as exc:
        return _agreement_page(access, form, *refused(exc))
    return redirect(url_for("plans.plan", person_id=person_id, done="agreement_recorded"))


def _agreement_page(access: Any, form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "plans/agreement.html",
        status,
        page_title="Record their agreement to their key worker",
        person=access.facts.person,
        plan=access.plan,
        ways=list(AgreedHow),
        form=form,
        errors=errors,
    )


def _hand_over_page(access: Any, form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "plans/hand_over.html",
        status,
        page_title="Hand over to a new key worker",
        person=access.facts.person,
        plan=access.plan,
        agencies=list(db.session.scalars(select(Agency).order_by(Agency.name))),
        picker=staff_picker.pick(
            staff_search.pool(leave_out=[access.plan.key_worker_id]), form.get("staff_id")
        ),
        ways=list(AgreedHow),
        warm_days=current_app.config["WARM_HAND_OVER_DAYS"],
        form=form,
        errors=errors,
    )


@bp.route("/people/<uuid:person_id>/plan/reopen", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.PLAN_REOPEN, AuditAction.PLAN_REOPEN)
def reopen_page(person_id: uuid.UUID) -> Any:
    """Step-down and return: a closed plan reopened with the person's agreement, with the
    caller's agency leading (the same rules and record as the API)."""
    access = plan_access(person_id, Permission.PLAN_REOPEN, AuditAction.PLAN_REOPEN)
    if access.plan.closed_on is None:
        raise Conflict(OPEN_PLAN)
    form = form_values(("key_worker_id", *AGREEMENT_FIELDS))
    if request.method == "GET" or staff_picker.searching():
        record(
            AuditAction.PERSON_VIEW,
            person_id=person_id,
            basis={"plan": access.decision.basis_text},
            details={"view": "reopen"},
        )
        shown = form if staff_picker.searching() else {"key_worker_id": str(g.user.id)}
        return _reopen_page(access, shown, {})
    data, errors = load(reopen_plan, {**form, "lead_agency_id": str(g.user.agency_id)})
    if errors:
        return _reopen_page(access, form, errors, 400)
    current = plans.locked_version(access.plan)
    if version_only.load(form_values(("version",)))["version"] != current:
        errors = {"_schema": ["Someone else changed this plan while you were on this page."]}
        return _reopen_page(access, form, errors, 412)
    try:
        plans.reopen(access, data)
    except ApiError as exc:
        return _reopen_page(access, form, *refused(exc))
    return redirect(url_for("plans.plan", person_id=person_id, done="reopened"))


OPEN_PLAN = "This plan is open: there is nothing to reopen."


def _reopen_page(access: Any, form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "plans/reopen.html",
        status,
        page_title="Reopen the care plan",
        person=access.facts.person,
        plan=access.plan,
        agency=g.user.agency,
        picker=staff_picker.pick(
            staff_search.pool(agencies=[g.user.agency_id]), form.get("key_worker_id")
        ),
        ways=list(AgreedHow),
        form=form,
        errors=errors,
    )


@bp.route("/people/<uuid:person_id>/care-team", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.PLAN_CARE_TEAM_VIEW,
    AuditAction.CARETEAM_VIEW,
    methods={"POST": (Permission.PLAN_CARE_TEAM_MANAGE, AuditAction.CARETEAM_ADD)},
)
def care_team(person_id: uuid.UUID) -> Any:
    """The care team, current and past, with how to reach each current member and (for
    those who may read the person's sharing choices) what each can see now; adding a
    member finds them by a search (a national deployment has tens of thousands of staff),
    then says what they will be able to see (issue 17)."""
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        form = form_values(("staff_id", "role", "from", "to", "staff_q"))
        # The search that found them comes back with the form; it is not part of the add.
        data = {k: v for k, v in form.items() if k != "staff_q"}
        try:
            member = plans.add_member(person_id, loader(care_team_add, data))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
        if not errors:
            return redirect(
                url_for(
                    "plans.care_team",
                    person_id=person_id,
                    added=member.staff_id,
                    _anchor="added",
                )
            )
    # The context first: its noted attempt is then replaced by the view's own record, so a
    # refused add is not also recorded as a refused view.
    facts = person_context(person_id, AuditAction.CARETEAM_VIEW)
    members = plans.care_team(person_id)
    glance = {m.staff_id: m for m in sources.loader().plan_glance(facts).members}
    can_manage = decide_on(facts, Permission.PLAN_CARE_TEAM_MANAGE).permit
    query = (request.args.get("staff_q") or form.get("staff_q") or "").strip()[:100]
    return render(
        "plans/care_team.html",
        status,
        page_title="Care team",
        person=facts.person,
        members=members,
        glance=glance,
        added=glance.get(_uuid_or_none(request.args.get("added"))),
        can_manage=can_manage,
        can_end=decide_on(facts, Permission.PLAN_CARE_TEAM_END).permit,
        can_see_choices=decide_on(facts, Permission.PERSON_CONSENTS_VIEW).permit,
        titles={kind.key: kind.title for kind in catalogue()},
        staff_q=query,
        found=_found(query, form, errors) if can_manage else None,
        form=form,
        errors=errors,
        min_chars=current_app.config["JUSTIFICATION_MIN_CHARS"],
    )


# The most practitioners a staff search shows: ask for a fuller name beyond this.
STAFF_SEARCH_LIMIT = 20


def _found(query: str, form: dict, errors: dict) -> list[User] | None:
    """The practitioners the add form offers: the search's, or after a refused add the
    one chosen (so the form comes back with what was typed); None: no form yet."""
    practitioners = staff_search.pool()  # any agency's: the care team crosses agencies
    if len(query) >= 2:
        return staff_search.find(practitioners, query, STAFF_SEARCH_LIMIT)
    chosen = _uuid_or_none(form.get("staff_id"))
    if errors and chosen is not None:
        again = staff_search.one_of(practitioners, chosen)
        return [again] if again is not None else []
    return [] if errors else None


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@bp.route("/people/<uuid:person_id>/care-team/<uuid:member_id>/end", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.PLAN_CARE_TEAM_END,
    AuditAction.CARETEAM_VIEW,
    methods={"POST": (Permission.PLAN_CARE_TEAM_END, AuditAction.CARETEAM_END)},
)
def end_member(person_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    """Ending a place asks first, saying from when it ends and what that means (issue 17)."""
    if request.method == "POST":
        plans.end_member(person_id, member_id)
        return redirect(url_for("plans.care_team", person_id=person_id, done="member_ended"))
    facts = person_context(person_id, AuditAction.CARETEAM_VIEW)
    member = next((m for m in plans.care_team(person_id) if m["id"] == member_id), None)
    if member is None:
        raise NotFound("No such membership in this care team.")
    if member["status"] == "ended":
        raise Conflict("This membership has already ended.")
    return render(
        "plans/end_member.html",
        page_title=f"End {member['name']}'s place in the care team",
        person=facts.person,
        member=member,
        today=facts.today,
    )
