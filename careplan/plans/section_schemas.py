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


def ask(question: str | None = None, hint: str | None = None) -> dict[str, str]:
    """A field's metadata: the `question` a form asks about it, to the member of staff
    about the person, in the design system's words (GOV.UK's question pages: "What is their
    housing situation now?"), published as the field's OpenAPI `description`; and `hint`,
    the hint text shown under it where it helps (issue 17). The form falls back on the
    field's name in plain words (careplan.core.labels) where there is no question: a group
    of questions or a list keeps its heading."""
    said = {"description": question} if question else {}
    return {**said, **({"hint": hint} if hint else {})}


def one_of(*values: str) -> validate.OneOf:
    return validate.OneOf(values)


def short(**kw: Any) -> fields.Str:
    return fields.Str(validate=SHORT, **kw)


def rows(schema: type[Schema], **kw: Any) -> fields.List:
    return fields.List(fields.Nested(schema), validate=ROWS, **kw)


def texts(**kw: Any) -> fields.List:
    return fields.List(fields.Str(validate=SHORT), validate=ROWS, **kw)


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
    action = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata=ask("What needs to be done?"),
    )
    who = short(
        metadata=ask("Who will do it?", "A name or a role, for example 'Key worker' or 'Sarah'.")
    )
    agency = short(metadata=ask("Which organisation will do it?"))
    by_when = fields.Date(metadata=ask("When should it be done by?"))
    status = fields.Str(validate=ACTION_STATUS, metadata=ask("How far has it got?"))
    notes = fields.Str(validate=LONG, metadata=ask("Anything else to say about it?"))


# --- about me -------------------------------------------------------------------------
class CommunicationSchema(BaseSchema):
    preferred_contact = fields.Str(
        validate=one_of("phone", "text", "email", "letter", "in_person"),
        metadata=ask("How do they like to be contacted?"),
    )
    preferred_language = short(metadata=ask("What language do they prefer?"))
    interpreter_needed = fields.Bool(metadata=ask("Do they need an interpreter?"))
    accessibility_needs = fields.Str(
        validate=LONG,
        metadata=ask(
            "Do they need anything to make contact easier?",
            "For example, large print, British Sign Language, or someone with them.",
        ),
    )
    best_times = short(
        metadata=ask("When is the best time to contact them?", "For example, 'Weekday mornings'.")
    )


class AboutMeSchema(BaseSchema):
    my_story = fields.Str(
        validate=LONG,
        metadata=ask(
            "What would they like people to know about them?", "In their own words where you can."
        ),
    )
    what_matters = texts(metadata=ask(hint="One thing on each line, in their own words."))
    communication = fields.Nested(CommunicationSchema)
    preferred_pronouns = fields.Str(
        validate=validate.Length(max=50),
        metadata=ask("What pronouns do they use?", "For example, she/her, he/him, they/them."),
    )


# --- goals ----------------------------------------------------------------------------
class GoalSchema(BaseSchema):
    id = fields.Str(validate=validate.Length(max=64))
    goal = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata=ask("What is the goal?", "In the person's words, for example 'Get my own flat'."),
    )
    why_it_matters = fields.Str(validate=LONG, metadata=ask("Why does it matter to them?"))
    status = fields.Str(
        validate=one_of("not_started", "in_progress", "achieved", "paused", "stopped"),
        metadata=ask("How is it going?"),
    )
    set_on = fields.Date(metadata=ask("When was the goal set?"))
    review_on = fields.Date(validate=REVIEW, metadata=ask("When will you look at it again?"))
    actions = rows(ActionSchema)


class GoalsSchema(BaseSchema):
    goals = rows(GoalSchema)


# --- personal housing plan ------------------------------------------------------------
class CurrentAccommodationSchema(BaseSchema):
    type = fields.Str(validate=ACCOMMODATION, metadata=ask("What is their housing situation now?"))
    tenure = fields.Str(
        validate=one_of(
            "none",
            "licence",
            "occupancy_agreement",
            "short_scottish_secure",
            "scottish_secure",
            "private_residential",
            "other",
        ),
        metadata=ask("What kind of tenancy or agreement do they have?"),
    )
    address = fields.Str(validate=validate.Length(max=500), metadata=ask("What is the address?"))
    since = fields.Date(metadata=ask("When did they start living there?"))
    landlord_or_provider = short(metadata=ask("Who is the landlord or provider?"))
    shared = fields.Bool(metadata=ask("Do they share the accommodation?"))
    safe = fields.Bool(metadata=ask("Do they feel safe there?"))


