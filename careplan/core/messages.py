"""Validation messages that name the field and say what to do, in place of marshmallow's
defaults ("Missing data for required field.", "Not a valid UUID.", "Must be one of: ...").

Every field of every schema built on `careplan.core.schemas.BaseSchema` gets them as it
joins its schema (`plain_messages`), so the pages and the API (its `fields` map, API.md)
say the same thing. The words follow the GOV.UK error message pattern
(design-system.service.gov.uk/components/error-message): "Enter ..." for something typed,
"Choose ..." for something picked, "... must be a real date", "... must be N characters or
fewer". A field names itself through `metadata={"label": "their first name"}` (a noun
phrase that reads after "Enter"), else through careplan.core.labels.FIELD_LABELS, else its
own name in words. A field may also give its own message for missing input with
`metadata={"required_message": "..."}`.

A message a field or validator was given by hand is kept: only marshmallow's own defaults
are replaced. `DEFAULT_MESSAGES` lists those defaults, for the tests that check no page or
answer shows one.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from marshmallow import Schema, fields, validate

from careplan.core.labels import FIELD_LABELS

# Names the plain label list does not hold, as said after "Enter" or "Choose".
NAME_WORDS = {
    "given_name": "their first name",
    "family_name": "their last name",
    "preferred_name": "the name they like to be called",
    "date_of_birth": "their date of birth",
    "chi": "their CHI number",
    "q": "a name, date of birth or CHI number",
    "agency_id": "an organisation",
    "member_id": "a care team member",
    "user_id": "a staff member",
    "key_worker_id": "a key worker",
    "lead_agency_id": "a lead agency",
    "email": "an email address",
    "name": "a name",
    "role": "a role",
    "roles": "a role",
    "sector": "a sector",
    "kind": "a kind of organisation",
    "effect": "whether they agree or refuse",
    "method": "how they told you",
    "grantee": "who can see it",
    "sections": "which parts of the plan",
    "expires_on": "an end date",
    "starts_on": "a start date",
    "evidence_note": "a note",
    "reason": "a reason",
    "justification": "why you need to see the plan now",
    "outcome": "an outcome",
    "note": "a note",
    "text": "your update",
    "max_sensitivity": "the most sensitive information it covers",
    "lawful_basis": "a lawful basis",
    "valid_until": "the date it ends",
    "password": "a password",
    "current": "your current password",
    "code": "the code",
    "version": "the version you read",
    "limit": "how many to show",
    "cursor": "the page to show",
    "scope": "whose records to show",
    "since": "a start date",
    "until": "an end date",
    "action": "an action",
    "duplicate_reason": "how you know this is a different person",
    "agreed_on": "the date they agreed to the plan",
    "agreed_how": "how they agreed to the plan",
    "on": "the date they agreed",
    "how": "how they agreed",
    "staff_id": "a staff member",
    "closed_on": "the date the plan closed",
    "content": "what the section says",
    "occurred_on": "the date it happened",
    "valid_from": "the date they join the care team",
    "valid_to": "the date their place in the care team ends",
    "survivor_id": "the record to keep",
    "duplicate_id": "the record to merge into it",
    "decision": "what you decided",
    "add": "the row to add (reload the page)",
    "remove": "the row to remove (reload the page)",
    "save": "the save button (reload the page)",
    "step": "the step of this form (start again)",
    "person": "a person",
    "actor": "a staff member",
    "threshold": "the number to look for",
    "type": "the type",
    "date": "the date",
    "from": "a start date",
    "to": "an end date",
}


def label_of(name: str | None, field: fields.Field) -> str:
    """The field as said in a message after "Enter" or "Choose" ("their first name")."""
    given = field.metadata.get("label")
    if given:
        return str(given)
    key = field.data_key or name or ""
    if key in NAME_WORDS:
        return NAME_WORDS[key]
    if key in FIELD_LABELS:
        text = FIELD_LABELS[key]
        # "Review date" reads "review date" inside a sentence; an acronym keeps its capitals.
        first = text.split(" ", 1)[0]
        return text if first.isupper() and len(first) > 1 else text[:1].lower() + text[1:]
    return key.strip("_").replace("_", " ") or "this"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_choice(field: fields.Field) -> bool:
    """Whether a person picks this rather than types it."""
    if isinstance(field, (fields.UUID, fields.Enum, fields.Boolean, fields.Nested)):
        return True
    if isinstance(field, fields.List):
        return _is_choice(field.inner)
    if not isinstance(field, (fields.String, fields.Number, fields.Date, fields.DateTime)):
        return True  # a field of its own kind (a list of section keys)
    return any(isinstance(v, validate.OneOf) for v in field.validators)


def _field_messages(label: str, field: fields.Field) -> dict[str, str]:
    """Replacements for each of `field`'s default messages."""
    verb = "Choose" if _is_choice(field) else "Enter"
    missing = field.metadata.get("required_message") or f"{verb} {label}"
    said = _capital(label)
    messages = {
        "required": missing,
        "null": missing,
        "validator_failed": f"Check {label} and try again",
        "invalid": f"Enter {label} as text",
        "invalid_utf8": f"Enter {label} as text",
        "invalid_uuid": f"Choose {label} from the list",
        "unknown": f"Choose {label} from the list",
        "too_large": f"{said} is too large",
        "special": f"{said} must be a number",
        "type": f"{said} is not in the expected shape: choose again from the form",
        "invalid_awareness": f"{said} must include its offset from UTC (for example Z)",
    }
    if isinstance(field, fields.UUID):
        messages["invalid"] = messages["invalid_uuid"]
    elif isinstance(field, fields.Integer):
        messages["invalid"] = f"{said} must be a whole number, like 12"
    elif isinstance(field, fields.Number):
        messages["invalid"] = f"{said} must be a number, like 12.50"
    elif isinstance(field, fields.Boolean):
        messages["invalid"] = f"Choose yes or no for {label}"
    elif isinstance(field, fields.Date):  # a Date is a DateTime field: test it first
        messages["invalid"] = f"{said} must be a real date"
        messages["format"] = messages["invalid"]
    elif isinstance(field, fields.DateTime):
        messages["invalid"] = f"{said} must be a real date and time"
        messages["format"] = messages["invalid"]
    elif isinstance(field, fields.Email):
        messages["invalid"] = "Enter an email address in the correct format, like name@example.com"
    elif isinstance(field, (fields.List, fields.Tuple)):
        messages["invalid"] = f"{verb} {label}: give a list"
    elif isinstance(field, fields.Mapping):
        messages["invalid"] = f"{said} must be a set of named values"
    elif isinstance(field, fields.Enum):
        messages["invalid"] = messages["unknown"]
    return messages


