"""The structured content of each plan section.

Structure wherever practice has one (statuses, dates, offers, orders); free text only where
practice really is free text (a person's story, notes). Every field is optional because a
plan is filled in over time; rows in a list need the field that says what the row is.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, BaseSchema, DayRange
from careplan.core.text import readable

# A review is planned within three years (in Scotland's days; an overdue one stays valid).
REVIEW_YEARS = 3


def _review_horizon() -> date:
    today = clock.today()
    return today + timedelta(days=365 * REVIEW_YEARS + 1)


REVIEW = DayRange(
    EARLIEST_DAY,
    _review_horizon,
    f"Enter a review date no more than {REVIEW_YEARS} years from today (nor before 1900).",
)

SHORT = validate.Length(max=200)
LONG = validate.Length(max=5000)
ROWS = validate.Length(max=100)


def one_of(*values: str) -> validate.OneOf:
    return validate.OneOf(values)


def short(**kw: Any) -> fields.Str:
    return fields.Str(validate=SHORT, **kw)


def rows(schema: type[Schema]) -> fields.List:
    return fields.List(fields.Nested(schema), validate=ROWS)


def texts() -> fields.List:
    return fields.List(fields.Str(validate=SHORT), validate=ROWS)


ACTION_STATUS = one_of("to_do", "in_progress", "done", "overdue", "cancelled")
ACCOMMODATION = one_of(
    "rough_sleeping",
    "hostel",
    "supported_accommodation",
    "temporary_accommodation",
    "bed_and_breakfast",
    "sofa_surfing",
    "private_rented",
    "social_rented",
    "owner_occupier",
    "prison",
    "hospital",
    "residential_rehab",
    "other",
)
NEED = one_of("met", "unmet", "partly_met")


class ActionSchema(BaseSchema):
    action = fields.Str(required=True, validate=validate.Length(min=1, max=500))
    who = short()
    agency = short()
    by_when = fields.Date()
    status = fields.Str(validate=ACTION_STATUS)
    notes = fields.Str(validate=LONG)


# --- about me -------------------------------------------------------------------------
class CommunicationSchema(BaseSchema):
    preferred_contact = fields.Str(validate=one_of("phone", "text", "email", "letter", "in_person"))
    preferred_language = short()
    interpreter_needed = fields.Bool()
    accessibility_needs = fields.Str(validate=LONG)
    best_times = short()


class AboutMeSchema(BaseSchema):
    my_story = fields.Str(validate=LONG)
    what_matters = texts()
    communication = fields.Nested(CommunicationSchema)
    preferred_pronouns = fields.Str(validate=validate.Length(max=50))


# --- goals ----------------------------------------------------------------------------
class GoalSchema(BaseSchema):
    id = fields.Str(validate=validate.Length(max=64))
    goal = fields.Str(required=True, validate=validate.Length(min=1, max=500))
    why_it_matters = fields.Str(validate=LONG)
    status = fields.Str(
        validate=one_of("not_started", "in_progress", "achieved", "paused", "stopped")
    )
    set_on = fields.Date()
    review_on = fields.Date(validate=REVIEW)
    actions = rows(ActionSchema)


class GoalsSchema(BaseSchema):
    goals = rows(GoalSchema)


# --- personal housing plan ------------------------------------------------------------
class CurrentAccommodationSchema(BaseSchema):
    type = fields.Str(validate=ACCOMMODATION)
    tenure = fields.Str(
        validate=one_of(
            "none",
            "licence",
            "occupancy_agreement",
            "short_scottish_secure",
            "scottish_secure",
            "private_residential",
            "other",
        )
    )
    address = fields.Str(validate=validate.Length(max=500))
    since = fields.Date()
    landlord_or_provider = short()
    shared = fields.Bool()
    safe = fields.Bool()


class HousingHistorySchema(BaseSchema):
    type = fields.Str(required=True, validate=ACCOMMODATION)
    address_area = short()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    reason_left = fields.Str(
        validate=one_of(
            "eviction",
            "abandoned",
            "asked_to_leave",
            "end_of_tenancy",
            "moved_on",
            "prison",
            "hospital",
            "violence_or_harassment",
            "other",
        )
    )
    notes = fields.Str(validate=LONG)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError({"to": ["The end date must be on or after the start date."]})


class AvoidAreaSchema(BaseSchema):
    area = fields.Str(required=True, validate=SHORT)
    reason = fields.Str(validate=LONG)


class AvoidPersonSchema(BaseSchema):
    # A description ("ex-partner", "former dealer"), not another person's full identity.
    description = fields.Str(required=True, validate=SHORT)
    reason = fields.Str(validate=LONG)


class SupportNearbySchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT)
    type = short()
    area = short()


class SafetyNeedsSchema(BaseSchema):
    no_mixed_gender_shared = fields.Bool()
    ground_floor = fields.Bool()
    accessible = fields.Bool()
    away_from_substance_use = fields.Bool()
    pets = fields.Bool()
    other = fields.Str(validate=LONG)


class HomelessApplicationSchema(BaseSchema):
    status = fields.Str(
        validate=one_of(
            "not_applied",
            "applied",
            "assessed_homeless",
            "intentionally_homeless",
            "not_homeless",
            "duty_discharged",
            "closed",
        )
    )
    council = short()
    reference = fields.Str(validate=validate.Length(max=50))
    applied_on = fields.Date()
    decision_on = fields.Date()


class OfferSchema(BaseSchema):
    offered_on = fields.Date(required=True)
    property_type = short()
    area = short()
    landlord = short()
    outcome = fields.Str(
        required=True, validate=one_of("accepted", "refused", "withdrawn", "pending")
    )
    refusal_reason = fields.Str(validate=LONG)
    notes = fields.Str(validate=LONG)

    @validates_schema
    def _refusal_has_reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("outcome") == "refused" and not readable(data.get("refusal_reason") or ""):
            raise ValidationError({"refusal_reason": ["Say why the offer was refused."]})


class HousingSchema(BaseSchema):
    current_accommodation = fields.Nested(CurrentAccommodationSchema)
    housing_history = rows(HousingHistorySchema)
    preferred_areas = texts()
    areas_to_avoid = rows(AvoidAreaSchema)
    people_to_avoid = rows(AvoidPersonSchema)
    support_nearby = rows(SupportNearbySchema)
    safety_needs = fields.Nested(SafetyNeedsSchema)
    homeless_application = fields.Nested(HomelessApplicationSchema)
    offers = rows(OfferSchema)
    tenancy_sustainment = rows(ActionSchema)


# --- money ----------------------------------------------------------------------------
class IncomeSchema(BaseSchema):
    source = fields.Str(
        required=True,
        validate=one_of("universal_credit", "pip", "adp", "esa", "pension", "wages", "other"),
    )
    amount_per_month = fields.Decimal(
        as_string=True, places=2, validate=validate.Range(min=0, max=100000)
    )
    status = fields.Str(validate=one_of("receiving", "applied", "sanctioned", "stopped"))


class DebtSchema(BaseSchema):
    type = fields.Str(required=True, validate=SHORT)
    amount = fields.Decimal(as_string=True, places=2, validate=validate.Range(min=0))
    arrangement = fields.Str(validate=LONG)


class EverydayNeedsSchema(BaseSchema):
    food = fields.Str(validate=NEED)
    heating = fields.Str(validate=NEED)
    white_goods = fields.Str(validate=NEED)
    travel = fields.Str(validate=NEED)
    phone = fields.Str(validate=NEED)


class MoneySchema(BaseSchema):
    income = rows(IncomeSchema)
    debts = rows(DebtSchema)
    bank_account = fields.Bool()
    everyday_needs = fields.Nested(EverydayNeedsSchema)
    actions = rows(ActionSchema)


# --- health ---------------------------------------------------------------------------
class SubstanceSchema(BaseSchema):
    substance = fields.Str(required=True, validate=SHORT)
    route = fields.Str(validate=one_of("oral", "smoked", "injected", "snorted", "other"))
    frequency = short()
    last_used = fields.Date()


class TreatmentSchema(BaseSchema):
    service = short()
    ost = fields.Str(validate=one_of("none", "methadone", "buprenorphine", "buvidal", "other"))
    dose_notes = fields.Str(validate=LONG)
    started_on = fields.Date()


class HarmReductionSchema(BaseSchema):
    naloxone_supplied = fields.Bool()
    naloxone_supplied_on = fields.Date()
    injecting_equipment = fields.Bool()
    overdose_history = fields.Bool()
    notes = fields.Str(validate=LONG)


class SubstanceUseSchema(BaseSchema):
    substances = rows(SubstanceSchema)
    treatment = fields.Nested(TreatmentSchema)
    harm_reduction = fields.Nested(HarmReductionSchema)
    goals = fields.Str(validate=LONG)


class ConditionSchema(BaseSchema):
    condition = fields.Str(required=True, validate=SHORT)
    diagnosed = fields.Bool()
    notes = fields.Str(validate=LONG)


class MedicationSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT)
    notes = fields.Str(validate=LONG)


class ServiceSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT)
    contact = short()


class MentalHealthSchema(BaseSchema):
    conditions = rows(ConditionSchema)
    medication = rows(MedicationSchema)
    services = rows(ServiceSchema)
    summary = fields.Str(validate=LONG)


class PhysicalHealthSchema(MentalHealthSchema):
    gp_practice = short()


# --- family ---------------------------------------------------------------------------
class ChildSchema(BaseSchema):
    age = fields.Int(required=True, validate=validate.Range(min=0, max=25))
    lives_with = fields.Bool()
    social_work_involved = fields.Bool()
    notes = fields.Str(validate=LONG)


class CarerSchema(BaseSchema):
    relationship = fields.Str(required=True, validate=SHORT)
    contact_ok = fields.Bool()


class FamilySchema(BaseSchema):
    children = rows(ChildSchema)
    carers = rows(CarerSchema)
    family_contact_wishes = fields.Str(validate=LONG)


# --- safety ---------------------------------------------------------------------------
class RiskSchema(BaseSchema):
    type = fields.Str(
        required=True,
        validate=one_of(
            "overdose",
            "self_harm",
            "suicide",
            "violence_from_others",
            "violence_to_others",
            "exploitation",
            "domestic_abuse",
            "other",
        ),
    )
    notes = fields.Str(validate=LONG)


class RiskAssessmentSchema(BaseSchema):
    assessed_on = fields.Date()
    assessed_by = short()
    level = fields.Str(validate=one_of("low", "medium", "high"))
    risks = rows(RiskSchema)
    # For anyone going to see the person (issue 17: shown first on the plan's summary).
    do_not_visit_alone = fields.Bool()
    visiting_notes = fields.Str(validate=LONG)


class PhoneContactSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT)
    phone = fields.Str(validate=validate.Length(max=30))


class SafetyPlanSchema(BaseSchema):
    warning_signs = texts()
    coping = texts()
    people_to_contact = rows(PhoneContactSchema)
    crisis_steps = texts()


class SafetySchema(BaseSchema):
    risk_assessment = fields.Nested(RiskAssessmentSchema)
    safety_plan = fields.Nested(SafetyPlanSchema)
    review_on = fields.Date(validate=REVIEW)


# --- justice --------------------------------------------------------------------------
class OrderSchema(BaseSchema):
    type = fields.Str(
        required=True, validate=one_of("dtto", "cpo", "licence", "bail", "mapp", "other")
    )
    conditions = texts()
    start = fields.Date()
    end = fields.Date()
    supervising_officer = short()
    review_on = fields.Date(validate=REVIEW)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"end": ["The end date must be on or after the start date."]})


class CourtDateSchema(BaseSchema):
    date = fields.Date(required=True)
    court = short()
    purpose = short()


class JusticeSchema(BaseSchema):
    orders = rows(OrderSchema)
    court_dates = rows(CourtDateSchema)


# --- contacts -------------------------------------------------------------------------
class TeamContactSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT)
    role = short()
    agency = short()
    phone = fields.Str(validate=validate.Length(max=30))
    email = fields.Email()


class CrisisContactSchema(PhoneContactSchema):
    relationship = short()


class AppointmentSchema(BaseSchema):
    when = fields.DateTime(required=True)
    with_whom = short()
    where = short()
    purpose = short()


class ContactsSchema(BaseSchema):
    care_team = rows(TeamContactSchema)
    crisis_contacts = rows(CrisisContactSchema)
    appointments = rows(AppointmentSchema)


SCHEMAS: dict[str, type[Schema]] = {
    cls.__name__: cls
    for cls in (
        AboutMeSchema,
        GoalsSchema,
        HousingSchema,
        MoneySchema,
        SubstanceUseSchema,
        MentalHealthSchema,
        PhysicalHealthSchema,
        FamilySchema,
        SafetySchema,
        JusticeSchema,
        ContactsSchema,
    )
}
