"""A national-size data set, written straight into SQLite and PostgreSQL.

    .venv/bin/python -m bench.dataset --folder DIR [--scale 1.0] [--pg URL] [--no-sqlite]

At scale 1: 200 agencies with sharing agreements, 20,000 staff, 50,000 people with full
plans (every catalogue section, sealed exactly as the app seals them), care teams and
consents, and 10 million audit records over two years forming one valid hash chain with
signed checkpoints (`flask --app careplan audit verify` passes). Both databases receive
the same data from one pass of the generator: rows are made once and written to each.

Speed comes from bulk loading, not the ORM: SQLite gets executemany in large
transactions, PostgreSQL gets COPY; values are converted with the app's own column types
(bind processors), so they are stored exactly as the app would store them; audit indexes
are built after the load. The schema itself comes from the app's models (create_all).

The folder also receives keys/ (the audit signing key and data keys both databases use),
and pairs.json: bearer tokens with the people each token's owner may see (for load runs).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import secrets
import sqlite3
import sys
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from sqlalchemy import JSON, Enum, Table, update
from sqlalchemy.engine import Dialect

from audit.chain import CHAINED_FIELDS, canonical_values
from audit.signing import checkpoint_message
from audit.stored import json_text, time_text
from bench import content
from careplan.accounts import tokens

SECTION_KEYS = (
    "about_me",
    "goals",
    "housing",
    "money",
    "substance_use",
    "mental_health",
    "physical_health",
    "family",
    "safety",
    "justice",
    "contacts",
)
GIVEN = ("Sarah", "John", "Aileen", "Callum", "Morag", "Iain", "Shona", "Ewan", "Kirsty", "Ross")
GIVEN += ("Fiona", "Gordon", "Mhairi", "Lewis", "Eilidh", "Fraser", "Isla", "Hamish", "Seònaid")
FAMILY = ("Mackenzie", "Campbell", "Stewart", "MacDonald", "Reid", "Robertson", "Bell", "Murray")
FAMILY += ("Thomson", "Paterson", "Fraser", "Graham", "Ross", "Watson", "Kerr", "McLeod")
AGENCY_KINDS = (
    ("NHS {} Recovery Team", "statutory", "nhs"),
    ("{} Council Housing Support", "statutory", "housing"),
    ("{} Council Social Work", "statutory", "social_work"),
    ("{} Justice Social Work", "statutory", "justice_social_work"),
    ("{} Recovery Cafe", "third_sector", "charity"),
    ("{} Outreach Project", "third_sector", "charity"),
)
PLACES = ("Lothian", "Glasgow", "Fife", "Tayside", "Highland", "Grampian", "Ayrshire", "Borders")
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/130.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile",
)
# (action, weight, needs a person)
ACTIONS = (
    ("plan.view", 45, True),
    ("section.view", 20, True),
    ("section.update", 8, True),
    ("entry.create", 5, True),
    ("entry.view", 5, True),
    ("careteam.view", 4, True),
    ("consent.view", 3, True),
    ("person.lookup", 3, True),
    ("accesslog.view", 2, True),
    ("auth.login", 5, False),
)
TOKEN_PREFIX = tokens.PREFIX


# --- progress --------------------------------------------------------------------------
class Progress:
    """A one-line progress bar on stderr (only when it is a terminal, or forced)."""

    def __init__(self, label: str, total: int, show: bool) -> None:
        self.label, self.total, self.show = label, max(total, 1), show
        self.done, self.start, self._last = 0, time.perf_counter(), 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.show and (now - self._last > 0.5 or self.done >= self.total):
            self._last = now
            share = self.done / self.total
            rate = self.done / max(now - self.start, 1e-9)
            bar = "#" * int(30 * share)
            sys.stderr.write(
                f"\r{self.label:14} [{bar:30}] {share:6.1%} {self.done:>11,} {rate:>10,.0f}/s"
            )
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


# --- bulk writers -------------------------------------------------------------------------
class Writer(ABC):
    """Writes rows (tuples in `columns` order) of one model table, converted as the app
    would convert them."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._converters: dict[tuple[str, tuple[str, ...]], list[Callable[[Any], Any]]] = {}

    def converters(self, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any]]:
        key = (table.name, tuple(columns))
        if key not in self._converters:
            self._converters[key] = [self._converter(table.c[name]) for name in columns]
        return self._converters[key]

    def _converter(self, column: Any) -> Callable[[Any], Any]:
        process = column.type.bind_processor(self.dialect)
        return process if process is not None else _same

    def rows(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list:
        convert = self.converters(table, columns)
        return [tuple(c(v) for c, v in zip(convert, row, strict=True)) for row in rows]

    @abstractmethod
    def write(
        self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None: ...

    @abstractmethod
    def write_text(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
        """Rows already in stored form (the audit log is stored as text)."""
        ...

    @abstractmethod
    def execute(self, sql: str) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


def _same(value: Any) -> Any:
    return value


class SQLiteWriter(Writer):
    def __init__(self, path: Path, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.conn = sqlite3.connect(path, isolation_level=None)
        # Bulk load: the file is thrown away if the load fails, so skip the syncs.
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-262144")

    def _insert(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        self.conn.execute("BEGIN")
        self.conn.executemany(sql, rows)
        self.conn.execute("COMMIT")

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self._insert(table, columns, self.rows(table, columns, rows))

    def write_text(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
        self._insert(table, columns, rows)

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def close(self) -> None:
        self.conn.close()


class PostgresWriter(Writer):
    def __init__(self, url: str, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    def _converter(self, column: Any) -> Callable[[Any], Any]:
        # COPY takes JSON as its text; enums as their stored value.
        if isinstance(column.type, JSON):
            return lambda v: None if v is None else json.dumps(v)
        if isinstance(column.type, Enum):
            return lambda v: None if v is None else v.value
        return super()._converter(column)

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        self.conn.commit()

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self._copy(table, columns, self.rows(table, columns, rows))

    def write_text(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
        self._copy(table, columns, rows)

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


# --- the world ------------------------------------------------------------------------
@dataclass
class Staff:
    id: uuid.UUID
    name: str
    role: str
    agency: int


@dataclass
class World:
    agencies: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    people: list[uuid.UUID] = field(default_factory=list)
    key_worker: list[int] = field(default_factory=list)  # staff index per person
    members: list[tuple[int, ...]] = field(default_factory=list)  # care team per person
    member_basis: list[str] = field(default_factory=list)  # plan.view basis for members
    member_sections: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Counts:
    people: int
    agencies: int
    staff: int
    audit: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        return cls(
            people=max(20, round(50_000 * scale)),
            agencies=max(6, round(200 * scale)),
            staff=max(30, round(20_000 * scale)),
            audit=max(2_000, round(10_000_000 * scale)),
        )


def chi_number(rng: random.Random, born: date) -> str:
    """A CHI number: date of birth, four digits, a valid modulus-11 check digit."""
    while True:
        head = born.strftime("%d%m%y") + f"{rng.randrange(1000):03d}"
        total = sum(int(d) * w for d, w in zip(head, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check != 10:
            return head + str(0 if check == 11 else check)


class Sealer:
    """The vault's sealed-value format (careplan.protection.vault), with keys held here."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[uuid.UUID, bytes, AESGCM]] = {}

    def key(self, family: str) -> tuple[uuid.UUID, bytes, AESGCM]:
        if family not in self.keys:
            raw = AESGCM.generate_key(bit_length=256)
            self.keys[family] = (uuid.uuid4(), raw, AESGCM(raw))
        return self.keys[family]

    def seal(self, family: str, aad: str, plaintext: bytes) -> str:
        key_id, _, key = self.key(family)
        nonce = os.urandom(12)
        body = key_id.bytes + nonce + key.encrypt(nonce, plaintext, aad.encode())
        return "v1:" + base64.b64encode(body).decode("ascii")


class Generator:
    def __init__(self, app: Flask, writers: list[Writer], counts: Counts, show: bool) -> None:
        from careplan.extensions import db

        self.app, self.writers, self.counts, self.show = app, writers, counts, show
        self.tables = db.metadata.tables
        self.rng = random.Random(20261123)
        self.sealer = Sealer()
        self.world = World()
        self.now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # naive UTC, as stored
        self.today = self.now.date()
        self.timings: dict[str, float] = {}

    def write(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        for writer in self.writers:
            writer.write(self.tables[table], columns, rows)

    def timed(self, label: str, step: Callable[[], None]) -> None:
        start = time.perf_counter()
        step()
        self.timings[label] = round(time.perf_counter() - start, 3)

    # -- reference data --------------------------------------------------------------
    def data_keys(self) -> None:
        vault = self.app.extensions["careplan.vault"]
        rows = []
        for family in ("section", "consent", "audit", "care_team", "entry", "break_glass"):
            key_id, raw, _ = self.sealer.key(family)
            wrapped = vault.wrap(key_id, family, raw)
            rows.append((key_id, family, vault.ring.current, wrapped, True, self.now))
        self.write(
            "data_key", ("id", "family", "kek_name", "wrapped", "active", "created_at"), rows
        )

    def agencies(self) -> None:
        from careplan.agencies.models import AgencyKind, Sector
        from consent.models import LawfulBasis

        rows, agreements = [], []
        ceilings = ("standard", "sensitive", "sensitive", "restricted")
        for i in range(self.counts.agencies):
            pattern, sector, kind = AGENCY_KINDS[i % len(AGENCY_KINDS)]
            name = pattern.format(f"{PLACES[i % len(PLACES)]} {i // len(PLACES) + 1:03d}")
            agency_id = uuid.uuid4()
            self.world.agencies.append((agency_id, name, sector))
            rows.append((agency_id, name, Sector(sector), AgencyKind(kind), self.now))
            agreements.append(
                (
                    uuid.uuid4(),
                    agency_id,
                    ceilings[i % len(ceilings)],
                    None,
                    LawfulBasis.PUBLIC_TASK_HEALTH_CARE,
                    self.today + timedelta(days=3 * 365),
                    self.now,
                )
            )
        self.write("agency", ("id", "name", "sector", "kind", "created_at"), rows)
        self._agreements = agreements

    def staff(self) -> None:
        from careplan.accounts.models import AccountKind

        rows = []
        for i in range(self.counts.staff):
            agency = i % self.counts.agencies
            role = ("ig_officer", "admin")[i % 2] if i % 50 in (0, 1) else "practitioner"
            name = f"{self.rng.choice(GIVEN)} {self.rng.choice(FAMILY)}"
            staff = Staff(uuid.uuid4(), name, role, agency)
            self.world.staff.append(staff)
            email = f"staff{i:05d}@agency{agency:03d}.bench.invalid"
            rows.append(
                (
                    staff.id,
                    AccountKind.STAFF,
                    email,
                    name,
                    self.world.agencies[agency][0],
                    [role],
                    True,
                    self.now,
                )
            )
        columns = ("id", "kind", "email", "name", "agency_id", "roles", "active", "created_at")
        self.write("user_account", columns, rows)
        admin = next(s for s in self.world.staff if s.role == "admin")
        self.write(
            "sharing_agreement",
            (
                "id",
                "agency_id",
                "max_sensitivity",
                "sections",
                "lawful_basis",
                "valid_until",
                "created_at",
                "created_by_id",
            ),
            [(*row, admin.id) for row in self._agreements],
        )

    # -- people and plans -------------------------------------------------------------
    def people(self) -> None:
        from careplan.plans.models import AgreedHow, MembershipHow
        from consent.models import ConsentEffect, ConsentMethod

        catalogue = self.app.extensions["careplan.catalogue"]
        plans = content.templates(catalogue)
        practitioners: dict[int, list[int]] = {}
        for index, s in enumerate(self.world.staff):
            if s.role == "practitioner":
                practitioners.setdefault(s.agency, []).append(index)
        agencies_with_staff = sorted(practitioners)
        progress = Progress("people/plans", self.counts.people, self.show)
        seen_chi: set[str] = set()
        batch = 2_000
        for start in range(0, self.counts.people, batch):
            tables: dict[str, list[tuple]] = {}

            def add(table: str, row: tuple, tables: dict[str, list[tuple]] = tables) -> None:
                tables.setdefault(table, []).append(row)

            for _ in range(start, min(start + batch, self.counts.people)):
                rng = self.rng
                agency = rng.choice(agencies_with_staff)
                kw_index = rng.choice(practitioners[agency])
                kw = self.world.staff[kw_index]
                person_id, plan_id = uuid.uuid4(), uuid.uuid4()
                born = date(1960, 1, 1) + timedelta(days=rng.randrange(16_000))
                chi = chi_number(rng, born)
                while chi in seen_chi:
                    chi = chi_number(rng, born)
                seen_chi.add(chi)
                add(
                    "person",
                    (
                        person_id,
                        rng.choice(GIVEN),
                        rng.choice(FAMILY),
                        None,
                        born,
                        chi,
                        self.now,
                        kw.id,
                    ),
                )
                agreed = self.today - timedelta(days=rng.randrange(30, 700))
                how = AgreedHow.IN_PERSON
                add(
                    "plan",
                    (
                        plan_id,
                        person_id,
                        self.world.agencies[agency][0],
                        kw.id,
                        agreed,
                        how,
                        1,
                        self.now,
                        self.now,
                    ),
                )
                add(
                    "key_worker_assignment",
                    (
                        uuid.uuid4(),
                        plan_id,
                        self.world.agencies[agency][0],
                        kw.id,
                        agreed,
                        how,
                        self.now,
                        kw.id,
                    ),
                )
                plan = content.pick(rng, plans)
                for key in SECTION_KEYS:
                    section_id, version_id = uuid.uuid4(), uuid.uuid4()
                    data = json.dumps(plan[key]).encode()
                    add(
                        "plan_section",
                        (
                            section_id,
                            plan_id,
                            key,
                            self.sealer.seal("section", f"plan_section.content:{section_id}", data),
                            1,
                            self.now,
                            kw.id,
                        ),
                    )
                    add(
                        "plan_section_version",
                        (
                            version_id,
                            section_id,
                            1,
                            self.sealer.seal(
                                "section", f"plan_section_version.content:{version_id}", data
                            ),
                            list(plan[key]),
                            self.now,
                            kw.id,
                        ),
                    )
                # Two care-team members from other agencies, with consent to share.
                members = []
                for _ in range(2):
                    other = rng.choice(agencies_with_staff)
                    while other == agency and len(agencies_with_staff) > 1:
                        other = rng.choice(agencies_with_staff)
                    members.append(rng.choice(practitioners[other]))
                    add(
                        "care_team_member",
                        (
                            uuid.uuid4(),
                            plan_id,
                            self.world.staff[members[-1]].id,
                            "Support worker",
                            agreed,
                            None,
                            MembershipHow.ADDED,
                            kw.id,
                            self.now,
                        ),
                    )
                shared = ["about_me", "goals", "housing", "money", "contacts"]
                if rng.random() < 0.5:
                    shared += ["substance_use", "mental_health"]
                consent_ids = []
                for member in members:
                    consent_id = uuid.uuid4()
                    consent_ids.append(consent_id)
                    grantee = self.world.agencies[self.world.staff[member].agency][0]
                    add(
                        "consent",
                        (
                            *self._consent(consent_id, person_id, grantee, shared, agreed, kw.id),
                            ConsentEffect.PERMIT,
                            ConsentMethod.WRITTEN,
                        ),
                    )
                if rng.random() < 0.1:  # a refusal: never share these with that agency
                    refused = self.world.agencies[rng.choice(agencies_with_staff)][0]
                    add(
                        "consent",
                        (
                            *self._consent(
                                uuid.uuid4(), person_id, refused, ["substance_use"], agreed, kw.id
                            ),
                            ConsentEffect.DENY,
                            ConsentMethod.VERBAL,
                        ),
                    )
                self.world.people.append(person_id)
                self.world.key_worker.append(kw_index)
                self.world.members.append(tuple(members))
                self.world.member_basis.append(
                    json_text({k: f"consent:{consent_ids[0]}" for k in shared})
                )
                self.world.member_sections.append(
                    (json_text(shared), json_text([k for k in SECTION_KEYS if k not in shared]))
                )
            for table, rows in tables.items():
                self.write(table, COLUMNS[table], rows)
            progress.add(min(batch, self.counts.people - start))

    def _consent(
        self,
        consent_id: uuid.UUID,
        person_id: uuid.UUID,
        agency_id: uuid.UUID,
        sections: list[str],
        starts: date,
        by: uuid.UUID,
    ) -> tuple:
        note = self.sealer.seal(
            "consent", f"consent.evidence_note:{consent_id}", b"Signed consent form on file."
        )
        expires = starts + timedelta(days=3 * 365)
        return (
            consent_id,
            person_id,
            agency_id,
            None,
            sections,
            "direct_care",
            starts,
            expires,
            note,
            by,
            self.now,
        )

    # -- tokens for load runs ----------------------------------------------------------------
    def tokens(self, folder: Path, how_many: int = 400) -> None:
        """Tokens for staff, each paired with a person they may see (key worker or
        care-team member with consent), for the load generator."""
        rng = random.Random(7)
        issued: dict[int, str] = {}
        pairs, rows = [], []
        for _ in range(how_many):
            p = rng.randrange(len(self.world.people))
            kind = "key_worker" if rng.random() < 0.34 else "care_team"
            staff = self.world.key_worker[p] if kind == "key_worker" else self.world.members[p][0]
            if staff not in issued:
                raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
                issued[staff] = raw
                rows.append(
                    (
                        uuid.uuid4(),
                        self.world.staff[staff].id,
                        hashlib.sha256(raw.encode()).hexdigest(),
                        "bench",
                        ["read", "write"],
                        self.now,
                        self.now + timedelta(days=30),
                    )
                )
            pairs.append({"token": issued[staff], "person": str(self.world.people[p]), "as": kind})
        self.write("access_token", COLUMNS["access_token"], rows)
        sample = {
            "people": [
                str(self.world.people[rng.randrange(len(self.world.people))]) for _ in range(50)
            ],
            "actors": [
                str(self.world.staff[rng.randrange(len(self.world.staff))].id) for _ in range(50)
            ],
            "agencies": [
                str(self.world.agencies[rng.randrange(len(self.world.agencies))][0])
                for _ in range(20)
            ],
        }
        (folder / "pairs.json").write_text(json.dumps({"pairs": pairs, "sample": sample}))

    # -- the audit log ------------------------------------------------------------------
    def audit(self) -> None:
        from audit.models import AuditEvent

        table = AuditEvent.__table__
        signer = self.app.extensions["careplan.checkpoints"].signer
        every = self.app.config["AUDIT_CHECKPOINT_EVERY"]
        for writer in self.writers:
            for index in table.indexes:  # built once at the end: far faster than per row
                writer.execute(f"DROP INDEX IF EXISTS {index.name}")
        columns = (*CHAINED, "prev_hash", "hash")
        n, days = self.counts.audit, 730
        start_day = self.today - timedelta(days=days)
        rng, w = random.Random(11), self.world
        all_keys = json_text(list(SECTION_KEYS))
        kw_basis = json_text(dict.fromkeys(SECTION_KEYS, "key_worker"))
        kinds = [a for a, weight, _ in ACTIONS for _ in range(weight)]
        needs_person = {a: p for a, _, p in ACTIONS}
        staff_text = [
            (str(s.id), s.name, s.role, str(w.agencies[s.agency][0]), w.agencies[s.agency][1])
            for s in w.staff
        ]
        people_text = [str(p) for p in w.people]
        progress = Progress("audit records", n, self.show)
        prev, seq, checkpoints, rows = "0" * 64, 0, [], []
        per_day = n / days
        for day in range(days):
            count = int(per_day * (day + 1)) - int(per_day * day)
            if day == days - 1:
                count = n - seq
            base = datetime.combine(start_day + timedelta(days=day), datetime.min.time())
            # Mostly working hours, some evenings and nights (the out-of-hours report).
            offsets = sorted(
                rng.uniform(8 * 3600, 18 * 3600) if rng.random() < 0.92 else rng.uniform(0, 86400)
                for _ in range(count)
            )
            for offset in offsets:
                seq += 1
                p = rng.randrange(len(people_text))
                action = kinds[rng.randrange(len(kinds))]
                roll = rng.random()
                outcome, reason, justification = "permit", None, None
                sections = withheld = "[]"
                basis = "{}"
                if roll < 0.45:
                    actor = w.key_worker[p]
                    if action == "plan.view":
                        sections, basis = all_keys, kw_basis
                elif roll < 0.97:
                    actor = w.members[p][0]
                    if action == "plan.view":
                        sections, withheld = w.member_sections[p]
                        basis = w.member_basis[p]
                else:
                    actor = rng.randrange(len(staff_text))
                    outcome, reason = "deny", "no_basis"
                    if roll > 0.9995:
                        action, outcome, reason = "breakglass.invoke", "permit", None
                request_id = f"{rng.getrandbits(128):032x}"
                if action == "breakglass.invoke":
                    justification = self.sealer.seal(
                        "audit",
                        f"audit_event.justification:{request_id}:{action}",
                        b"Risk to life: found unresponsive, need safety plan and contacts.",
                    )
                values = (
                    seq,
                    time_text(base + timedelta(seconds=offset)),
                    *staff_text[actor],
                    action,
                    outcome,
                    people_text[p] if needs_person.get(action, True) else None,
                    sections,
                    withheld,
                    basis,
                    reason,
                    "direct_care" if action == "breakglass.invoke" else None,
                    justification,
                    request_id,
                    f"10.{p % 250}.{actor % 250}.{seq % 250 + 1}",
                    USER_AGENTS[actor % len(USER_AGENTS)],
                    "{}",
                )
                digest = hashlib.sha256(prev.encode("ascii") + canonical_values(values))
                row_hash = digest.hexdigest()
                rows.append((*values, prev, row_hash))
                prev = row_hash
                if seq % every == 0 or seq == n:
                    signed_at = base + timedelta(seconds=offset, microseconds=1)
                    message = checkpoint_message(seq, row_hash, signed_at)
                    checkpoints.append(
                        (seq, row_hash, signed_at, signer.key_id, signer.sign(message))
                    )
                if len(rows) >= 50_000:
                    self._flush_audit(table, columns, rows, checkpoints)
                    progress.add(len(rows))
                    rows, checkpoints = [], []
        if rows or checkpoints:
            self._flush_audit(table, columns, rows, checkpoints)
            progress.add(len(rows))
        self._head = (seq, prev, seq, signed_at)  # the last record is always signed

    def _flush_audit(
        self, table: Table, columns: Sequence[str], rows: list, checkpoints: list
    ) -> None:
        from audit.models import AuditCheckpoint

        for writer in self.writers:
            writer.write_text(table, columns, rows)
            if checkpoints:
                writer.write(
                    AuditCheckpoint.__table__,
                    ("seq", "hash", "signed_at", "key_id", "signature"),
                    checkpoints,
                )

    def finish(self) -> None:
        """The chain head, the audit indexes, planner statistics."""
        from audit.models import AuditEvent, AuditHead

        seq, chain_hash, checkpoint_seq, checkpoint_at = self._head
        head = AuditHead.__table__
        for writer in self.writers:
            statement = (
                update(head)
                .where(head.c.id == 1)
                .values(
                    seq=seq,
                    hash=chain_hash,
                    checkpoint_seq=checkpoint_seq,
                    checkpoint_at=checkpoint_at,
                )
                .compile(dialect=writer.dialect, compile_kwargs={"literal_binds": True})
            )
            writer.execute(str(statement))
        for writer in self.writers:
            for index in AuditEvent.__table__.indexes:
                writer.execute(str(_create_index(index, writer.dialect)))
            writer.execute("ANALYZE")


def _create_index(index: Any, dialect: Dialect) -> str:
    from sqlalchemy.schema import CreateIndex

    return str(CreateIndex(index).compile(dialect=dialect))


# The generated log is chained exactly as the app chains it.
CHAINED = CHAINED_FIELDS
COLUMNS = {
    "person": (
        "id",
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "chi",
        "created_at",
        "created_by_id",
    ),
    "plan": (
        "id",
        "person_id",
        "lead_agency_id",
        "key_worker_id",
        "agreed_on",
        "agreed_how",
        "version",
        "created_at",
        "updated_at",
    ),
    "key_worker_assignment": (
        "id",
        "plan_id",
        "agency_id",
        "staff_id",
        "agreed_on",
        "agreed_how",
        "started_at",
        "recorded_by_id",
    ),
    "plan_section": ("id", "plan_id", "key", "content", "version", "updated_at", "updated_by_id"),
    "plan_section_version": (
        "id",
        "section_id",
        "version",
        "content",
        "changed_fields",
        "changed_at",
        "changed_by_id",
    ),
    "care_team_member": (
        "id",
        "plan_id",
        "staff_id",
        "role",
        "valid_from",
        "valid_to",
        "how",
        "added_by_id",
        "added_at",
    ),
    "consent": (
        "id",
        "person_id",
        "grantee_agency_id",
        "grantee_sector",
        "sections",
        "purpose",
        "starts_on",
        "expires_on",
        "evidence_note",
        "recorded_by_id",
        "recorded_at",
        "effect",
        "method",
    ),
    "access_token": ("id", "user_id", "token_hash", "label", "scopes", "created_at", "expires_at"),
}


# --- entry points -------------------------------------------------------------------------
def app_for(url: str, folder: Path) -> Flask:
    from careplan import create_app

    keys = folder / "keys"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "AUDIT_KEY_FILE": str(keys / "audit.pem"),
            "DATA_KEYS_FILE": str(keys / "data-keys.json"),
        }
    )


def database_size(url: str) -> int:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def generate(folder: Path, scale: float, urls: list[str], show: bool = True) -> dict[str, Any]:
    """Make the data set in every database of `urls` (fresh, empty); return the figures."""
    from careplan.extensions import db

    folder.mkdir(parents=True, exist_ok=True)
    counts = Counts.at(scale)
    apps, writers = [], []
    for url in urls:
        app = app_for(url, folder)
        with app.app_context():
            db.create_all()
            dialect = db.engine.dialect
            db.engine.dispose()
        apps.append(app)
        if url.startswith("sqlite"):
            writers.append(SQLiteWriter(Path(url.removeprefix("sqlite:///")), dialect))
        else:
            writers.append(PostgresWriter(url, dialect))
    gen = Generator(apps[0], writers, counts, show)
    start = time.perf_counter()
    with apps[0].app_context():
        gen.timed("reference", lambda: (gen.data_keys(), gen.agencies(), gen.staff()))
        gen.timed("people_and_plans", gen.people)
        gen.timed("tokens", lambda: gen.tokens(folder))
        gen.timed("audit_records", gen.audit)
        gen.timed("indexes_and_analyze", gen.finish)
    for writer in writers:
        writer.close()
    total = time.perf_counter() - start
    return {
        "scale": scale,
        "counts": {
            "people": counts.people,
            "plans": counts.people,
            "sections": counts.people * len(SECTION_KEYS),
            "agencies": counts.agencies,
            "staff": counts.staff,
            "audit_records": counts.audit,
        },
        "seconds": round(total, 1),
        "steps_seconds": gen.timings,
        "audit_records_per_second": round(counts.audit / max(gen.timings["audit_records"], 0.001)),
        "note": "one generator pass writes every database; step times cover all of them",
        "databases": {
            ("sqlite" if url.startswith("sqlite") else "postgresql"): {
                "bytes": database_size(url),
                "mib": round(database_size(url) / 2**20),
            }
            for url in urls
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pg", default="", help="an empty PostgreSQL database URL")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    urls = [] if args.no_sqlite else [f"sqlite:///{args.folder.resolve() / 'careplan.sqlite'}"]
    if args.pg:
        urls.append(args.pg)
    load_average = round(os.getloadavg()[0], 2)
    result = generate(args.folder, args.scale, urls, show=sys.stderr.isatty() or True)
    result = {"load_average": load_average, **result}
    # What `bench.run --reuse` reads for the data set's figures.
    (args.folder / "dataset.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
