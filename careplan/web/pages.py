"""Helpers every page uses: read a form through a marshmallow schema, render, say what
happened, and show each person the navigation for what they do."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from flask import (
    Flask,
    Response,
    before_render_template,
    current_app,
    has_request_context,
    render_template,
    request,
    template_rendered,
)
from marshmallow import Schema, ValidationError

from audit import log as audit_log
from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.core import clock, days, transaction, unproxied
from careplan.core.errors import ApiError, PreconditionFailed, flatten_messages
from careplan.web import fragments, words
from careplan.web.display import grouped

# Messages shown after a change, named in the address (?done=...) so no text or personal
# data travels in it.
DONE = {
    "registered": "The person is registered. Now start their care plan with them.",
    "plan_created": "The care plan is started.",
    "saved": "Your changes are saved.",
    "reopened": "The plan is open again, with everything it held before.",
    "update_added": "Your update is added.",
    "entered_in_error": "The update is marked as entered in error. It stays on the record, "
    "struck through, with your reason.",
    "handed_over": "The new key worker is recorded.",
    "consent_recorded": "This is recorded. It applies from now.",
    "withdrawn": "Withdrawn. It stops applying straight away.",
    "emergency": "Emergency access is open. It is recorded, reviewed and shown to the person.",
    "claimed": "You are now in this person's care team. Your reason is recorded and reviewed.",
    "reviewed": "Your review is recorded.",
    "followed_up": "The follow-up is recorded. This review is finished.",
    "agency_added": "The agency is added.",
    "agreement_set": "The information-sharing agreement is recorded.",
    "deactivated": "The account is deactivated. It stopped working straight away.",
    "reactivated": "The account is active again. They sign in with their own password and "
    "authenticator app.",
    "staff_changed": "The account's roles and organisation are changed. They apply from their "
    "next page.",
    "agency_changed": "The agency's details are changed.",
    "team_added": "The team is added.",
    "team_saved": "The team is saved. Who can see which plans changes from now.",
    "shared_out": "Done. Each new key worker has a task to ask the person if they agree.",
    "cover_named": "Your cover is recorded. Your colleague has been told.",
    "cover_ended": "The cover has ended.",
    "agreement_recorded": "Their agreement to their key worker is recorded.",
    "second_factor_reset": "Done. They will set up a new authenticator app when they next sign in.",
    "contact_saved": "The contact details are saved. Colleagues see them from now.",
    "member_added": "They are added to the care team.",
    "member_ended": "Their place in the care team has ended.",
    "sharing_stopped": "Sharing has stopped. They cannot see any of the plan from now.",
    "merged": "The two records are now one. Both records' access logs show the merge.",
    "distinct": "Recorded: they are two different people. Both records stay.",
    "notifications_read": "All your notifications are marked as read.",
    "preferences_saved": "Your choice is saved. It applies to new notifications from now.",
}


def form_values(names: Iterable[str]) -> dict[str, str]:
    """The named fields as typed (trimmed); blank ones left out so defaults apply. A date
    sent in the date input pattern's three boxes (`NAME-day`, `NAME-month`, `NAME-year`,
    templates/macros/forms.html `date_input`) comes back as one value under NAME
    (careplan.core.days.from_parts: ISO 8601, or the boxes as typed, "d/m/y", which the
    page shows again box by box)."""
    values = {}
    for name in names:
        boxes = [request.form.get(f"{name}-{part}") for part in days.PARTS]
        if any(box is not None for box in boxes):
            value = days.from_parts(*((box or "").strip()[:10] for box in boxes))
        else:
            value = request.form.get(name, "").strip()
        if value:
            values[name] = value
    return values


def load(schema: Schema, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(data, {}) or ({}, errors): the same schema instance the API validates with."""
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        return {}, flatten_messages(exc.messages)


