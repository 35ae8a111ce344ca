"""A page that only shows is made after its request has committed (issue 15, "Speed"):
its reads and their audit record are one transaction, committed first, so on SQLite the
write lock that transaction holds from its start is not held while the page renders;
nothing is read from the database after the commit (the layout's account, its agency,
the header's count and the plan read model stay loaded); and a page that fails to render
after the commit leaves the view on record and shows the error page.
"""

from __future__ import annotations

import logging
import re
import threading

import pytest
from flask import before_render_template, g
from sqlalchemy import event, select

from audit.models import AuditEvent
from careplan.core import database, prepared
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text

COMMIT, RENDER = "-- commit", "-- render"


def _sarah(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def _committed_records(request_id: str) -> list[tuple[str, str]]:
    """The request's audit records as another connection sees them: committed ones only."""
    with database.read_only_engine().connect() as connection:
        rows = connection.execute(
            select(AuditEvent.action, AuditEvent.outcome)
            .where(AuditEvent.request_id == request_id)
            .order_by(AuditEvent.seq)
        )
        return [(r.action, r.outcome) for r in rows]


class Trace:
    """What one request ran, in order, on the test's own thread (the audit witness's
    thread writes on its own): each SQL statement (SQLAlchemy's and the prepared ones),
    each commit, and the moment the page's template starts; and the request's audit
    records as committed at that moment."""

    def __init__(self, app) -> None:
        self.app = app
        self.steps: list[str] = []
        self.committed_at_render: list[tuple[str, str]] | None = None
        self.thread = threading.get_ident()
        self.quiet = False
        self.real = prepared.run_statement

    def _step(self, what: str) -> None:
        if threading.get_ident() == self.thread and not self.quiet:
            self.steps.append(what)

    def _prepared(self, cursor, sql, values, **kw) -> None:
        self._step(sql)
        self.real(cursor, sql, values, **kw)

    def _statement(self, _conn, _cursor, sql, *_args, **_kwargs) -> None:
        self._step(sql)

    def _commit(self, _conn) -> None:
        self._step(COMMIT)

    def _render(self, _app, template, context, **_kw) -> None:
        if self.committed_at_render is not None:
            return  # an included template
        self._step(RENDER)
        self.quiet = True
        try:
            self.committed_at_render = _committed_records(g.request_id)
        finally:
            self.quiet = False

    def __enter__(self) -> Trace:
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        before_render_template.connect(self._render, self.app)
        prepared.run_statement = self._prepared
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        before_render_template.disconnect(self._render, self.app)
        prepared.run_statement = self.real

    def after_commit(self) -> list[str]:
        """What ran after the request's (last) commit, the template's start marked; but
        for a data key read the first time this process opens a value sealed under it
        (key material, committed, read through the read-only engine: which values a
        page opens, and so which keys a test process has opened before, depends on the
        tests run before it)."""
        last = max(i for i, step in enumerate(self.steps) if step == COMMIT)
        return [step for step in self.steps[last + 1 :] if "FROM data_key" not in step]


@pytest.mark.parametrize(
    "email",
    ["morag.campbell@nhs.demo", "fiona.reid@housing.demo", "jamie.robertson@cafe.demo"],
)
def test_the_plan_page_is_made_after_its_commit_and_reads_nothing_then(demo_app, email):
    """The key worker and two care team members (one statement for the key worker's
    context, several for anyone else's): the commit comes before the page is made, with
    the view's record in it, and after it nothing is read."""
    sarah = _sarah(demo_app)
    browser = Browser(demo_app, staff(demo_app, email))
    with Trace(demo_app) as trace:
        page = browser.get(f"/people/{sarah}")
    assert page.status_code == 200
    assert "Contents" in text(page)
    assert COMMIT in trace.steps
    assert trace.after_commit() == [RENDER]
    assert trace.committed_at_render == [("plan.view", "permit")]
    assert trace.steps.index(COMMIT) < trace.steps.index(RENDER)


def _links_of(page, pattern: str) -> list[str]:
    """The addresses on `page` matching `pattern` (query and fragment left off), but not
    files (a PDF, a download) and not the public pages (made as before: no sign-in)."""
    found = set(re.findall(rf'href="({pattern}[^"#?]*)"', text(page)))
    return sorted(link for link in found if "." not in link.rsplit("/", 1)[-1])


def _walk(app, browser, links: list[str]) -> list[str]:
    """GET each link: none may fail, and each page made after its commit (as every page
    that only shows is) reads nothing then. Returns the links made after their commit
    (a link that redirects, as opening a notification does, is made before it)."""
    made_after = []
    for link in links:
        with Trace(app) as trace:
            page = browser.get(link)
        assert page.status_code in (200, 302, 303), link
        steps = trace.steps
        if COMMIT in steps and RENDER in steps and steps.index(RENDER) > steps.index(COMMIT):
            assert trace.after_commit() == [RENDER], link
            made_after.append(link)
    return made_after


def test_every_page_the_plan_page_links_to_reads_nothing_after_its_commit(demo_app, caplog):
    """The same mechanism for every page that only shows: the care team, each section's
    updates, history and forms, the chronology, meetings, actions, consents, the access
    log, referrals, the hand-over form. Each is made after its commit and reads nothing
    then, and nothing was read through the after-commit engine (logged)."""
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    links = _links_of(morag.get(f"/people/{sarah}"), "/people/[0-9a-f-]{36}")
    assert len(links) > 15
    with caplog.at_level(logging.WARNING, logger="careplan.extensions"):
        assert _walk(demo_app, morag, links) == links
    assert not [r for r in caplog.records if "read after the commit" in r.getMessage()]


@pytest.mark.parametrize(
    ("email", "start"),
    [("morag.campbell@nhs.demo", "/"), ("sarah.mackenzie@example.demo", "/my-plan")],
)
def test_the_navigations_pages_read_nothing_after_their_commit(demo_app, caplog, email, start):
    """A practitioner's work (caseload, tasks, finding a person, referrals, the service
    directory, notifications, their account) and the person's own pages (their plan,
    who can see it, who looked, corrections, referrals, a copy of their information)."""
    browser = Browser(demo_app, staff(demo_app, email))
    links = [link for link in _links_of(browser.get(start), "/") if not link.startswith("/about")]
    with caplog.at_level(logging.WARNING, logger="careplan.extensions"):
        made_after = _walk(demo_app, browser, links)
    assert len(made_after) >= 5, (links, made_after)
    assert not [r for r in caplog.records if "read after the commit" in r.getMessage()]


def test_a_page_that_fails_after_its_commit_keeps_the_view_on_record(demo_app, monkeypatch):
    """The sections are opened and the page made after the commit: if that fails, the
    person's access log still shows the view (it happened: the plan was read), and the
    browser gets the designed error page, with nothing of the plan in it."""
    from careplan.plans import views

    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))

    def broken(facts, body):
        raise RuntimeError("the page could not be made")

    monkeypatch.setattr(views, "_sections", broken)
    page = morag.get(f"/people/{sarah}")
    assert page.status_code == 500
    assert page.mimetype == "text/html"
    assert "Sarah" not in text(page)
    with demo_app.app_context():
        assert _committed_records(page.headers["X-Request-Id"]) == [("plan.view", "permit")]


