"""The relationships that give a caller a basis for a person, strongest first.

Each tie reads its own facts from the context (loaded by its relationship source,
`careplan.access.sources`) and answers, for one section or for the plan as a whole:
- None: it does not hold; the policy asks the next tie;
- a Denial: it holds, but a rule of the person's or of the agreement refuses;
- a Basis: it holds, and the rule table for that basis decides what is allowed.
A new relationship (a supporter, a team, a cover) is one more tie here, one more
field of facts in the context, one source that loads it and one row in each rule table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from careplan.access.context import AccessContext, ConsentFact
from careplan.access.decision import BASES, Basis, BasisKind, Denial, DenialKind
from careplan.access.rules import consent_serves
from careplan.access.subject import Role


class Tie(Protocol):
    # Standing: reaches the plan and the person as a whole by itself. Otherwise the tie
    # reaches them only through a section it opens.
    standing: bool

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        """For section `key` (None: the plan or person as a whole, for standing ties)."""
        ...


@dataclass(frozen=True)
class KeyWorker:
    standing: bool = True

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        # A refusal does not bind the key worker the person agreed to.
        return BASES[BasisKind.KEY_WORKER] if context.is_key_worker else None


@dataclass(frozen=True)
class Cover:
    """A colleague covering the key worker's absence sees what the key worker sees, for
    the dates the key worker named; the person's refusals bind them (they are not the
    key worker the person agreed to)."""

    standing: bool = True

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        cover = context.active_cover
        if cover is None:
            return None
        refusal = active_refusal(context, key) if key is not None else None
        if refusal is not None:
            return Denial(DenialKind.REFUSED, refusal.id)
        return Basis(BasisKind.COVER, cover.id)


@dataclass(frozen=True)
class LeadAgency:
    """Staff of the lead agency. Where it is organised in teams (issue 22: need to know,
    Caldicott principles 3 and 4), only a team leader of the key worker's team
    (`team_leader`, read only, for supervision) or a member of one of the key worker's
    teams (`key_worker_team`) holds this tie; other colleagues reach the person as anyone
    else does (care team, cover, emergency access). A refusal beats any of them."""

    standing: bool = True

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        kind = lead_agency_kind(context)
        if kind is None:
            return None
        refusal = active_refusal(context, key) if key is not None else None
        if refusal is not None:
            return Denial(DenialKind.REFUSED, refusal.id)
        return BASES[kind]


@dataclass(frozen=True)
class BreakGlass:
    standing: bool = False

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        emergency = context.active_break_glass
        if emergency is None or key is None:
            return None
        # An emergency overrides consent and refusal, within the agreement, visibly.
        problem = agreement_problem(context, key)
        if problem is not None:
            return Denial(problem)
        return Basis(BasisKind.BREAK_GLASS, emergency.id)


@dataclass(frozen=True)
class WarmHandOver:
    """The previous key worker after a hand-over to another lead agency reads the plan,
    and changes nothing, until their place ends (issue 20). Within the sharing agreement
    of their agency now, and bound by the person's refusals like anyone not their key
    worker; no consent is needed: the person agreed to them as key worker, and the
    hand-over keeps them only while the new key worker takes over."""

    standing: bool = False

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        place = context.warm_hand_over
        if key is None or place is None:
            return None
        return _bounds(context, key) or Basis(BasisKind.HANDED_OVER, place.id)


@dataclass(frozen=True)
class CareTeam:
    standing: bool = False

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        if key is None or not context.in_care_team:
            return None
        granted = _bounds(context, key) or _consent(context, key, context.consents_for_me)
        if isinstance(granted, Denial):
            return granted
        return Basis(BasisKind.CONSENT, granted.id)


@dataclass(frozen=True)
class Referral:
    """The receiving agency's referral coordinators, before anyone there joins the care
    team: the sections the person agreed to send with a referral (a consent whose
    `referral_id` names it), and nothing else (issue 19, basis `referral:<id>`). The
    agreement ceiling, refusals, withdrawal and the consent's end apply as to any consent."""

    standing: bool = False

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        if key is None or not context.subject.has(Role.REFERRAL_COORDINATOR):
            return None
        travelling = [c for c in context.consents_for_me if c.referral_id is not None]
        if not travelling:
            return None
        granted = _bounds(context, key) or _consent(context, key, travelling)
        if isinstance(granted, Denial):
            return granted
        return Basis(BasisKind.REFERRAL, granted.referral_id)