def loader(schema: Schema, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """For services that validate once the caller is known to be allowed."""
    return lambda: schema.load(data)


def problems(exc: ApiError | ValidationError) -> dict[str, list[str]]:
    if isinstance(exc, ValidationError):
        return flatten_messages(exc.messages)
    return exc.fields or {"_schema": [exc.message]}


def refused(exc: ApiError | ValidationError) -> tuple[dict[str, list[str]], int]:
    """A permitted attempt that failed on its input: record what became of it now (as the
    API's commit does: invalid, conflict, or deny for a 403), so loading the page again
    cannot replace it; then the form's errors."""
    code = exc.code if isinstance(exc, ApiError) else "invalid"
    status = exc.status if isinstance(exc, ApiError) else 400
    audit_log.record_failed_attempt(code, status)
    return problems(exc), status


def version_check(message: str) -> Callable[[int], None]:
    """For a service's versioned write sent from a page: a check of the record's current
    version (an int) against the form's hidden `version` field, raising
    `PreconditionFailed(message)` when they differ: the page's If-Match (RFC 9110 13.1.1),
    so a form answered after someone else's change never overwrites it."""
    sent = request.form.get("version", "")

    def same_version(current: int) -> None:
        if sent != str(current):
            raise PreconditionFailed(message)

    return same_version


def render(
    template: str,
    status: int = 200,
    *,
    later: Callable[[], dict[str, Any]] | None = None,
    **context: Any,
) -> Any:
    """The page `template` with `context`, answered with `status`. A page that only
    shows (a GET that succeeds, for someone signed in) is made after the request has
    committed (careplan.core.transaction.respond_after_commit): its reads and their audit
    record are one transaction, committed first, and on SQLite the write lock that
    transaction holds from its start is not held while the page renders. The context
    processors (the header's navigation and unread count) run now, in the transaction;
    the template reads only what the handler and they read, kept loaded by the commit.
    Otherwise (a form sent back with its errors, an error page, a page before sign-in,
    whose CSRF cookie is set before the commit) the page is rendered now.
    `later`: more of the context, made from what the handler read without reading
    anything (the plan page's sections opened and presented): after the commit too; an
    error it raises is answered by the app's error page, the view's record committed."""
    if not _after_commit(status):
        return render_template(template, **context, **(later() if later else {})), status
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    page = app.jinja_env.get_or_select_template(template)
    with transaction.layout_reads_in_transaction():
        app.update_template_context(context)

    def make() -> Response:
        if later is not None:
            context.update(later())
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=page, context=context
        )
        html = page.render(context)
        template_rendered.send(app, _async_wrapper=app.ensure_sync, template=page, context=context)
        return app.response_class(html, status)

    return transaction.respond_after_commit(make, keep_loaded=True)


def _after_commit(status: int) -> bool:
    state = unproxied.namespace()
    return (
        status < 300
        and unproxied.request().method in ("GET", "HEAD")
        and state.get("web_session") is not None
        and state.get("user") is not None
    )


def is_practitioner(user: User | None) -> bool:
    return (
        user is not None
        and user.has_role(Role.PRACTITIONER)
        and not user.has_role(Role.IG_OFFICER)
        and not user.has_role(Role.ADMIN)
    )


def navigation(user: User | None) -> list[tuple[str, str]]:
    """(endpoint, label) for the signed-in person's work."""
    if user is None:
        return []
    if user.is_individual:
        return [
            ("me.plan", "My plan"),
            ("me.sharing", "Who can see my plan"),
            ("supporters.mine", "People supporting you"),
            ("me.access_log", "Who has looked at my plan"),
            ("corrections.mine", "Ask for a correction"),
            ("referrals.my_referrals", "My referrals"),
            ("subject_access.my_copy", "A copy of my information"),
            ("directory.search", "Find support"),
        ]
    if user.is_supporter:
        return [("home.start", "People who share with you")]
    items: list[tuple[str, str]] = []
    if is_practitioner(user):
        items += [
            ("home.start", "My caseload"),
            ("tasks.mine", "My tasks"),
            ("people.find", "Find a person"),
            ("people.register", "Register a person"),
            ("referrals.inbox", "Referrals"),
            ("directory.search", "Service directory"),
        ]
    if user.has_role(Role.IG_OFFICER):
        items += [
            ("ig.events", "Audit log"),
            ("ig.reviews", "Reviews"),
            ("ig.reports", "Unusual access"),
            ("ig.verify", "Check the log"),
            ("subject_access.queue", "Subject access requests"),
        ]
    if user.has_role(Role.ADMIN):
        items += [
            ("admin.agencies", "Agencies"),
            ("admin.staff", "Staff accounts"),
            ("continuity.teams", "Teams"),
        ]
    if user.has_role(Role.IG_OFFICER) or user.has_role(Role.ADMIN):
        items.append(("records.waiting", "Possible duplicates"))
        items.append(("ask_and_act.report", "Housing duty counts"))
    keeps_directory = user.has_role(Role.ADMIN) or user.has_role(Role.DIRECTORY_MANAGER)
    if keeps_directory and ("directory.search", "Service directory") not in items:
        items.append(("directory.search", "Service directory"))
    return items


def _pairs(items: Iterable[Any], value: str = "id", label: str = "name") -> list[tuple[str, str]]:
    """Options for a select or radios: (value, label) from objects."""
    return [(str(getattr(i, value)), str(getattr(i, label))) for i in items]


def _choices(items: Iterable[Any]) -> list[tuple[str, str]]:
    """Options from enum members or plain values, labelled in words."""
    return [(str(getattr(i, "value", i)), words.value_label(getattr(i, "value", i))) for i in items]


def _staff_choices(users: Iterable[User]) -> list[tuple[str, str]]:
    """Radios' (id, label) for staff: name and organisation, and whether they have not
    signed in yet (an invitation still open: they cannot act until they do)."""
    return [(str(u.id), _staff_label(u)) for u in users]


def _staff_label(user: User) -> str:
    label = f"{user.name} ({user.agency.name})" if user.agency else user.name
    if user.active and user.invite_hash is not None:
        label += ", invited, not yet signed in"
    return label


