"""The supporter basis across every route (issue 20): a supporter sees the sections the
person chose (here: goals and housing), the plan page that shows them and the person's
name, and is refused everything else: other sections, every other kind of record, every
job, every other person. A refusal about the person they support is 403 (they know of the
person); anything about anyone else is 404, as for nobody.

The routes are the main matrix's (tests/api/test_access_matrix.py), so a route added there
must say here what a supporter gets. The supporters' own routes have rows for every role.
"""

from __future__ import annotations

from datetime import date

import pytest

from careplan.accounts.models import AccountKind, User
from careplan.supporters.models import Supporter, SupporterRelationship
from tests.api.scene import build_scene, paths
from tests.api.test_access_matrix import ROLES, ROUTES, _fill

# What a supporter gets on each route of the main matrix (403 unless listed).
SUPPORTER = {
    "person": 200,
    "plan": 200,
    "section": 200,  # housing, chosen
    "versions": 200,  # of housing: the section's own history
    "entries": 200,  # the updates in housing
    "plan_pdf": 200,  # the plan on paper, as they may see it (goals and housing)
    "me": 200,
    # The directory is reference data every signed-in account reads.
    "services": 200,
    "service": 200,
    "services_map": 200,
    # The person's own pages are for the person: a supporter has no person of their own.
    "my_access_log": 404,
    "my_plan": 404,
    "my_plan_pdf": 404,
    "my_section_update": 404,
    "my_section_staff_only": 404,
    "my_entry_create": 404,
    "my_entry_staff_only": 404,
    "correction_ask": 404,
    "my_corrections": 404,
    # Their own copy (subject access, issue 18) is the person's; so are staff contact details.
    "my_export": 404,
    "my_export_html": 404,
    "my_contact": 404,
}


def _scene(world):
    """The access scene, and Sarah's sister with a place for goals and housing."""
    scene = build_scene(world)
    lorna = User(
        kind=AccountKind.SUPPORTER, email="lorna@ex.test", name="Lorna Mackenzie", roles=[]
    )
    world.session.add(lorna)
    world.session.flush()
    place = Supporter(
        person_id=scene.person.id,
        account_id=lorna.id,
        relationship=SupporterRelationship.FAMILY,
        sections=["goals", "housing"],
        expires_on=date(2030, 1, 1),
        created_by_id=scene.key_worker.id,
    )
    world.session.add(place)
    world.session.commit()
    return scene, lorna, place


@pytest.fixture
def app(shared_app):
    return shared_app


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_supporter_on_every_route(api, world, name):
    scene, lorna, _ = _scene(world)
    method, path, body, versioned, _ = ROUTES[name]
    ids = paths(scene)
    headers = {"If-Match": '"1"'} if versioned else {}
    response = api.call(method, lorna, _fill(path, ids), json=_fill(body, ids), headers=headers)
    assert response.status_code == SUPPORTER.get(name, 403), response.get_json()
    if response.status_code == 403 and path.startswith("/people/{p}"):
        assert response.get_json()["error"] == "forbidden"


def test_supporter_sections_and_nothing_else(api, world):
    scene, lorna, place = _scene(world)
    plan = api.get(lorna, f"/people/{scene.person.id}/plan").get_json()
    assert list(plan["sections"]) == ["goals", "housing"]
    assert set(plan["basis"].values()) == {f"supporter:{place.id}"}
    keys = world.catalogue_keys()
    assert plan["withheld"] == [k for k in keys if k not in ("goals", "housing")]
    for key in keys:
        status = api.get(lorna, f"/people/{scene.person.id}/plan/sections/{key}").status_code
        assert status == (200 if key in ("goals", "housing") else 403), key
    # Another person: as if there were nobody.
    assert api.get(lorna, f"/people/{scene.other_person.id}").status_code == 404


# The supporters' own routes: name -> (method, path, body, statuses in ROLES order + supporter)
S = "/people/{p}/supporters"
OWN = {
    "supporters": ("GET", S, None, (200, 200, 404, 200, 404, 404, 404, 403)),
    "supporter_invite": (
        "POST",
        S,
        {
            "name": "Ann Advocate",
            "relationship": "advocate",
            "email": "ann@ex.test",
            "sections": ["goals"],
            "expires_on": "2027-06-01",
        },
        # The lead agency sees and may stop sharing, but does not invite for the person.
        (201, 403, 404, 201, 404, 404, 404, 403),
    ),
    "supporter_end": ("POST", S + "/{s}/end", None, (200, 200, 404, 200, 404, 404, 404, 403)),
}
OWN_CASES = [
    (name, role, OWN[name][3][i]) for name in OWN for i, role in enumerate((*ROLES, "supporter"))
]


@pytest.mark.parametrize(
    ("name", "role", "expected"), OWN_CASES, ids=[f"{n}-{r}" for n, r, _ in OWN_CASES]
)
def test_supporter_routes_by_role(api, world, name, role, expected):
    scene, lorna, place = _scene(world)
    method, path, body, _ = OWN[name]
    caller = lorna if role == "supporter" else scene.role(role)
    ids = {**paths(scene), "s": place.id}
    before = len(world.audit())
    response = api.call(method, caller, _fill(path, ids), json=_fill(body, ids))
    assert response.status_code == expected, response.get_json()
    mine = [r for r in world.audit()[before:] if r.request_id == response.headers["X-Request-Id"]]
    assert mine, "no audit record for this request"
    assert mine[-1].outcome == ("permit" if expected < 400 else "deny")


def test_a_supporter_sees_the_persons_name_and_not_who_they_are_beyond_it(api, world):
    """Issue 20's walk: a supporter read the date of birth through GET /people/{id}. The
    name is theirs to see; the date of birth and CHI number are not (PERSON_IDENTITY_VIEW),
    while the key worker and the person see both."""
    scene, lorna, _ = _scene(world)
    url = f"/people/{scene.person.id}"
    theirs = api.get(lorna, url)
    assert theirs.status_code == 200
    body = theirs.get_json()
    assert body["given_name"] == scene.person.given_name
    assert body["family_name"] == scene.person.family_name
    assert body["date_of_birth"] is None
    assert body["chi"] is None
    for caller in (scene.key_worker, scene.individual):
        full = api.get(caller, url).get_json()
        assert full["date_of_birth"] == scene.person.date_of_birth.isoformat()