def _default_of(field: fields.Field, key: str) -> str | None:
    """marshmallow's own default message for `key` on this kind of field."""
    for cls in type(field).__mro__:
        if cls.__module__.startswith("marshmallow") and key in cls.__dict__.get(
            "default_error_messages", {}
        ):
            return cls.__dict__["default_error_messages"][key]
    return None


def _plain_validator(validator: Any, label: str, field: fields.Field) -> Any:
    """A copy of `validator` with a message naming the field, if it had marshmallow's."""
    said = _capital(label)
    if getattr(validator, "names_field", False):  # careplan.core.schemas.VisibleText
        return validator if validator.label else _with(validator, label=label)
    if isinstance(validator, validate.OneOf) and validator.error == validate.OneOf.default_message:
        verb = "Choose"
        return _with(validator, error=f"{verb} {label} from the list")
    if isinstance(validator, validate.ContainsOnly) and (
        validator.error == validate.ContainsOnly.default_message
    ):
        return _with(validator, error=f"Choose {label} from the list")
    if isinstance(validator, validate.Length) and validator.error is None:
        if hasattr(validator, "label"):  # careplan.core.schemas.Readable
            return validator if validator.label else _with(validator, label=label)
        if isinstance(field, (fields.List, fields.Tuple, fields.Mapping, fields.Field)) and not (
            isinstance(field, fields.String)
        ):
            return _with(validator, error=_count_message(validator, label))
        return _with(validator, error=_length_message(validator, said))
    if isinstance(validator, validate.Range) and validator.error is None:
        return _with(validator, error=_range_message(validator, said))
    if (
        isinstance(validator, validate.Regexp)
        and validator.error == validate.Regexp.default_message
    ):
        return _with(validator, error=f"Enter {label} in the form the page shows")
    if isinstance(validator, validate.Email) and validator.error == validate.Email.default_message:
        return _with(
            validator, error="Enter an email address in the correct format, like name@example.com"
        )
    if isinstance(validator, validate.Equal) and validator.error == validate.Equal.default_message:
        return _with(validator, error=f"Check {label} and try again")
    return validator