def day_words(value: Any) -> str:
    """12 April 2026: dates as people write them (`value`: a date, an instant as naive UTC
    or ISO 8601 text with Z or an offset, counted on Scotland's clock; text that is not a
    date comes back as it is; nothing gives "")."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = (
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                if len(value) > 10
                else date.fromisoformat(value)
            )
        except ValueError:
            return value
    if isinstance(value, datetime):
        # An instant (naive UTC, or with an offset) falls on the day it was in Scotland:
        # 23:30 UTC on 14 July is 15 July in BST.
        value = clock.day_of(value)
    return f"{value.day} {value:%B %Y}"


def _moment(value: Any) -> str:
    """12 April 2026 at 15:05: an instant as the clock on the wall in Scotland showed it
    (Europe/London, careplan.core.clock: BST in summer), never UTC. Stored times are
    naive UTC; an ISO string with Z or an offset is read as what it says."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    local = clock.local(value)
    return f"{day_words(local)} at {local:%H:%M}"


def duration_words(seconds: int) -> str:
    """45 seconds, 3 minutes, 2 hours, 4 days: a lag as people say it (rounded down)."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}" + ("" if count == 1 else "s")
    count = int(seconds)
    return f"{count} second" + ("" if count == 1 else "s")


# Stands for an address's one UUID while its shape is built once (see `_layout_url_for`).
_SLOT = uuid.UUID(int=0)
_SLOT_TEXT = str(_SLOT)


_SHAPES = "careplan.address_shapes"


def address_with_uuid(endpoint: str, name: str, value: uuid.UUID, **fixed: str) -> str:
    """`url_for(endpoint, **{name: value}, **fixed)` in a request, its shape built once per
    application and root around a UUID of zeros, then `value` put in (the UUID converter
    writes `str(value)`). `fixed`: the address's other values, the same every time (a
    placeholder filled by the caller, say)."""
    app = unproxied.app()
    built = app.extensions[_SHAPES]
    key = (unproxied.request().script_root, endpoint, name, tuple(fixed.items()))
    shape = built.get(key)
    if shape is None:
        shape = built[key] = app.url_for(endpoint, **{name: _SLOT}, **fixed)
    return shape.replace(_SLOT_TEXT, str(value))


def _layout_url_for(app: Flask) -> Callable[..., str]:
    """Templates' `url_for`, building each address's shape once: the addresses that take
    no values (the layout's header, navigation and footer links), the static files', and
    those that take one UUID (a person's pages: the UUID converter writes `str(value)`,
    put in the shape built around a UUID of zeros). A page builds about 40, the same
    shapes on every page. Per application root (`request.script_root`); anything else,
    or outside a request, is built by Flask each time."""
    # The same dictionary as `address_with_uuid`'s (its keys have four parts, these three).
    built: dict[tuple[Any, ...], str] = app.extensions[_SHAPES]
    url_for = app.url_for

    def layout_url_for(endpoint: str, **values: Any) -> str:
        if len(values) > 1 or not has_request_context():
            return url_for(endpoint, **values)
        if not values:
            key = (unproxied.request().script_root, endpoint, None)
            url = built.get(key)
            if url is None:
                url = built[key] = url_for(endpoint)
            return url
        ((name, value),) = values.items()
        if type(value) is uuid.UUID:
            return address_with_uuid(endpoint, name, value)
        if endpoint == "static" and name == "filename":
            key = (unproxied.request().script_root, endpoint, value)
            url = built.get(key)
            if url is None:
                url = built[key] = url_for(endpoint, filename=value)
            return url
        return url_for(endpoint, **values)

    return layout_url_for


def init_app(app: Flask) -> None:
    app.extensions[_SHAPES] = {}
    app.jinja_env.globals["url_for"] = _layout_url_for(app)
    app.jinja_env.globals["section_lines_html"] = fragments.section_lines
    app.jinja_env.globals["contact_html"] = fragments.contact
    app.jinja_env.globals["plan_sections_html"] = fragments.plan_sections
    app.jinja_env.filters["words"] = words.value_label
    app.jinja_env.filters["label"] = words.field_label
    app.jinja_env.filters["basis"] = words.basis_words
    app.jinja_env.filters["grouped"] = grouped
    app.jinja_env.filters["pairs"] = _pairs
    app.jinja_env.filters["choices"] = _choices
    app.jinja_env.filters["staff_choices"] = _staff_choices
    app.jinja_env.filters["zip_self"] = lambda items: [(str(i), str(i)) for i in items]
    app.jinja_env.filters["zip_names"] = lambda items, names: [(i, names.get(i, i)) for i in items]
    app.jinja_env.filters["day"] = day_words
    app.jinja_env.filters["moment"] = _moment
    app.jinja_env.filters["duration_words"] = duration_words

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        done = unproxied.request().args.get("done", "")
        return {
            "nav": navigation(unproxied.namespace().get("user")),
            "done_message": DONE.get(done),
            # The day a printed page says it was printed (print.css), in Scotland.
            "printed_on": clock.today(),
        }
