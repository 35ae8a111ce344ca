"""Every list of parts of the plan takes each part once (the review after issue 20).

A consent and a referral merged a part named twice into one, quietly, where a supporter's
sharing and an information-sharing agreement refused it: the same mistake got two answers.
Now each refuses it with the same words under `sections`, and makes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from careplan.core import clock
from careplan.core.schemas import EACH_SECTION_ONCE
from careplan.extensions import db
from careplan.referrals.models import Referral
from careplan.supporters.models import Supporter
from consent.models import Consent, SharingAgreement
from tests.referrals.scene import build, referral_body

TWICE = ["housing", "goals", "housing"]


def _consent(scene, sections):
    return (
        scene.key_worker,
        "post",
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"sector": "statutory"},
            "sections": sections,
            "effect": "permit",
            "expires_on": "2027-06-01",
            "method": "verbal",
        },
        Consent,
    )


def _refusal(scene, sections):
    who, method, path, body, model = _consent(scene, sections)
    return who, method, path, {**body, "effect": "deny"}, model


def _referral(scene, sections):
    return (
        scene.key_worker,
        "post",
        f"/people/{scene.person.id}/referrals",
        referral_body(scene, sections=sections),
        Referral,
    )


def _supporter(scene, sections):
    return (
        scene.individual,
        "post",
        f"/people/{scene.person.id}/supporters",
        {
            "name": "Lorna Mackenzie",
            "relationship": "family",
            "email": "lorna@example.test",
            "sections": sections,
            "expires_on": (clock.today() + timedelta(days=90)).isoformat(),
        },
        Supporter,
    )


def _agreement(scene, sections):
    return (
        scene.admin,
        "put",
        f"/agencies/{scene.other_agency.id}/sharing-agreement",
        {"max_sensitivity": "sensitive", "sections": sections, "valid_until": "2030-01-01"},
        SharingAgreement,
    )


@pytest.mark.parametrize("way", [_consent, _refusal, _referral, _supporter, _agreement])
def test_a_part_named_twice_is_refused_and_nothing_is_made(api, world, way):
    scene = build(world)
    who, method, path, body, model = way(scene, TWICE)
    count = select(func.count()).select_from(model)
    before = db.session.scalar(count)
    refused = getattr(api, method)(who, path, body)
    assert refused.status_code == 400, refused.get_json()
    assert refused.get_json()["fields"] == {"sections": [EACH_SECTION_ONCE]}
    db.session.expire_all()
    assert db.session.scalar(count) == before
    # Each part once, in any order, is taken as it is (sorted).
    who, method, path, body, _ = way(scene, ["housing", "goals"])
    made = getattr(api, method)(who, path, body)
    assert made.status_code in (200, 201), made.get_json()