@dataclass(frozen=True)
class Supporter:
    """A family member, carer or independent advocate the person (or their key worker
    with them) invited to see chosen sections until a date (issue 20, basis
    `supporter:<id>`). Only those sections, only while the place is in force and the plan
    open: the person's choice is the whole of it, so a section they did not choose is
    refused as not shared, and the place ends at once when they stop sharing. A closed
    plan shows a supporter nothing: staff keep reading a closed plan for the record they
    answer for, a supporter was shown it to help with care that has stopped (Caldicott
    principle 3, the minimum needed; it shows again if the plan reopens while the place is
    in force). A supporter has no agency, so no agreement ceiling applies and no refusal
    (which names an agency or a sector) can name them; the person ends the place instead."""

    standing: bool = False

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        place = context.active_supporter
        if key is None or place is None:
            return None
        if context.plan is not None and context.plan.closed_on is not None:
            return Denial(DenialKind.CLOSED)
        if key not in place.sections:
            return Denial(DenialKind.NO_CONSENT)
        return Basis(BasisKind.SUPPORTER, place.id)


@dataclass(frozen=True)
class TaskOwner:
    """The caller or their agency owns a task for the person. It reaches tasks only (the
    policy asks it for task records, after the ties above): never a section, the plan or
    the person as a whole, so it is not in `TIES`. `key`: the task's id as text (holds if
    that task is owned and `owner_stop` lets it), or None for the person's task list
    (holds if any owned task is still theirs to see)."""

    standing: bool = False

    def basis(self, context: AccessContext, key: str | None) -> Basis | Denial | None:
        owned = [t for t in context.tasks_owned if key is None or str(t.id) == key]
        if not owned:
            return None
        stops = [owner_stop(context, t.section) for t in owned]
        if key is None:
            if any(stop is None for stop in stops):
                return Basis(BasisKind.TASK_OWNER)
            return stops[0]
        return stops[0] or Basis(BasisKind.TASK_OWNER, owned[0].id)


def owner_stop(context: AccessContext, section_key: str | None) -> Denial | None:
    """What ends a task owner's sight of a task about section `section_key` (None: about
    the plan as a whole), though the key worker gave it to them: the person's word and the
    agreement still bind (BRIEF.md, "sharing rules"; the walks of issue 20 found owners
    still reading and changing actions after the person withdrew their consent, and
    after their agency's agreement ended).

    - the caller's agency's sharing agreement must be in force and, for an action about a
      section, reach that section;
    - a refusal in force of the action's section ends it; for an action about the whole
      plan, refusals that together name every section do;
    - every consent the agency held being withdrawn or expired, with none in force, ends
      it (the person stopped sharing with the agency altogether), whatever the section;
      so does a consent over the action's own section that was withdrawn or has expired
      with none over it in force. A consent not started yet brings nothing back.
    An owner whose agency the person never gave a consent or a refusal to sees their own
    actions: the key worker, lead agency or cover who gave them chose to share that much
    (a care-team member on a consent gives actions within the plan's own ties only:
    `careplan.tasks.services.owner_outside_ties`).
    """
    if section_key is not None:
        problem = agreement_problem(context, section_key)
        if problem is not None:
            return Denial(problem)
        refusal = active_refusal(context, section_key)
        if refusal is not None:
            return Denial(DenialKind.REFUSED, refusal.id)
    else:
        problem = _agreement_lapsed(context)
        if problem is not None:
            return Denial(problem)
        refused = [k for k in context.sensitivity if active_refusal(context, k) is not None]
        if context.sensitivity and len(refused) == len(context.sensitivity):
            return Denial(DenialKind.REFUSED, active_refusal(context, refused[0]).id)
    permits = [c for c in context.consents_for_me if c.permit]
    lapsed = _lapsed(permits, context.today)
    if lapsed is None and section_key is not None:
        lapsed = _lapsed([c for c in permits if c.covers(section_key)], context.today)
    return Denial(lapsed) if lapsed is not None else None


