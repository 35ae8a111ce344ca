"""Input and output shapes for people."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates, validates_schema

from careplan.access.sources import Scope
from careplan.core import clock
from careplan.core.schemas import EARLIEST_DAY, BaseSchema, DayRange, Readable
from careplan.people.chi import CHI_NOT_BIRTH, chi_born_on, chi_problem, normalise_chi

NAME = Readable(min=1, max=100)
# Born on or after 1 January 1900, and not after today in Scotland.
BORN = DayRange(
    EARLIEST_DAY,
    clock.today,
    "Enter a real date of birth, in the past. It cannot be before 1 January 1900.",
)
DUPLICATE_REASON_MIN = 20


class PersonCreateSchema(BaseSchema):
    given_name = fields.Str(required=True, validate=NAME)
    family_name = fields.Str(required=True, validate=NAME)
    preferred_name = fields.Str(load_default=None, allow_none=True, validate=NAME)
    date_of_birth = fields.Date(required=True, validate=BORN)
    chi = fields.Str(load_default=None, allow_none=True)
    # Only when the details may be someone already registered (409 possible_duplicate):
    # why this is someone else. Recorded, sealed, in the audit record; not kept on the person.
    # Counted in readable characters (careplan.core.schemas.Readable), like every minimum.
    duplicate_reason = fields.Str(
        load_default=None,
        allow_none=True,
        validate=Readable(
            min=DUPLICATE_REASON_MIN,
            max=1000,
            too_short="Write at least {min} characters: say how you know this is a different "
            "person (for example, a different address or next of kin). Spaces and invisible "
            "characters do not count.",
        ),
    )

    @validates_schema
    def _chi_matches_birth(self, data: dict[str, Any], **_: Any) -> None:
        chi, born = data.get("chi"), data.get("date_of_birth")
        if chi and born and not chi_problem(chi) and not chi_born_on(chi, born):
            raise ValidationError({"chi": [CHI_NOT_BIRTH]})

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


class ChiSchema(BaseSchema):
    """A CHI number for a person registered without one."""

    chi = fields.Str(required=True, validate=validate.Length(max=20))

    @validates("chi")
    def _chi(self, value: str, **_: Any) -> None:
        problem = chi_problem(value)
        if problem:
            raise ValidationError(problem)

    @post_load
    def _tidy(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
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
    scope = fields.Str(
        load_default=Scope.ALL.value,
        validate=validate.OneOf([s.value for s in Scope]),
        metadata={"description": "all (default), key_worker, unplanned or others"},
    )
    cursor = fields.Str(
        load_default=None,
        validate=validate.Length(max=500),
        metadata={"description": "from the previous page's Link header (rel=next)"},
    )
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=100))


class PersonSchema(BaseSchema):
    id = fields.UUID(dump_only=True)
    given_name = fields.Str()
    family_name = fields.Str()
    preferred_name = fields.Str(allow_none=True)
    # Null for a caller who sees the name only (a supporter: PERSON_IDENTITY_VIEW).
    date_of_birth = fields.Date(allow_none=True)
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
chi_schema = ChiSchema()
person_out = PersonSchema()
people_out = PersonSchema(many=True)
person_id_out = PersonIdSchema()
invitation_out = InvitationSchema()
