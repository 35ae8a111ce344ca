"""Sign-in forms, validated with marshmallow like every API body (lengths bounded, so an
over-long field is refused before any hashing)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF field and buttons ride along with every form


class SignInForm(FormSchema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=3, max=254, error="Enter your email address."),
        error_messages={"required": "Enter your email address."},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024, error="Enter your password."),
        error_messages={"required": "Enter your password."},
    )


class CodeForm(FormSchema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40, error="Enter the code."),
        error_messages={"required": "Enter the code."},
    )


class EnrolForm(CodeForm):
    secret = fields.String(required=True, validate=validate.Regexp(r"^[A-Z2-7]{32}$"))


class NewPasswordForm(FormSchema):
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024, error="Enter a new password."),
        error_messages={"required": "Enter a new password."},
    )
    confirm = fields.String(
        required=True, error_messages={"required": "Enter the new password again."}
    )


class InvitationForm(NewPasswordForm):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100, error="Enter your invitation code."),
        error_messages={"required": "Enter your invitation code."},
    )


class ChangePasswordForm(NewPasswordForm):
    current = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024, error="Enter your current password."),
        error_messages={"required": "Enter your current password."},
    )


class ConfirmForm(FormSchema):
    password = fields.String(validate=validate.Length(max=1024))
    code = fields.String(validate=validate.Length(max=40))


class TokenForm(FormSchema):
    label = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100, error="Say what the token is for."),
        error_messages={"required": "Say what the token is for."},
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