class HousingHistorySchema(BaseSchema):
    type = fields.Str(
        required=True, validate=ACCOMMODATION, metadata=ask("What kind of place was it?")
    )
    address_area = short(
        metadata=ask("Which area was it in?", "A town or area is enough, not the full address.")
    )
    from_ = fields.Date(data_key="from", metadata=ask("When did they move in?"))
    to = fields.Date(metadata=ask("When did they leave?"))
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
        ),
        metadata=ask("Why did they leave?"),
    )
    notes = fields.Str(validate=LONG, metadata=ask("Anything else to say about it?"))

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError({"to": ["The end date must be on or after the start date."]})


class AvoidAreaSchema(BaseSchema):
    area = fields.Str(required=True, validate=SHORT, metadata=ask("Which area should they avoid?"))
    reason = fields.Str(validate=LONG, metadata=ask("Why should they avoid it?"))


class AvoidPersonSchema(BaseSchema):
    # A description ("ex-partner", "former dealer"), not another person's full identity.
    description = fields.Str(
        required=True,
        validate=SHORT,
        metadata=ask(
            "Who should they avoid?",
            "Describe them, for example 'ex-partner'. Do not give their full name.",
        ),
    )
    reason = fields.Str(validate=LONG, metadata=ask("Why should they avoid them?"))


class SupportNearbySchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT, metadata=ask("What is the support called?"))
    type = short(
        metadata=ask("What kind of support is it?", "For example, 'recovery cafe' or 'GP'.")
    )
    area = short(metadata=ask("Which area is it in?"))


class SafetyNeedsSchema(BaseSchema):
    no_mixed_gender_shared = fields.Bool(
        metadata=ask("Do they need to avoid mixed-gender shared accommodation?")
    )
    ground_floor = fields.Bool(metadata=ask("Do they need to live on the ground floor?"))
    accessible = fields.Bool(metadata=ask("Do they need an accessible home?"))
    away_from_substance_use = fields.Bool(
        metadata=ask("Do they need to live away from drug or alcohol use?")
    )
    pets = fields.Bool(metadata=ask("Do they have pets who will live with them?"))
    other = fields.Str(
        validate=LONG, metadata=ask("Do they have any other needs to be safe at home?")
    )


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
        ),
        metadata=ask("Where has their homeless application got to?"),
    )
    council = short(metadata=ask("Which council is it with?"))
    reference = fields.Str(
        validate=validate.Length(max=50), metadata=ask("What is the council's reference?")
    )
    applied_on = fields.Date(metadata=ask("When did they apply?"))
    decision_on = fields.Date(metadata=ask("When was the decision made?"))


class OfferSchema(BaseSchema):
    offered_on = fields.Date(required=True, metadata=ask("When was the offer made?"))
    property_type = short(
        metadata=ask("What kind of property was offered?", "For example, 'one-bedroom flat'.")
    )
    area = short(metadata=ask("Which area is it in?"))
    landlord = short(metadata=ask("Who is the landlord?"))
    outcome = fields.Str(
        required=True,
        validate=one_of("accepted", "refused", "withdrawn", "pending"),
        metadata=ask("What happened with the offer?"),
    )
    refusal_reason = fields.Str(
        validate=LONG,
        metadata=ask("If they refused it, why?", "Needed when the offer was refused."),
    )
    notes = fields.Str(validate=LONG, metadata=ask("Anything else to say about it?"))

    @validates_schema
    def _refusal_has_reason(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("outcome") == "refused" and not readable(data.get("refusal_reason") or ""):
            raise ValidationError({"refusal_reason": ["Say why the offer was refused."]})


class HousingSchema(BaseSchema):
    current_accommodation = fields.Nested(CurrentAccommodationSchema)
    housing_history = rows(HousingHistorySchema)
    preferred_areas = texts(metadata=ask(hint="One area on each line."))
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
        metadata=ask("Where does the money come from?"),
    )
    amount_per_month = fields.Decimal(
        as_string=True,
        places=2,
        validate=validate.Range(min=0, max=100000),
        metadata=ask("How much is it each month, in pounds?", "For example, 393.45"),
    )
    status = fields.Str(
        validate=one_of("receiving", "applied", "sanctioned", "stopped"),
        metadata=ask("Are they getting it now?"),
    )


