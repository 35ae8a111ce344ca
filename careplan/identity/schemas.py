"""Sign-in forms, validated with marshmallow like every API body (lengths bounded, so an
over-long field is refused before any hashing)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from careplan.core.messages import SCHEMA_MESSAGES, plain_messages
from careplan.core.schemas import OneLine, Readable


def _entered(message: str, max_length: int, min_length: int = 1) -> fields.String:
    """A required text field whose one message says what to enter, missing or empty."""
    return fields.String(
        required=True,
        validate=validate.Length(min=min_length, max=max_length, error=message),
        error_messages={"required": message},
    )


def _optional(message: str, max_length: int) -> fields.String:
    """An optional text field (empty when not sent) whose one message says what to do."""
    return fields.String(load_default="", validate=validate.Length(max=max_length, error=message))


PASSWORD_TOO_LONG = "Your current password is not right."  # noqa: S105 - a message
CODE_TOO_LONG = "Enter the 6-digit code from your authenticator app, or a recovery code."


class FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF field and buttons ride along with every form

    error_messages = SCHEMA_MESSAGES

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """Messages that name the field, where one was not given (careplan.core.messages)."""
        plain_messages(field_name, field_obj)


class SignInForm(FormSchema):
    email = _entered("Enter your email address.", max_length=254, min_length=3)
    password = _entered("Enter your password.", max_length=1024)


class CodeForm(FormSchema):
    code = _entered("Enter the code.", max_length=40)


class ReauthForm(FormSchema):
    """Confirming who you are with a change to a credential (careplan.identity.reauth):
    which of these an account must give depends on the account, so both are optional here
    and the check says what is missing."""

    current = _optional(PASSWORD_TOO_LONG, 1024)
    code = _optional(CODE_TOO_LONG, 40)


class EnrolForm(CodeForm):
    secret = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Z2-7]{32}$"),
        metadata={"label": "the set-up key this page showed (start again from signing in)"},
    )
    # A signed-in account replacing (or adding) an app also confirms who it is: its
    # password and a code from the app it has now (`code` is the new app's).
    current = _optional(PASSWORD_TOO_LONG, 1024)
    current_code = _optional(CODE_TOO_LONG, 40)


class NewPasswordForm(FormSchema):
    password = _entered("Enter a new password.", max_length=1024)
    confirm = fields.String(
        required=True, error_messages={"required": "Enter the new password again."}
    )


class InvitationForm(NewPasswordForm):
    code = _entered("Enter your invitation code.", max_length=100)


class ChangePasswordForm(NewPasswordForm):
    current = _entered("Enter your current password.", max_length=1024)
    code = _optional(CODE_TOO_LONG, 40)


class ConfirmForm(FormSchema):
    password = fields.String(validate=validate.Length(max=1024))
    code = fields.String(validate=validate.Length(max=40))


class TokenForm(ReauthForm):
    label = OneLine(
        required=True,
        # Readable characters, as every required text (careplan.core.schemas.Readable).
        validate=Readable(min=1, max=100, too_short="Say what the token is for."),
        error_messages={
            "required": "Say what the token is for.",
            "invisible": "Say what the token is for, in letters, numbers and punctuation.",
        },
    )
    scope = fields.String(
        required=True,
        validate=validate.OneOf(["read", "write"], error="Choose what the token may do."),
        error_messages={"required": "Choose what the token may do."},
    )
    expires = fields.String(
        required=True,
        validate=validate.OneOf(["1h", "8h", "7d", "30d", "90d"], error="Choose how long."),
        error_messages={"required": "Choose how long the token lasts."},
    )
