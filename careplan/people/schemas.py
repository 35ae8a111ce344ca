"""Input and output shapes for people."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates, validates_schema

from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, BaseSchema, DayRange, Readable
from careplan.people.chi import chi_problem, normalise_chi

NAME = Readable(min=1, max=100)
# Born on or after 1 January 1900, and not after today in Scotland.
BORN = DayRange(
    EARLIEST_DAY,
    clock.today,
    "Enter a real date of birth, in the past. It cannot be before 1 January 1900.",
)


class PersonCreateSchema(BaseSchema):
    given_name = fields.Str(required=True, validate=NAME)
    family_name = fields.Str(required=True, validate=NAME)
    preferred_name = fields.Str(load_default=None, allow_none=True, validate=NAME)
    date_of_birth = fields.Date(required=True, validate=BORN)
    chi = fields.Str(load_default=None, allow_none=True)

    @validates("chi")
    def _chi(self, value: str | None, **_: Any) -> None:
        if value is not None:
            problem = chi_problem(value)
            if problem:
                raise ValidationError(problem)

    @post_load
    def _tidy(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        for key in ("given_name", "family_name", "preferred_name"):
            if data.get(key) is not None:
                data[key] = data[key].strip()
        if data.get("chi"):
            data["chi"] = normalise_chi(data["chi"])
        return data


class LookupSchema(BaseSchema):
    """An exact identifier: a CHI, or full name with date of birth. Never a partial match."""

    chi = fields.Str()
    given_name = fields.Str(validate=NAME)
    family_name = fields.Str(validate=NAME)
    date_of_birth = fields.Date(validate=BORN)

    @validates_schema
    def _exact(self, data: dict[str, Any], **_: Any) -> None:
        by_name = {"given_name", "family_name", "date_of_birth"}
        if "chi" in data:
            if by_name & data.keys():
                raise ValidationError("Send a CHI number or a name and date of birth, not both.")
            problem = chi_problem(data["chi"])
            if problem:
                raise ValidationError({"chi": [problem]})
        elif not by_name <= data.keys():
            raise ValidationError(
                "Send a CHI number, or given name, family name and date of birth."
            )


class SearchQuerySchema(BaseSchema):
    q = fields.Str(load_default="", validate=validate.Length(max=100))


class PersonSchema(BaseSchema):
    id = fields.UUID(dump_only=True)
    given_name = fields.Str()
    family_name = fields.Str()
    preferred_name = fields.Str(allow_none=True)
    date_of_birth = fields.Date()
    chi = fields.Str(allow_none=True)


class PersonIdSchema(BaseSchema):
    id = fields.UUID()


class InvitationSchema(BaseSchema):
    """A person's invitation to sign in: the code is shown once, stored only as a hash."""

    account_id = fields.UUID()
    email = fields.Str()
    invitation_code = fields.Str()
    expires_at = fields.Str()


person_create = PersonCreateSchema()
lookup_schema = LookupSchema()
search_query = SearchQuerySchema()
person_out = PersonSchema()
people_out = PersonSchema(many=True)
person_id_out = PersonIdSchema()
invitation_out = InvitationSchema()