def _lapsed(consents: list[ConsentFact], today: date) -> DenialKind | None:
    """WITHDRAWN or EXPIRED where `consents` exist and none is in force (one withdrawn
    counts before one expired); None where there are none or one is in force, or where
    the only others have not started."""
    statuses = {c.status(today) for c in consents}
    if not consents or "active" in statuses:
        return None
    if "withdrawn" in statuses:
        return DenialKind.WITHDRAWN
    if "expired" in statuses:
        return DenialKind.EXPIRED
    return None


def _agreement_lapsed(context: AccessContext) -> DenialKind | None:
    """Why the caller's agency has no sharing agreement in force, if it has none."""
    agreement = context.agreement
    if agreement is None:
        return DenialKind.NO_AGREEMENT
    if agreement.valid_until < context.today:
        return DenialKind.AGREEMENT_EXPIRED
    return None


# Strongest first: the first tie that holds decides.
TIES: tuple[Tie, ...] = (
    KeyWorker(),
    Cover(),
    LeadAgency(),
    BreakGlass(),
    WarmHandOver(),
    CareTeam(),
    Referral(),
    Supporter(),
)
TASK_OWNER = TaskOwner()


def lead_agency_kind(context: AccessContext) -> BasisKind | None:
    """The caller's tie through the plan's lead agency (the one copy of the rule, for the
    plan and for records about it such as referrals): `lead_agency` where the agency has
    no teams; `team_leader` or `key_worker_team` where it has and the caller leads, or is
    in, one of the key worker's teams; None otherwise (issue 22)."""
    if not context.in_lead_agency:
        return None
    teams = context.teams
    if teams is None or not teams.organised:
        return BasisKind.LEAD_AGENCY
    if teams.led:
        return BasisKind.TEAM_LEADER
    if teams.shared:
        return BasisKind.KEY_WORKER_TEAM
    return None


def active_refusal(context: AccessContext, key: str) -> ConsentFact | None:
    """The person's refusal in force of `key` to the caller's agency or sector."""
    today = context.today
    return _first(
        c
        for c in context.consents_for_me
        if not c.permit and c.covers(key) and c.status(today) == "active"
    )


def _first(candidates: Iterator[ConsentFact]) -> ConsentFact | None:
    # The lowest id, not the first created, so the answer does not depend on record
    # order: the candidates come from `consents_for_me`, which is in id order.
    return next(candidates, None)


def _bounds(context: AccessContext, key: str) -> Denial | None:
    """What stops any tie short of the key worker's and the lead agency's from reaching
    section `key`: the caller's agency's sharing agreement, then the person's refusal to
    that agency or sector (BRIEF.md, "sharing rules")."""
    problem = agreement_problem(context, key)
    if problem is not None:
        return Denial(problem)
    refusal = active_refusal(context, key)
    return Denial(DenialKind.REFUSED, refusal.id) if refusal is not None else None


def _consent(
    context: AccessContext, key: str, consents: Iterable[ConsentFact]
) -> ConsentFact | Denial:
    """Of `consents`, the permitting one in force over section `key` that serves the
    request's purpose (careplan.access.purposes), lowest id first; else why none does."""
    covering = [c for c in consents if c.permit and c.covers(key)]
    active = [c for c in covering if c.status(context.today) == "active"]
    granted = _first(c for c in active if consent_serves(c.purpose, context.purpose))
    if granted is None:
        return Denial(DenialKind.PURPOSE if active else _why_no_consent(covering, context))
    return granted


def _why_no_consent(covering: list[ConsentFact], context: AccessContext) -> DenialKind:
    statuses = {c.status(context.today) for c in covering}
    if "withdrawn" in statuses:
        return DenialKind.WITHDRAWN
    if "expired" in statuses:
        return DenialKind.EXPIRED
    return DenialKind.NO_CONSENT


def agreement_problem(context: AccessContext, key: str) -> DenialKind | None:
    """Why the caller's agency's sharing agreement does not reach section `key`, if not."""
    agreement = context.agreement
    if agreement is None:
        return DenialKind.NO_AGREEMENT
    if agreement.valid_until < context.today:
        return DenialKind.AGREEMENT_EXPIRED
    too_sensitive = context.sensitivity.get(key, 99) > agreement.max_sensitivity
    if too_sensitive or (agreement.sections is not None and key not in agreement.sections):
        return DenialKind.AGREEMENT_CEILING
    return None
