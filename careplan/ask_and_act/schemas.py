"""Input and output shapes for "ask and act" records and the duty's report.

Answers, actions and outcomes are checked against the configured rules
(careplan.ask_and_act.rules) when a request is loaded, so a change to the file changes
what is accepted without a code change.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.ask_and_act.rules import current
from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, BaseSchema, DayRange
from careplan.directory.councils import by_code

ASKED = DayRange(EARLIEST_DAY, clock.today, "Enter the date you asked: today or before.")


def _one_of(kind: str, message: str) -> Any:
    def check(value: str) -> None:
        if value not in current().codes(kind):
            raise ValidationError(message)

    return check


def _council(value: str) -> None:
    if value not in by_code():
        raise ValidationError("Choose the council area from the list.")


class Codes(fields.List):
    """A list of configured codes, each once; one message for the field (a page shows it
    beside the checkboxes, not beside one box)."""

    def __init__(self, kind: str, message: str, **kwargs: Any) -> None:
        super().__init__(fields.Str(), validate=validate.Length(max=20), **kwargs)
        self.kind, self.message = kind, message

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        try:
            found = super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            raise ValidationError(self.message) from exc
        if any(code not in current().codes(self.kind) for code in found):
            raise ValidationError(self.message)
        if len(set(found)) != len(found):
            raise ValidationError("Choose each action once.")
        return found


ACTION_WORDS = "Choose actions from the list."


class HousingAskCreateSchema(BaseSchema):
    asked_on = fields.Date(
        required=True, validate=ASKED, metadata={"label": "the date you asked them"}
    )
    council_code = fields.Str(
        required=True,
        validate=_council,
        metadata={"label": "the council area", "required_message": "Choose the council area"},
    )
    answer = fields.Str(
        required=True,
        validate=_one_of("answers", "Choose what they told you from the list."),
        metadata={"label": "what they told you", "required_message": "Choose what they told you"},
    )
    actions_offered = Codes("actions", ACTION_WORDS, load_default=list)
    actions_accepted = Codes("actions", ACTION_WORDS, load_default=list)
    referral_id = fields.UUID(load_default=None)
    note = fields.Str(load_default=None, validate=validate.Length(max=5000))

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        offered = set(data.get("actions_offered") or ())
        taken = set(data.get("actions_accepted") or ())
        if taken - offered:
            raise ValidationError(
                {"actions_accepted": ["They can only take up an action you offered."]}
            )
        rules = current()
        answer = data.get("answer")
        acts = any(c.acts for c in rules.answers if c.code == answer)
        if offered and not acts and answer is not None:
            raise ValidationError(
                {"actions_offered": ["Offer actions only when their home is at risk or lost."]}
            )


class HousingAskUpdateSchema(BaseSchema):
    """The outcome recorded later, and the referral it led to (If-Match)."""

    outcome = fields.Str(
        load_default=None,
        validate=_one_of("outcomes", "Choose what came of it from the list."),
        metadata={"label": "what came of it"},
    )
    outcome_on = fields.Date(
        load_default=None, validate=ASKED, metadata={"label": "the date it came to this"}
    )
    referral_id = fields.UUID(load_default=None)

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("outcome") is None and data.get("referral_id") is None:
            raise ValidationError({"outcome": ["Choose what came of it."]})


class ReferralRefSchema(BaseSchema):
    id = fields.UUID()
    status = fields.Str()


class HousingAskSchema(BaseSchema):
    id = fields.UUID()
    person_id = fields.UUID()
    asked_on = fields.Date()
    asked_by = fields.Str()
    agency = fields.Str()
    council_code = fields.Str()
    council = fields.Str()
    under_duty = fields.Bool()
    answer = fields.Str()
    answer_label = fields.Str()
    actions_offered = fields.List(fields.Str())
    actions_accepted = fields.List(fields.Str())
    referral = fields.Nested(ReferralRefSchema, allow_none=True)
    outcome = fields.Str(allow_none=True)
    outcome_label = fields.Str(allow_none=True)
    outcome_on = fields.Date(allow_none=True)
    note = fields.Str(allow_none=True)
    version = fields.Int()
    created_at = fields.Str()


class HousingDutyQuery(BaseSchema):
    start = fields.Date(required=True, data_key="from", metadata={"label": "the first day"})
    end = fields.Date(required=True, data_key="to", metadata={"label": "the last day"})
    by = fields.Str(
        load_default="agency",
        validate=validate.OneOf(["agency", "council"], error="Choose agency or council."),
    )

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"to": ["The last day must be on or after the first day."]})


class HousingDutyRowSchema(BaseSchema):
    group_id = fields.Str()
    group = fields.Str()
    # A count, or null where it is below the suppression threshold (never a small number).
    counts = fields.Dict(keys=fields.Str(), values=fields.Int(allow_none=True))


class HousingDutyReportSchema(BaseSchema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    by = fields.Str()
    commenced_on = fields.Date(allow_none=True)
    suppressed_below = fields.Int()
    columns = fields.List(fields.Str())
    rows = fields.List(fields.Nested(HousingDutyRowSchema))
    total = fields.Nested(HousingDutyRowSchema)


housing_ask_create = HousingAskCreateSchema()
housing_ask_update = HousingAskUpdateSchema()
housing_ask_out = HousingAskSchema()
housing_asks_out = HousingAskSchema(many=True)
report_query = HousingDutyQuery()
report_out = HousingDutyReportSchema()
