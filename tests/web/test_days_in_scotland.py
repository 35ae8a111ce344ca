"""The day of a record is the day on Scotland's clock (issue 17's day fixes), stored as naive
UTC and read back from the database: the chronology's day of a withdrawn choice, and the
day an emergency access began, which decides the refusals it overrode (the IG review).
Records just after midnight local time on each side of both 2026 clock changes (BST from
01:00 UTC on 29 March, GMT from 01:00 UTC on 25 October): in summer 00:05 in Scotland is
23:05 UTC the day before, so a UTC day would put them on the wrong day. Runs on SQLite and
on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from careplan.accounts.models import User
from careplan.core import clock
from careplan.extensions import db
from careplan.ig.reviews import emergency_use
from careplan.people.models import Person
from consent.models import BreakGlass, Consent, ConsentEffect, ConsentMethod
from tests.web.support import Browser, staff, text

# (stored instant, naive UTC; the day in Scotland; what it is)
INSTANTS = [
    (datetime(2026, 3, 27, 0, 5), date(2026, 3, 27), "00:05 GMT, two days before BST"),
    (datetime(2026, 3, 29, 0, 30), date(2026, 3, 29), "00:30 GMT, the night BST starts"),
    (datetime(2026, 3, 30, 23, 5), date(2026, 3, 31), "00:05 BST, the day after it starts"),
    (datetime(2026, 10, 23, 23, 5), date(2026, 10, 24), "00:05 BST, the day before GMT"),
    (datetime(2026, 10, 24, 23, 30), date(2026, 10, 25), "00:30 BST, the night GMT starts"),
    (datetime(2026, 10, 27, 0, 5), date(2026, 10, 27), "00:05 GMT, two days after"),
]


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture(scope="module")
def sarah(demo_app):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def test_the_chronology_puts_each_record_on_scotlands_day(demo_app, sarah):
    morag = staff(demo_app, "morag.campbell@nhs.demo")
    with demo_app.app_context():
        for at, _, _ in INSTANTS:
            db.session.add(
                Consent(
                    person_id=sarah,
                    grantee_sector="third_sector",
                    sections=["about_me"],
                    effect=ConsentEffect.PERMIT,
                    starts_on=date(2026, 1, 5),
                    method=ConsentMethod.VERBAL,
                    recorded_by_id=morag.id,
                    recorded_at=datetime(2026, 1, 5, 10, 0),
                    withdrawn_at=at,
                    withdrawn_by_id=morag.id,
                )
            )
        db.session.commit()
        # Read back from the database: still the instant stored (naive UTC).
        stored = db.session.scalars(
            select(Consent.withdrawn_at).where(
                Consent.person_id == sarah, Consent.withdrawn_at.is_not(None)
            )
        ).all()
        assert {at for at, _, _ in INSTANTS} <= set(stored)
    page = text(Browser(demo_app, morag).get(f"/people/{sarah}/chronology"))
    shown = set(re.findall(r"(\d{1,2} \w+ 2026): Withdrew a choice to share", page))
    assert shown == {_words(day) for _, day, _ in INSTANTS}
    for at, day, said in INSTANTS:
        assert clock.day_of(at) == day, said


def _refusal(person_id, agency_id, key, recorded_by, starts_on, expires_on=None):
    return Consent(
        person_id=person_id,
        grantee_agency_id=agency_id,
        sections=[key],
        effect=ConsentEffect.DENY,
        starts_on=starts_on,
        expires_on=expires_on,
        method=ConsentMethod.VERBAL,
        recorded_by_id=recorded_by,
    )


@pytest.fixture(scope="module")
def emergency(demo_app, sarah):
    """Gordon Bell (justice) uses emergency access to Sarah's plan and opens it."""
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    gordon.look_up(sarah)
    opened = gordon.post(
        f"/people/{sarah}/emergency",
        {
            "reason": "risk_to_life",
            "justification": "Found unresponsive; paramedics need her medication history now.",
            "step": "confirm",
        },
    )
    assert opened.status_code == 302
    assert gordon.get(f"/people/{sarah}").status_code == 200
    assert gordon.get(f"/people/{sarah}/sections/safety").status_code == 200


@pytest.mark.parametrize(("began", "day", "said"), INSTANTS)
def test_an_emergency_access_overrides_the_refusals_of_scotlands_day(
    demo_app, emergency, began, day, said
):
    """A refusal that starts on the day the access began in Scotland was overridden by it;
    one that ended the day before, or starts the day after, was not."""
    with demo_app.app_context():
        row = db.session.scalars(select(BreakGlass).order_by(BreakGlass.invoked_at)).first()
        actor = db.session.get(User, row.user_id)
        # The same access, moved to begin at `began` and last until now (so the sections
        # the actor opened in the demo world fall inside it); nothing is saved.
        moved = BreakGlass(
            person_id=row.person_id,
            user_id=row.user_id,
            agency_id=row.agency_id,
            invoked_at=began,
            expires_at=clock.now() + timedelta(days=1),
        )
        before = emergency_use(db.session, moved, actor)
        opened = [key for key, _ in before["opened"] if key not in before["overridden"]]
        assert opened, "the demo's emergency access opens a section the person did not refuse"
        key = opened[0]
        try:
            cases = {
                "starts that day": (
                    _refusal(row.person_id, actor.agency_id, key, actor.id, day),
                    True,
                ),
                "ended the day before": (
                    _refusal(
                        row.person_id,
                        actor.agency_id,
                        key,
                        actor.id,
                        day - timedelta(days=30),
                        day - timedelta(days=1),
                    ),
                    False,
                ),
                "starts the day after": (
                    _refusal(
                        row.person_id, actor.agency_id, key, actor.id, day + timedelta(days=1)
                    ),
                    False,
                ),
            }
            for name, (refusal, overridden) in cases.items():
                db.session.add(refusal)
                db.session.flush()
                found = emergency_use(db.session, moved, actor)
                assert (key in found["overridden"]) is overridden, (said, name)
                db.session.delete(refusal)
                db.session.flush()
        finally:
            db.session.rollback()
