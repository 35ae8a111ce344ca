"""Plain words for stored names: field names and choice values as people say them."""

from __future__ import annotations

from typing import Any

from careplan.core.labels import FIELD_LABELS

VALUE_LABELS = {
    "to_do": "To do",
    "dtto": "Drug Treatment and Testing Order (DTTO)",
    "cpo": "Community Payback Order",
    "mapp": "MAPPA",
    "pip": "Personal Independence Payment",
    "adp": "Adult Disability Payment",
    "esa": "Employment and Support Allowance",
    "short_scottish_secure": "Short Scottish secure tenancy",
    "scottish_secure": "Scottish secure tenancy",
    "private_residential": "Private residential tenancy",
    "in_person": "In person",
    "third_sector": "Third sector (charities)",
    "nhs": "NHS",
    "statutory": "Statutory (NHS and council)",
    "standard": "Standard",
    "sensitive": "Sensitive",
    "restricted": "Restricted",
    "risk_to_life": "Risk to life",
    "serious_harm": "Risk of serious harm",
    "needs_follow_up": "Needs follow-up",
    "inappropriate": "Not appropriate",
    "ig_officer": "Information governance officer",
    "admin": "Administrator",
    "directory_manager": "Directory manager",
    "referral_coordinator": "Referral coordinator",
    "self_service": "Online, by the person",
    "art6_1_e_art9_2_h": "Public task and health or social care (Art 6(1)(e), 9(2)(h))",
    "art6_1_f": "Legitimate interests (Art 6(1)(f))",
    # Subject access requests (careplan.subject_access.models).
    "through_staff": "Told to a member of staff",
    "signed_authority": "The person's signed authority",
    "power_of_attorney": "Power of attorney",
    "guardianship": "Guardianship or intervention order",
    "known_to_staff": "Known to staff who met them",
    "photo_id": "Photo identification",
    "documents": "Documents, such as a benefits letter",
    "signed_in": "Asked from their own verified account",
    "manifestly_unfounded": "Manifestly unfounded",
    "manifestly_excessive": "Manifestly excessive",
    "identity_not_confirmed": "Identity could not be confirmed",
    "authority_not_shown": "No authority to act for the person was shown",
}


def _words(name: str) -> str:
    text = name.strip("_").replace("_", " ")
    return text[:1].upper() + text[1:]


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or _words(name)


def value_label(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = str(value)
    return VALUE_LABELS.get(text) or _words(text)


def basis_words(basis: str | None) -> str:
    """Why a staff member can see a section, in a sentence."""
    if not basis:
        return ""
    if basis == "key_worker":
        return "You are their key worker."
    if basis == "lead_agency":
        return "You work in their lead agency."
    if basis == "key_worker_team":
        return "You are in their key worker's team."
    if basis == "team_leader":
        return "You lead their key worker's team. You can read the plan, for supervision."
    if basis.startswith("cover:"):
        return "You are covering for their key worker while they are away."
    if basis == "self":
        return "This is your own plan."
    if basis.startswith("consent:"):
        return "They agreed to share this with your organisation, and you are in their care team."
    if basis.startswith("referral:"):
        return "They agreed to send this to your organisation with a referral."
    if basis.startswith("referrer:"):
        return "You made this referral."
    if basis.startswith("breakglass:"):
        return "Emergency access. This is recorded, reviewed and shown to the person."
    if basis.startswith("handed_over:"):
        return "You were their key worker: you can read the plan for a while after the hand-over."
    if basis.startswith("task_owner"):
        return "You or your organisation were given an action for them: you see that action only."
    if basis.startswith("supporter:"):
        return (
            "They chose to share this with you, as someone supporting them. They can stop "
            "at any time."
        )
    return ""