def _with(validator: Any, **changes: Any) -> Any:
    changed = copy.copy(validator)
    for key, value in changes.items():
        setattr(changed, key, value)
    return changed


def _length_message(v: validate.Length, said: str) -> str:
    if v.equal is not None:
        return f"{said} must be {v.equal} characters long"
    if v.min and v.max is not None:
        return f"{said} must be between {v.min} and {v.max} characters"
    if v.min:
        return f"{said} must be {v.min} characters or more"
    return f"{said} must be {v.max} characters or fewer"


def _count_message(v: validate.Length, label: str) -> str:
    if v.equal is not None:
        return f"Choose exactly {v.equal} for {label}"
    if v.min and v.max is not None:
        return f"Choose between {v.min} and {v.max} for {label}"
    if v.min:
        return f"Choose at least {v.min} for {label}"
    return f"Choose no more than {v.max} for {label}"


def _range_message(v: validate.Range, said: str) -> str:
    if v.min is not None and v.max is not None:
        return f"{said} must be between {v.min} and {v.max}"
    if v.min is not None:
        return f"{said} must be {v.min} or more"
    return f"{said} must be {v.max} or less"


def plain_messages(name: str | None, field: fields.Field, label: str | None = None) -> None:
    """Give `field` (and the fields inside a list, tuple or mapping, named as it is) messages
    that name it and say what to do, in place of marshmallow's defaults. Idempotent;
    validators are copied, never changed in place, as schemas share validator objects."""
    if field.dump_only:
        return
    label = label or label_of(name, field)
    for key, message in _field_messages(label, field).items():
        current = field.error_messages.get(key)
        if current is None or current == _default_of(field, key):
            field.error_messages[key] = message
    field.validators = [_plain_validator(v, label, field) for v in field.validators]
    inner: list[fields.Field] = []
    if isinstance(field, fields.List):
        inner = [field.inner]
    elif isinstance(field, fields.Tuple):
        inner = list(field.tuple_fields)
    elif isinstance(field, fields.Mapping):
        inner = [f for f in (field.key_field, field.value_field) if f is not None]
    for each in inner:
        plain_messages(name, each, label)


SCHEMA_MESSAGES = {
    "unknown": "This is not a field of this form: leave it out",
    "type": "Send the details as a set of named fields (a JSON object)",
}


def default_messages() -> list[str]:
    """Every default message marshmallow's fields, schemas and validators can give, with
    each `{placeholder}` left in: for tests that check none is ever shown."""
    found: set[str] = set()
    for _, cls in inspect.getmembers(fields, inspect.isclass):
        if issubclass(cls, fields.Field):
            found.update(cls.__dict__.get("default_error_messages", {}).values())
    found.update(Schema._default_error_messages.values())
    for _, cls in inspect.getmembers(validate, inspect.isclass):
        for attr in (
            "default_message",
            "message_min",
            "message_max",
            "message_all",
            "message_equal",
        ):
            value = cls.__dict__.get(attr)
            if isinstance(value, str):
                found.add(value)
    return sorted(found)
