"""Administration pages (issue 17, "Administrator and new staff"): invitation codes to read
over the phone, the staff list searched and filtered, "invited, not yet signed in" with a
new code, reactivation, roles and organisation changed, never one's own account
deactivated, agencies changed, "NHS" as an acronym."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from careplan.accounts import invitations
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.extensions import db
from tests.identity.pages import post_form
from tests.web.support import Browser, staff, text

ADMIN = "alex.murray@careplan.demo"


@pytest.fixture(scope="module")
def alex(demo_app):
    return Browser(demo_app, staff(demo_app, ADMIN))


def _main(response) -> str:
    body = text(response)
    return body[body.index("<main") : body.index("</main>")]


def _rows(body: str) -> list[str]:
    return re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", body, flags=re.S)


def _account(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def _last(app, action: str) -> AuditEvent:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())
        ).first()


def test_a_code_is_short_grouped_without_look_alikes_and_typed_any_way():
    code = invitations.issue(User(name="x", email="x@x"))
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert invitations.normal(f"  {code.lower().replace('-', ' ')} ") == code.replace("-", "")
    assert invitations.normal("oil0-1LIO") == "01101110"  # O as 0, I and L as 1


def test_an_invited_member_of_staff_signs_in_with_the_code_typed_loosely(demo_app, alex):
    page = alex.post(
        "/admin/staff",
        {"name": "Rab Neil", "email": "rab.neil@nhs.demo", "agency_id": "", "roles": "admin"},
    )
    body = _main(page)
    code = re.search(r'id="invitation-code">([^<]+)<', body).group(1)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert re.search(r"It works until \d+ \w+ 20\d\d at \d\d:\d\d", _words(body))
    rab = _account(demo_app, "rab.neil@nhs.demo")
    row = next(r for r in _rows(text(alex.get("/admin/staff?q=rab"))) if "Rab Neil" in r)
    assert "Invited, not yet signed in" in row
    assert "Code works until" in row
    assert "Send a new code" in row
    # Typed as heard: small letters, spaces for hyphens.
    password = "a sturdy long passphrase for rab 2026"
    signed = post_form(
        demo_app.test_client(),
        "/sign-in/invitation",
        {"code": code.lower().replace("-", " "), "password": password, "confirm": password},
    )
    assert signed.status_code == 302, text(signed)[:2000]
    with demo_app.app_context():
        assert db.session.get(User, rab.id).invite_hash is None
    row = next(r for r in _rows(text(alex.get("/admin/staff?q=rab"))) if "Rab Neil" in r)
    assert "Invited" not in row
    assert "Send a new code" not in row


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_a_new_code_replaces_the_old_one(demo_app, alex):
    first = _main(
        alex.post(
            "/admin/staff",
            {"name": "Isla Grant", "email": "isla.grant@nhs.demo", "roles": "admin"},
        )
    )
    old = re.search(r'id="invitation-code">([^<]+)<', first).group(1)
    isla = _account(demo_app, "isla.grant@nhs.demo")
    again = alex.post(f"/admin/staff/{isla.id}/invitation")
    assert again.status_code == 200
    new = re.search(r'id="invitation-code">([^<]+)<', text(again)).group(1)
    assert new != old
    assert "their earlier code no longer works" in text(again)
    with demo_app.app_context():
        assert invitations.find(db.session, old) is None
        assert invitations.find(db.session, new).id == isla.id
    assert _last(demo_app, "staff.invite").details["staff_id"] == str(isla.id)
    # An account in use gets no code (a lost phone is a reset instead).
    morag = _account(demo_app, "morag.campbell@nhs.demo")
    refused = alex.post(f"/admin/staff/{morag.id}/invitation")
    assert refused.status_code == 409
    assert "has not been used yet" in text(refused)


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("q=MORAG", ["Morag Campbell"], ["Fiona Reid"]),
        ("q=housing.demo", ["Fiona Reid"], ["Morag Campbell"]),
        ("q=%25", [], ["Morag Campbell"]),  # a % is a character, not "anything"
        ("role=ig_officer", ["Priya Shah"], ["Morag Campbell"]),
        ("status=active&role=admin", ["Alex Murray"], ["Priya Shah"]),
        ("status=invited", ["Kirsty Doyle"], ["Morag Campbell"]),  # the demo's invited one
    ],
)
def test_the_staff_list_searches_and_filters(alex, query, present, absent):
    page = alex.get(f"/admin/staff?{query}")
    assert page.status_code == 200
    names = " ".join(_rows(text(page)))
    for name in present:
        assert name in names, query
    for name in absent:
        assert name not in names, query


def test_a_filter_not_on_the_list_says_what_to_do(alex):
    page = alex.get("/admin/staff?status=gone")
    assert page.status_code == 400
    assert "Choose a status from the list" in text(page)


def test_the_organisation_filter(demo_app, alex):
    nhs = _account(demo_app, "morag.campbell@nhs.demo").agency_id
    names = " ".join(_rows(text(alex.get(f"/admin/staff?agency={nhs}"))))
    assert "Morag Campbell" in names
    assert "Fiona Reid" not in names


def test_no_deactivate_on_my_own_row_nor_by_posting(demo_app, alex):
    me = _account(demo_app, ADMIN)
    row = next(r for r in _rows(text(alex.get("/admin/staff"))) if "Alex Murray" in r)
    assert "(you)" in row
    assert "Deactivate" not in row
    assert "Change roles" not in row
    assert "cannot deactivate your own account" in text(
        alex.get(f"/admin/staff/{me.id}/deactivate")
    )
    refused = alex.post(f"/admin/staff/{me.id}/deactivate")
    assert refused.status_code == 409
    assert _account(demo_app, ADMIN).active
    refused = alex.post(f"/admin/staff/{me.id}", {"agency_id": "", "roles": "practitioner"})
    assert refused.status_code == 409
    assert _account(demo_app, ADMIN).roles == ["admin"]


def test_deactivate_after_confirming_then_reactivate(demo_app, alex):
    ali = _account(demo_app, "ali.hassan@nhs.demo")
    confirm = alex.get(f"/admin/staff/{ali.id}/deactivate")
    assert "will be signed out everywhere" in text(confirm)
    assert alex.post(f"/admin/staff/{ali.id}/deactivate").status_code == 302
    row = next(r for r in _rows(text(alex.get("/admin/staff?q=ali"))) if "Ali Hassan" in r)
    assert "Deactivated" in row
    assert "Reactivate" in row
    back = alex.post(f"/admin/staff/{ali.id}/reactivate")
    assert back.status_code == 302
    assert "active again" in text(alex.get(back.headers["Location"]))
    assert _account(demo_app, "ali.hassan@nhs.demo").active
    assert _last(demo_app, "staff.reactivate").details["staff_id"] == str(ali.id)
    assert alex.post(f"/admin/staff/{ali.id}/reactivate").status_code == 409


def test_change_roles_and_organisation(demo_app, alex):
    jamie = _account(demo_app, "jamie.robertson@cafe.demo")
    form = alex.get(f"/admin/staff/{jamie.id}")
    assert form.status_code == 200
    housing = _account(demo_app, "fiona.reid@housing.demo").agency_id
    changed = alex.post(
        f"/admin/staff/{jamie.id}",
        {"agency_id": str(housing), "roles": ["practitioner", "referral_coordinator"]},
    )
    assert changed.status_code == 302, text(changed)[:2000]
    after = _account(demo_app, "jamie.robertson@cafe.demo")
    assert after.agency_id == housing
    assert after.roles == ["practitioner", "referral_coordinator"]
    details = _last(demo_app, "staff.update").details
    assert details["to"]["roles"] == ["practitioner", "referral_coordinator"]
    # Back as he was, for the other tests of the module.
    alex.post(
        f"/admin/staff/{jamie.id}", {"agency_id": str(jamie.agency_id), "roles": "practitioner"}
    )
    # No roles: said plainly, nothing changed.
    bad = alex.post(f"/admin/staff/{jamie.id}", {"agency_id": str(jamie.agency_id)})
    assert bad.status_code == 400
    assert "Choose at least one role" in text(bad)


def test_a_key_worker_is_not_moved_away_from_their_people(demo_app, alex):
    morag = _account(demo_app, "morag.campbell@nhs.demo")
    housing = _account(demo_app, "fiona.reid@housing.demo").agency_id
    refused = alex.post(
        f"/admin/staff/{morag.id}", {"agency_id": str(housing), "roles": "practitioner"}
    )
    assert refused.status_code == 409
    assert "hand them over to a colleague" in text(refused)
    assert _account(demo_app, "morag.campbell@nhs.demo").agency_id == morag.agency_id
    # Nor left key worker without the practitioner role (issue 22: never a plan pointing
    # at someone who cannot act).
    refused = alex.post(
        f"/admin/staff/{morag.id}", {"agency_id": str(morag.agency_id), "roles": "ig_officer"}
    )
    assert refused.status_code == 409
    assert "before taking away the practitioner role" in text(refused)
    assert _account(demo_app, "morag.campbell@nhs.demo").roles == morag.roles


def test_agencies_can_be_changed_and_nhs_is_an_acronym(demo_app, alex):
    page = text(alex.get("/admin/agencies"))
    assert ">NHS<" in page or "NHS</span>" in page
    assert "Nhs" not in page
    with demo_app.app_context():
        cafe = db.session.scalars(select(Agency).where(Agency.name.like("Broomhill%"))).one()
        cafe_id, cafe_name = cafe.id, cafe.name
    assert alex.get(f"/admin/agencies/{cafe_id}").status_code == 200
    changed = alex.post(
        f"/admin/agencies/{cafe_id}",
        {"name": "Broomhill Recovery Cafe and Hub", "sector": "third_sector", "kind": "charity"},
    )
    assert changed.status_code == 302
    assert "Broomhill Recovery Cafe and Hub" in text(alex.get("/admin/agencies"))
    taken = alex.post(
        f"/admin/agencies/{cafe_id}",
        {"name": "NHS Lothian Addiction Recovery Team", "sector": "statutory", "kind": "nhs"},
    )
    assert taken.status_code == 409
    assert "already exists" in text(taken)
    alex.post(
        f"/admin/agencies/{cafe_id}",
        {"name": cafe_name, "sector": "third_sector", "kind": "charity"},
    )
    assert _last(demo_app, "agency.update").details["to"]["name"] == cafe_name
