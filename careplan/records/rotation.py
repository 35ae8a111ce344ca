"""Key rotation, in batches, while the service keeps serving.

1. Re-wrap: every data key not wrapped by the current key-encryption key is re-wrapped
   under it (a handful of rows). After this the old KEKs can be removed from the ring.
2. Re-encrypt (optional): each family gets a fresh data key, and every sealed value under
   an older data key is opened and sealed again, a batch per transaction. Readers are never
   blocked for long and never see an unreadable value: old data keys stay until then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.ask_and_act.models import HousingAsk
from careplan.corrections.models import Correction
from careplan.crisis.models import CrisisEvent
from careplan.meetings.models import Meeting, MeetingAttendee
from careplan.plans.models import CareTeamMember, Entry, Section, SectionVersion
from careplan.protection.models import DataKey
from careplan.protection.vault import PREFIX, Vault
from careplan.referrals.models import Referral, ReferralEvent
from careplan.subject_access.models import SubjectAccessRequest
from careplan.supporters.models import Supporter
from careplan.tasks.models import Task
from consent.models import BreakGlass, Consent

# model, sealed attribute, data key family
SEALED: tuple[tuple[Any, str, str], ...] = (
    (Section, "content", "section"),
    (SectionVersion, "content", "section"),
    (Entry, "text", "entry"),
    (Consent, "evidence_note", "consent"),
    (BreakGlass, "justification", "break_glass"),
    (CareTeamMember, "reason", "care_team"),
    (User, "totp_secret", "credential"),
    (Task, "title", "task"),
    (Task, "status_note", "task"),
    (Meeting, "person_views", "meeting"),
    (Meeting, "summary", "meeting"),
    (Meeting, "decisions", "meeting"),
    (MeetingAttendee, "name", "meeting"),
    (CrisisEvent, "note", "crisis"),
    (Correction, "text", "correction"),
    (Correction, "answer", "correction"),
    (Referral, "reason", "referral"),
    (Referral, "contact_note", "referral"),
    (Referral, "reason_text", "referral"),
    (ReferralEvent, "reason_text", "referral"),
    (HousingAsk, "note", "housing_ask"),
    (Entry, "error_reason", "entry"),
    (SubjectAccessRequest, "representative", "subject_access"),
    (SubjectAccessRequest, "extension_reason", "subject_access"),
    (SubjectAccessRequest, "note", "subject_access"),
    (SubjectAccessRequest, "refusal_text", "subject_access"),
    (Supporter, "described_as", "supporter"),
    (Supporter, "phone", "supporter"),
)


def rewrap(session: Session, vault: Vault) -> int:
    """Re-wrap data keys under the current KEK; returns how many were re-wrapped."""
    done = 0
    stale = session.scalars(select(DataKey).where(DataKey.kek_name != vault.ring.current)).all()
    for key in stale:
        key.wrapped = vault.rewrapped(key.id, key.family, key.kek_name, key.wrapped)
        key.kek_name = vault.ring.current
        done += 1
    session.commit()
    return done


def reencrypt(
    session: Session, vault: Vault, batch: int, progress: Callable[[str, int, int], None]
) -> int:
    """Fresh data keys, then every value sealed again under them. Returns values moved."""
    families = sorted({family for _, _, family in SEALED})
    session.execute(update(DataKey).where(DataKey.family.in_(families)).values(active=False))
    fresh = {family: vault.new_key(session, family)[0] for family in families}
    session.commit()
    moved = 0
    for model, attribute, family in SEALED:
        column = getattr(model, "_" + attribute)
        total = session.query(model).filter(column.is_not(None)).count()
        seen = 0
        for rows in _batches(session, model, column, batch):
            for row in rows:
                seen += 1
                sealed_text = getattr(row, "_" + attribute)
                if sealed_text.startswith(PREFIX) and vault.key_id_of(sealed_text) == fresh[family]:
                    continue
                setattr(row, attribute, getattr(row, attribute))
                moved += 1
            session.commit()
            progress(model.__tablename__, seen, total)
    return moved


def _batches(session: Session, model: Any, column: Any, size: int) -> Iterator[list[Any]]:
    last = None
    while True:
        query = select(model).where(column.is_not(None)).order_by(model.id).limit(size)
        if last is not None:
            query = query.where(model.id > last)
        rows = list(session.scalars(query))
        if not rows:
            return
        last = rows[-1].id
        yield rows
