"""Plain words for stored names: field names and choice values as people say them."""

from __future__ import annotations

from typing import Any

FIELD_LABELS = {
    "my_story": "My story",
    "what_matters": "What matters to me",
    "communication": "How to communicate with me",
    "preferred_pronouns": "Pronouns",
    "why_it_matters": "Why it matters",
    "set_on": "Set on",
    "review_on": "Review date",
    "by_when": "By when",
    "who": "Who will do it",
    "current_accommodation": "Where I live now",
    "housing_history": "Where I have lived",
    "address_area": "Area",
    "from": "From",
    "to": "To",
    "reason_left": "Why I left",
    "preferred_areas": "Areas I would like to live in",
    "areas_to_avoid": "Areas to avoid",
    "people_to_avoid": "People to avoid",
    "support_nearby": "Support nearby",
    "safety_needs": "Safety needs",
    "no_mixed_gender_shared": "No mixed-gender shared accommodation",
    "away_from_substance_use": "Away from drug or alcohol use",
    "homeless_application": "Homeless application",
    "offers": "Offers of housing",
    "offered_on": "Offered on",
    "refusal_reason": "Why it was refused",
    "tenancy_sustainment": "Keeping my tenancy",
    "landlord_or_provider": "Landlord or provider",
    "amount_per_month": "Amount per month (£)",
    "amount": "Amount (£)",
    "everyday_needs": "Everyday needs",
    "white_goods": "White goods (cooker, fridge, washing machine)",
    "bank_account": "Has a bank account",
    "ost": "Opioid substitution therapy",
    "dose_notes": "Dose notes",
    "harm_reduction": "Harm reduction",
    "naloxone_supplied": "Naloxone supplied",
    "naloxone_supplied_on": "Naloxone supplied on",
    "injecting_equipment": "Injecting equipment",
    "overdose_history": "Has overdosed before",
    "gp_practice": "GP practice",
    "lives_with": "Lives with the person",
    "social_work_involved": "Social work involved",
    "contact_ok": "Happy to be contacted",
    "family_contact_wishes": "Contact with family",
    "risk_assessment": "Risk assessment",
    "safety_plan": "Safety and crisis plan",
    "warning_signs": "Warning signs",
    "people_to_contact": "People to contact",
    "crisis_steps": "What to do in a crisis",
    "court_dates": "Court dates",
    "supervising_officer": "Supervising officer",
    "care_team": "Care team",
    "crisis_contacts": "Crisis contacts",
    "with_whom": "With",
    "when": "When",
    "interpreter_needed": "Needs an interpreter",
    "accessibility_needs": "Accessibility needs",
    "best_times": "Best times to contact me",
}

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
    "self_service": "Online, by the person",
    "art6_1_e_art9_2_h": "Public task and health or social care (Art 6(1)(e), 9(2)(h))",
    "art6_1_f": "Legitimate interests (Art 6(1)(f))",
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
    if basis == "self":
        return "This is your own plan."
    if basis.startswith("consent:"):
        return "They agreed to share this with your organisation, and you are in their care team."
    if basis.startswith("breakglass:"):
        return "Emergency access. This is recorded, reviewed and shown to the person."
    return ""
