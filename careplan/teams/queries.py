"""Reading teams and covers: who leads whom, who covers whom (no personal data of people
supported: these are staff records)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.teams.models import Cover, Team, TeamMember


def leaders_of_member(session: Session, staff_id: uuid.UUID) -> list[uuid.UUID]:
    """The active team leaders of every team `staff_id` is in (not themselves), by id."""
    mine = select(TeamMember.team_id).where(TeamMember.staff_id == staff_id)
    return list(
        session.scalars(
            select(TeamMember.staff_id)
            .join(User, User.id == TeamMember.staff_id)
            .where(
                TeamMember.team_id.in_(mine),
                TeamMember.leader.is_(True),
                TeamMember.staff_id != staff_id,
                User.active.is_(True),
            )
            .distinct()
            .order_by(TeamMember.staff_id)
        )
    )


def teams(session: Session, agency_id: uuid.UUID | None = None) -> list[Team]:
    """Every team (of one agency, if given), by agency then name."""
    query = select(Team).order_by(Team.agency_id, Team.name, Team.id)
    if agency_id is not None:
        query = query.where(Team.agency_id == agency_id)
    return list(session.scalars(query))


def led_by(session: Session, staff_id: uuid.UUID) -> list[Team]:
    """The teams `staff_id` leads, by name."""
    return list(
        session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.staff_id == staff_id, TeamMember.leader.is_(True))
            .order_by(Team.name, Team.id)
        )
    )


def leads(session: Session, team_id: uuid.UUID, staff_id: uuid.UUID) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    TeamMember.team_id == team_id,
                    TeamMember.staff_id == staff_id,
                    TeamMember.leader.is_(True),
                )
            )
        )
    )


def agency_has_teams(session: Session, agency_id: uuid.UUID | None) -> bool:
    if agency_id is None:
        return False
    return bool(session.scalar(select(exists().where(Team.agency_id == agency_id))))


def covers_given(session: Session, staff_id: uuid.UUID, today: date) -> list[Cover]:
    """Covers `staff_id` named for their absence, not yet over, soonest first."""
    return list(
        session.scalars(
            select(Cover)
            .where(Cover.staff_id == staff_id, Cover.ends_on >= today, Cover.ended_at.is_(None))
            .order_by(Cover.starts_on, Cover.id)
        )
    )


def covers_held(session: Session, staff_id: uuid.UUID, today: date) -> list[Cover]:
    """Covers `staff_id` holds for colleagues, not yet over, soonest first."""
    return list(
        session.scalars(
            select(Cover)
            .where(Cover.cover_id == staff_id, Cover.ends_on >= today, Cover.ended_at.is_(None))
            .order_by(Cover.starts_on, Cover.id)
        )
    )


def cover_overlapping(
    session: Session, staff_id: uuid.UUID, cover_id: uuid.UUID, starts_on: date, ends_on: date
) -> bool:
    """Whether `cover_id` already covers `staff_id` (not stopped) on any day from
    `starts_on` to `ends_on`."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Cover.staff_id == staff_id,
                    Cover.cover_id == cover_id,
                    Cover.ended_at.is_(None),
                    Cover.starts_on <= ends_on,
                    Cover.ends_on >= starts_on,
                )
            )
        )
    )


def end_covers_of(session: Session, staff_id: uuid.UUID, now: datetime) -> int:
    """Stop every cover `staff_id` named or holds that is not already stopped (their account
    is closing); returns how many."""
    result = session.execute(
        update(Cover)
        .where(
            or_(Cover.staff_id == staff_id, Cover.cover_id == staff_id),
            Cover.ended_at.is_(None),
        )
        .values(ended_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)
