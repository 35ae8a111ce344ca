"""With one app context held over pages and a job (as tests and tools do), the
objects taken from Flask's proxies (careplan.core.unproxied) are each request's and
job's own: every audit record carries its own request id, actor and purpose."""

from __future__ import annotations

from sqlalchemy import select

from audit.actions import AuditAction
from audit.models import AuditEvent
from careplan.extensions import db
from tests.web.support import Browser, staff
from tests.web.test_one_record_per_view import _sarah


def _rows(request_id):
    return [
        (r.action, r.outcome, r.actor_id, r.purpose)
        for r in db.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.seq)
        )
    ]


def test_requests_and_a_job_in_one_held_app_context_keep_their_own_records(demo_app):
    from audit.log import record
    from careplan.core import unit_of_work

    sarah = _sarah(demo_app)
    morag_id = staff(demo_app, "morag.campbell@nhs.demo")
    morag = Browser(demo_app, morag_id)
    with demo_app.app_context():
        first = morag.get(f"/people/{sarah}?purpose=safeguarding")
        assert first.status_code == 200
        with unit_of_work.job("held-context") as job_id:
            record(AuditAction.PLAN_VIEW, person_id=sarah)
        second = morag.get(f"/people/{sarah}")
        assert second.status_code == 200
        one, job, two = (
            _rows(first.headers["X-Request-Id"]),
            _rows(job_id),
            _rows(second.headers["X-Request-Id"]),
        )
    assert [r[:2] for r in one] == [("plan.view", "permit")]
    assert one[0][3] == "safeguarding"
    # The job acts for no one and for no request's purpose.
    assert job == [("plan.view", "permit", None, None)]
    assert [r[:2] for r in two] == [("plan.view", "permit")]
    assert two[0][3] == "direct_care"
    assert one[0][2] == two[0][2] is not None
