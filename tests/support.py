"""Factories for test data and an API client that signs requests as a given user."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from audit.models import AuditEvent
from careplan.accounts import tokens
from careplan.accounts.models import AccountKind, User
from careplan.agencies.models import Agency, AgencyKind, Sector
from careplan.people.models import Person
from careplan.plans import operations
from careplan.plans.models import AgreedHow, Plan

_counter = itertools.count(1)


class World:
    """Builds agencies, staff, people and plans directly, committed, outside any request."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _save(self, obj: Any) -> Any:
        self.session.add(obj)
        self.session.commit()
        return obj

    def agency(
        self,
        name: str | None = None,
        sector: Sector = Sector.STATUTORY,
        kind: AgencyKind = AgencyKind.NHS,
    ) -> Agency:
        return self._save(Agency(name=name or f"Agency {next(_counter)}", sector=sector, kind=kind))

    def staff(
        self,
        agency: Agency | None,
        roles: tuple[str, ...] = ("practitioner",),
        name: str | None = None,
    ) -> User:
        n = next(_counter)
        return self._save(
            User(
                kind=AccountKind.STAFF,
                email=f"staff{n}@example.test",
                name=name or f"Staff {n}",
                roles=list(roles),
                agency_id=agency.id if agency else None,
            )
        )

    def person(self, created_by: User | None = None, **fields: Any) -> Person:
        n = next(_counter)
        data = {
            "given_name": f"Given{n}",
            "family_name": f"Family{n}",
            "date_of_birth": date(1980, 1, 1) + timedelta(days=n),
            **fields,
        }
        return self._save(Person(created_by_id=created_by.id if created_by else None, **data))

    def plan(self, person: Person, key_worker: User, by: User | None = None) -> Plan:
        keys = self.catalogue_keys()
        plan = operations.create_plan(
            self.session,
            person,
            {
                "lead_agency_id": key_worker.agency_id,
                "key_worker_id": key_worker.id,
                "agreed_on": date(2026, 1, 5),
                "agreed_how": AgreedHow.IN_PERSON,
            },
            by or key_worker,
            keys,
        )
        self.session.commit()
        return plan

    def individual(self, person: Person) -> User:
        return self._save(
            User(
                kind=AccountKind.INDIVIDUAL,
                email=f"me{next(_counter)}@ex.test",
                name=person.given_name,
                roles=[],
                person_id=person.id,
            )
        )

    def token(self, user: User) -> str:
        raw = tokens.issue(self.session, user, timedelta(days=30))
        self.session.commit()
        return raw

    def catalogue_keys(self) -> list[str]:
        from flask import current_app

        return list(current_app.extensions["careplan.catalogue"].keys())

    def audit(self) -> list[AuditEvent]:
        self.session.expire_all()
        return list(self.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


class Api:
    """`api.get(user, "/people")`: a request to /api/v1 with that user's bearer token."""

    def __init__(self, client: Any, world: World) -> None:
        self.client = client
        self.world = world
        self._tokens: dict[Any, str] = {}

    def headers(self, user: User | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if user is not None:
            if user.id not in self._tokens:
                self._tokens[user.id] = self.world.token(user)
            headers["Authorization"] = f"Bearer {self._tokens[user.id]}"
        return headers

    def call(
        self,
        method: str,
        user: User | None,
        path: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.open(
            "/api/v1" + path,
            method=method,
            json=json,
            headers=self.headers(user, headers),
            **kwargs,
        )

    def get(self, user: User | None, path: str, **kw: Any) -> Any:
        return self.call("GET", user, path, **kw)

    def post(self, user: User | None, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", user, path, json=json, **kw)

    def put(self, user: User | None, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PUT", user, path, json=json, **kw)

    def look_up(self, user: User, person: Person) -> str:
        """An exact lookup of `person` by `user` (by CHI when they have one): the step that
        lets the id be used for the "found" page, a claim or break-glass. Returns the id."""
        if person.chi:
            body = {"chi": person.chi}
        else:
            body = {
                "given_name": person.given_name,
                "family_name": person.family_name,
                "date_of_birth": person.date_of_birth.isoformat(),
            }
        response = self.post(user, "/people/lookup", body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["id"]


@contextlib.contextmanager
def scratch_database(server_url: str, suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside `server_url`'s (its name + "_" + `suffix`),
    dropped afterwards: for tests that migrate a database of their own from the start."""
    server = make_url(server_url)
    name = f"{server.database}_{suffix}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
