"""The command-line tools of the API contract."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from careplan.accounts.models import User
from careplan.extensions import db
from careplan.people.models import Person


def test_token_create_prints_a_working_token(app, world, client):
    agency = world.agency()
    user = world.staff(agency)
    out = app.test_cli_runner().invoke(
        args=["token", "create", "--user", user.email, "--expires", "1h"]
    )
    assert out.exit_code == 0, out.output
    token = out.output.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["email"] == user.email


def test_token_create_refuses_bad_input(app, world):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["token", "create", "--user", "nobody@x.test"]).exit_code != 0
    user = world.staff(world.agency())
    bad = runner.invoke(args=["token", "create", "--user", user.email, "--expires", "forever"])
    assert bad.exit_code != 0
    assert "30m, 1h or 7d" in bad.output


def test_expired_token_is_refused(app, world, client, monkeypatch):
    from datetime import timedelta

    from careplan.core import clock

    user = world.staff(world.agency())
    runner = app.test_cli_runner()
    token = runner.invoke(args=["token", "create", "--user", user.email, "--expires", "1h"])
    token = token.output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    later = clock.now() + timedelta(hours=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_admin_create_prints_one_time_password(app):
    out = app.test_cli_runner().invoke(
        args=["admin", "create", "--email", "Boss@Example.test", "--name", "Boss"]
    )
    assert out.exit_code == 0
    assert "One-time password" in out.output
    admin = db.session.scalars(select(User).where(User.email == "boss@example.test")).one()
    assert admin.roles == ["admin"]
    assert admin.password_hash.startswith("$argon2id$")
    again = app.test_cli_runner().invoke(
        args=["admin", "create", "--email", "boss@example.test", "--name", "Boss"]
    )
    assert again.exit_code != 0


@pytest.mark.parametrize(
    ("email", "name"),
    [
        ("boss@example.test", "\u200b\u00a0\u3164"),  # nothing a person can read
        ("boss@example.test", "Bo\x00ss"),  # NUL: PostgreSQL cannot store it
        ("boss@example.test", "\udcff"),  # an undecodable byte of the command line
        ("boss@example.test", "B" * 201),
        ("not an email", "Boss"),
        ("bo\x00ss@example.test", "Boss"),
    ],
)
def test_admin_create_checks_what_it_stores(app, email, name):
    out = app.test_cli_runner().invoke(args=["admin", "create", "--email", email, "--name", name])
    assert out.exit_code == 2, out.output  # a usage error, not a traceback
    assert "Traceback" not in out.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("label", ["\u200b\u200b", "a\x00b", "\udcff", "L" * 101])
def test_token_create_checks_its_label(app, world, label):
    user = world.staff(world.agency())
    out = app.test_cli_runner().invoke(
        args=["token", "create", "--user", user.email, "--label", label]
    )
    assert out.exit_code == 2, out.output
    assert "--label" in out.output


def test_demo_load_is_idempotent_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "morag.campbell@nhs.demo" in first.output
    people = db.session.scalar(select(func.count()).select_from(Person))
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    # Sarah, John, Kerry, and Craig whose plan is closed (step-down and return, issue 20).
    assert db.session.scalar(select(func.count()).select_from(Person)) == people == 4


def test_demo_world_shows_differences_between_agencies(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])

    def plan_for(email):
        token = runner.invoke(args=["token", "create", "--user", email]).output.strip()
        headers = {"Authorization": f"Bearer {token}"}
        people = client.get("/api/v1/people?q=mackenzie", headers=headers).get_json()
        if not people:
            return None
        return client.get(f"/api/v1/people/{people[0]['id']}/plan", headers=headers).get_json()

    assert plan_for("morag.campbell@nhs.demo")["withheld"] == []
    housing = plan_for("fiona.reid@housing.demo")
    assert sorted(housing["sections"]) == ["contacts", "goals", "housing", "money"]
    assert housing["basis"]["housing"].startswith("consent:")
    cafe = plan_for("jamie.robertson@cafe.demo")
    assert sorted(cafe["sections"]) == ["about_me", "goals", "housing"]
    assert plan_for("gordon.bell@justice.demo") is None


def test_audit_verify_exit_code(app, world):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 0
    assert "intact" in out.output