class DebtSchema(BaseSchema):
    type = fields.Str(
        required=True,
        validate=SHORT,
        metadata=ask("What is the debt?", "For example, 'rent arrears' or 'council tax'."),
    )
    amount = fields.Decimal(
        as_string=True,
        places=2,
        validate=validate.Range(min=0),
        metadata=ask("How much is owed, in pounds?", "For example, 1250.00"),
    )
    arrangement = fields.Str(
        validate=LONG,
        metadata=ask("Is there an arrangement to pay it?", "Who it is with and how much is paid."),
    )


class EverydayNeedsSchema(BaseSchema):
    food = fields.Str(validate=NEED, metadata=ask("Do they have enough food?"))
    heating = fields.Str(validate=NEED, metadata=ask("Can they heat their home?"))
    white_goods = fields.Str(
        validate=NEED, metadata=ask("Do they have a cooker, fridge and washing machine?")
    )
    travel = fields.Str(validate=NEED, metadata=ask("Can they get to where they need to go?"))
    phone = fields.Str(validate=NEED, metadata=ask("Do they have a phone they can use?"))


class MoneySchema(BaseSchema):
    income = rows(IncomeSchema)
    debts = rows(DebtSchema)
    bank_account = fields.Bool(metadata=ask("Do they have a bank account?"))
    everyday_needs = fields.Nested(EverydayNeedsSchema)
    actions = rows(ActionSchema)


# --- health ---------------------------------------------------------------------------
class SubstanceSchema(BaseSchema):
    substance = fields.Str(required=True, validate=SHORT, metadata=ask("Which drug or drink?"))
    route = fields.Str(
        validate=one_of("oral", "smoked", "injected", "snorted", "other"),
        metadata=ask("How do they take it?"),
    )
    frequency = short(
        metadata=ask("How often do they use it?", "For example, 'daily' or 'at weekends'.")
    )
    last_used = fields.Date(metadata=ask("When did they last use it?"))


class TreatmentSchema(BaseSchema):
    service = short(metadata=ask("Which service are they getting treatment from?"))
    ost = fields.Str(
        validate=one_of("none", "methadone", "buprenorphine", "buvidal", "other"),
        metadata=ask("Are they on opioid substitution therapy?"),
    )
    dose_notes = fields.Str(validate=LONG, metadata=ask("What is their dose, and any changes?"))
    started_on = fields.Date(metadata=ask("When did the treatment start?"))


class HarmReductionSchema(BaseSchema):
    naloxone_supplied = fields.Bool(metadata=ask("Have they been given naloxone?"))
    naloxone_supplied_on = fields.Date(metadata=ask("When were they given naloxone?"))
    injecting_equipment = fields.Bool(metadata=ask("Do they get injecting equipment?"))
    overdose_history = fields.Bool(metadata=ask("Have they overdosed before?"))
    notes = fields.Str(validate=LONG, metadata=ask("Anything else about keeping them safer?"))


class SubstanceUseSchema(BaseSchema):
    substances = rows(SubstanceSchema)
    treatment = fields.Nested(TreatmentSchema)
    harm_reduction = fields.Nested(HarmReductionSchema)
    goals = fields.Str(
        validate=LONG, metadata=ask("What do they want to change about their drug or alcohol use?")
    )


class ConditionSchema(BaseSchema):
    condition = fields.Str(required=True, validate=SHORT, metadata=ask("What is the condition?"))
    diagnosed = fields.Bool(metadata=ask("Has it been diagnosed?"))
    notes = fields.Str(validate=LONG, metadata=ask("Anything else to say about it?"))


class MedicationSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT, metadata=ask("What is the medicine called?"))
    notes = fields.Str(
        validate=LONG,
        metadata=ask("Anything to know about it?", "For example, the dose, or when they take it."),
    )


class ServiceSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT, metadata=ask("What is the service called?"))
    contact = short(
        metadata=ask("How do you contact the service?", "A phone number or email address.")
    )


class MentalHealthSchema(BaseSchema):
    conditions = rows(ConditionSchema)
    medication = rows(MedicationSchema)
    services = rows(ServiceSchema)
    summary = fields.Str(validate=LONG, metadata=ask("How are they now, in a few words?"))


class PhysicalHealthSchema(MentalHealthSchema):
    gp_practice = short(metadata=ask("Which GP practice are they registered with?"))


# --- family ---------------------------------------------------------------------------
class ChildSchema(BaseSchema):
    age = fields.Int(
        required=True,
        validate=validate.Range(min=0, max=25),
        metadata=ask("How old is the child?", "In years."),
    )
    lives_with = fields.Bool(metadata=ask("Does the child live with them?"))
    social_work_involved = fields.Bool(metadata=ask("Is social work involved with the child?"))
    notes = fields.Str(validate=LONG, metadata=ask("Anything else to say?"))