def test_a_form_sent_back_with_errors_is_made_before_the_commit(demo_app):
    """Only pages that show are made after the commit: a refused form is answered in
    its own transaction, rolled back, as before (nothing of it kept but its record)."""
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    with Trace(demo_app) as trace:
        page = morag.post(f"/people/{sarah}/key-worker", {"staff_id": "not-a-person"})
    assert page.status_code >= 400
    assert trace.steps.index(RENDER) < trace.steps.index(COMMIT)


def test_a_data_key_first_opened_after_the_commit_is_read_without_a_fault(demo_app, caplog):
    """A process opening a data key for the first time while it makes a page after the
    commit (the person's supporters page opens how she described each, sealed, as it
    renders) reads the key through the read-only engine (on SQLite: without taking the
    write lock again), and it is no fault."""
    sarah = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    demo_app.extensions["careplan.vault"]._open.clear()
    with caplog.at_level(logging.WARNING, logger="careplan.extensions"), Trace(demo_app) as trace:
        page = sarah.get("/my-plan/supporters")
    assert page.status_code == 200
    last = max(i for i, step in enumerate(trace.steps) if step == COMMIT)
    assert any("FROM data_key" in step for step in trace.steps[last + 1 :])
    assert trace.after_commit() == [RENDER]
    assert not [r for r in caplog.records if "read after the commit" in r.getMessage()]
