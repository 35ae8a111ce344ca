"""The data migration that gives every goal an id (issue 20's walk: goals saved before goal
ids existed had none until their section was next saved, so no update could be about
them). Run on a database made by the migrations, with goals written as they were then.

On SQLite, in a database of its own made by the migrations (as tests/test_ops.py's
readiness check); `GOAL_IDS_DATABASE_URL` runs it on an empty PostgreSQL database of its
own instead (the PostgreSQL pass shares its databases, made from the models).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from careplan.extensions import db
from careplan.plans.models import Section, SectionVersion
from tests.conftest import _app
from tests.support import World

BEFORE = "c5e7a9b1d3f4"  # the revision before the goal ids


@pytest.fixture
def before_goal_ids(tmp_path: Path):
    url = os.environ.get("GOAL_IDS_DATABASE_URL")
    if os.environ.get("TEST_DATABASE_URL") and not url:
        pytest.skip("a database of its own, made by the migrations: the SQLite pass")
    app = _app(url or f"sqlite:///{tmp_path / 'migrated.sqlite'}", tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE)
    return app


def _goals(section_content):
    return section_content["goals"]


def test_every_goal_gets_an_id_it_keeps_and_nothing_else_changes(before_goal_ids):
    app = before_goal_ids
    old = [
        {"goal": "Move into my own tenancy", "status": "in_progress"},
        {"goal": "Keep my Friday pharmacy pick-up", "status": "not_started", "id": " "},
        {"goal": "See my sister", "status": "achieved", "id": "sister-goal"},
    ]
    with app.app_context():
        world = World(db.session)
        agency = world.agency()
        worker = world.staff(agency)
        plan = world.plan(world.person(worker), worker)
        section = db.session.scalars(
            select(Section).where(Section.plan_id == plan.id, Section.key == "goals")
        ).one()
        section.content = {"goals": old, "notes": "Written before goal ids."}
        version = db.session.scalars(
            select(SectionVersion).where(
                SectionVersion.section_id == section.id,
                SectionVersion.version == section.version,
            )
        ).one()
        version.content = section.content
        housing = db.session.scalars(
            select(Section).where(Section.plan_id == plan.id, Section.key == "housing")
        ).one()
        housing.content = {"preferred_areas": ["Gorgie"]}
        db.session.commit()
        section_id, housing_id = section.id, housing.id
        db.engine.dispose()
    with app.app_context():
        upgrade()
        db.session.expire_all()
        section = db.session.get(Section, section_id)
        goals = _goals(section.content)
        assert [g["goal"] for g in goals] == [g["goal"] for g in old]
        assert [g["status"] for g in goals] == [g["status"] for g in old]
        ids = [g["id"] for g in goals]
        assert all(i.strip() for i in ids)
        assert len(set(ids)) == 3
        assert ids[2] == "sister-goal"  # a goal with an id keeps it
        assert section.content["notes"] == "Written before goal ids."
        current = db.session.scalars(
            select(SectionVersion).where(
                SectionVersion.section_id == section_id,
                SectionVersion.version == section.version,
            )
        ).one()
        assert current.content == section.content
        assert db.session.get(Section, housing_id).content == {"preferred_areas": ["Gorgie"]}
        db.engine.dispose()