class CarerSchema(BaseSchema):
    relationship = fields.Str(
        required=True,
        validate=SHORT,
        metadata=ask("Who is the carer to them?", "For example, 'mother' or 'friend'."),
    )
    contact_ok = fields.Bool(metadata=ask("Are they happy for the carer to be contacted?"))


class FamilySchema(BaseSchema):
    children = rows(ChildSchema)
    carers = rows(CarerSchema)
    family_contact_wishes = fields.Str(
        validate=LONG, metadata=ask("What contact would they like with their family?")
    )


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
        metadata=ask("What is the risk?"),
    )
    notes = fields.Str(validate=LONG, metadata=ask("What do people need to know about it?"))


class RiskAssessmentSchema(BaseSchema):
    assessed_on = fields.Date(metadata=ask("When was the risk assessed?"))
    assessed_by = short(metadata=ask("Who assessed it?"))
    level = fields.Str(
        validate=one_of("low", "medium", "high"), metadata=ask("How high is the risk overall?")
    )
    risks = rows(RiskSchema)
    # For anyone going to see the person (issue 17: shown first on the plan's summary).
    do_not_visit_alone = fields.Bool(
        metadata=ask(
            "Should staff never visit them alone?",
            "Shown first on the plan to anyone who may visit.",
        )
    )
    visiting_notes = fields.Str(
        validate=LONG, metadata=ask("What does anyone visiting need to know?")
    )


class PhoneContactSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT, metadata=ask("Who is it?"))
    phone = fields.Str(
        validate=validate.Length(max=30), metadata=ask("What is their phone number?")
    )


class SafetyPlanSchema(BaseSchema):
    warning_signs = texts(
        metadata=ask(
            hint="What tells them, or the people close to them, that things are getting "
            "harder. One on each line."
        )
    )
    coping = texts(metadata=ask(hint="What helps them get through. One on each line."))
    people_to_contact = rows(PhoneContactSchema)
    crisis_steps = texts(metadata=ask(hint="What to do, in order, if they are in crisis."))


class SafetySchema(BaseSchema):
    risk_assessment = fields.Nested(RiskAssessmentSchema)
    safety_plan = fields.Nested(SafetyPlanSchema)
    review_on = fields.Date(
        validate=REVIEW, metadata=ask("When will you look at the safety plan again?")
    )


# --- justice --------------------------------------------------------------------------
class OrderSchema(BaseSchema):
    type = fields.Str(
        required=True,
        validate=one_of("dtto", "cpo", "licence", "bail", "mapp", "other"),
        metadata=ask("What kind of order is it?"),
    )
    conditions = texts(metadata=ask(hint="One condition of the order on each line."))
    start = fields.Date(metadata=ask("When did it start?"))
    end = fields.Date(metadata=ask("When does it end?"))
    supervising_officer = short(metadata=ask("Who is the supervising officer?"))
    review_on = fields.Date(validate=REVIEW, metadata=ask("When is it next reviewed?"))

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"end": ["The end date must be on or after the start date."]})


class CourtDateSchema(BaseSchema):
    date = fields.Date(required=True, metadata=ask("When is it?"))
    court = short(metadata=ask("Which court?"))
    purpose = short(metadata=ask("What is it for?", "For example, 'review' or 'trial'."))


class JusticeSchema(BaseSchema):
    orders = rows(OrderSchema)
    court_dates = rows(CourtDateSchema)


# --- contacts -------------------------------------------------------------------------
class TeamContactSchema(BaseSchema):
    name = fields.Str(required=True, validate=SHORT, metadata=ask("What is their name?"))
    role = short(metadata=ask("What is their role?"))
    agency = short(metadata=ask("Which organisation do they work for?"))
    phone = fields.Str(
        validate=validate.Length(max=30), metadata=ask("What is their phone number?")
    )
    email = fields.Email(metadata=ask("What is their email address?"))


class CrisisContactSchema(PhoneContactSchema):
    relationship = short(
        metadata=ask("Who are they to the person?", "For example, 'sister' or 'support worker'.")
    )


class AppointmentSchema(BaseSchema):
    when = fields.DateTime(required=True, metadata=ask("When is it?"))
    with_whom = short(metadata=ask("Who is it with?"))
    where = short(metadata=ask("Where is it?"))
    purpose = short(metadata=ask("What is it for?"))


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
