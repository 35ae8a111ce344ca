"""The care team page (issue 17): how to reach each member and what each can see now;
adding finds staff by a search (never a list of everyone) and says what the new member
can see; ending a place asks first and the table shows when it ended."""

from __future__ import annotations

import re

from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text


def _sarah(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def _row(page: str, name: str) -> str:
    start = page.index(f'<td data-title="Name">{name}</td>')
    return page[start : page.index("</tr>", start)]


def test_each_member_shows_how_to_reach_them_and_what_they_can_see(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get(f"/people/{sarah}/care-team"))
    assert '<th scope="col">Can see</th>' in page
    fiona = _row(page, "Fiona Reid")
    assert "0131 496 0201" in fiona
    assert "housing.support@housing.demo" in fiona
    assert "Works: Monday to Friday, 8.30am to 4.30pm" in fiona
    assert (
        "My goals and actions, Personal housing plan, Money, benefits and everyday needs" in fiona
    )
    # No list of every member of staff: the add form follows a search.
    assert 'name="staff_id"' not in page
    assert 'id="staff_q"' in page
    # A care-team member sees how to reach colleagues, not the person's sharing choices.
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    theirs = text(jamie.get(f"/people/{sarah}/care-team"))
    assert "0131 496 0201" in theirs
    assert "Can see" not in theirs
    assert "Search for staff" not in theirs


def test_the_staff_search_finds_practitioners_only_and_caps_the_list(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    found = text(morag.get(f"/people/{sarah}/care-team?staff_q=HASSAN"))
    assert "Ali Hassan (NHS Lothian Addiction Recovery Team)" in found
    assert 'name="staff_id"' in found
    # By work email too; administrators and IG officers (no practitioner role) never.
    assert "Gordon Bell" in text(morag.get(f"/people/{sarah}/care-team?staff_q=justice.demo"))
    for query in ("alex.murray", "priya"):
        page = text(morag.get(f"/people/{sarah}/care-team?staff_q={query}"))
        assert f'No practitioner matches "{query}"' in page
    # One letter is not a search; wildcards are not wildcards.
    assert 'name="staff_id"' not in text(morag.get(f"/people/{sarah}/care-team?staff_q=a"))
    assert "No practitioner matches" in text(morag.get(f"/people/{sarah}/care-team?staff_q=%25%25"))


def test_adding_a_member_says_what_they_can_see_now(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    gordon = staff(demo_app, "gordon.bell@justice.demo")
    path = f"/people/{sarah}/care-team"
    # As the page sends it: with the search that found them.
    added = morag.post(
        path,
        {"staff_q": "gordon", "staff_id": str(gordon.id), "role": "Justice social worker"},
    )
    assert added.status_code == 302
    page = text(morag.get(added.location))
    note = page[page.index('id="added"') : page.index("</div>", page.index('id="added"'))]
    assert "Gordon Bell is added to the care team" in note
    # Sarah agreed to share nothing with justice social work (she refused two parts).
    assert "Council Justice Social Work cannot see anything yet: record Sarah Mackenzie" in re.sub(
        r"\s+", " ", note
    ) or "cannot see anything yet: record Sarah Mackenzie's choice" in note.replace("&#39;", "'")


def test_ending_a_place_asks_first_and_shows_the_end_date(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get(f"/people/{sarah}/care-team"))
    fiona = _row(page, "Fiona Reid")
    end = re.search(r'href="(/people/[0-9a-f-]+/care-team/[0-9a-f-]+/end)"', fiona).group(1)
    confirm = morag.get(end)
    assert confirm.status_code == 200
    words = text(confirm).replace("&#39;", "'")
    assert "Fiona Reid's place ends today" in words
    assert "End Fiona Reid's place" in words
    # Only those who may end a place see the question; others as for the page itself.
    assert (
        Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo")).get(end).status_code == 403
    )
    ended = morag.post(end, {})
    assert ended.status_code == 302
    after = _row(text(morag.get(f"/people/{sarah}/care-team")), "Fiona Reid")
    assert "Ended on" in after
    assert "ds_tag--grey" in after
    # Asking again about an ended place says so, and ends nothing.
    assert morag.get(end).status_code == 409
