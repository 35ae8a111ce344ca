"""The parts of page forms that are not the API's input: which version the user read,
which row to add or remove, which step of a flow. Validated like everything else."""

from __future__ import annotations

from marshmallow import fields, validate

from careplan.core.schemas import BaseSchema

PATH = validate.Regexp(r"^[a-z_]+(\.[a-z0-9_]+){0,7}$")


class EditControlsSchema(BaseSchema):
    version = fields.Int(required=True, validate=validate.Range(min=0))
    add = fields.Str(validate=PATH)
    remove = fields.Str(validate=PATH)
    save = fields.Str(validate=validate.OneOf(["1"]))


class VersionSchema(BaseSchema):
    version = fields.Int(required=True, validate=validate.Range(min=0))


class StepSchema(BaseSchema):
    step = fields.Str(load_default="reason", validate=validate.OneOf(["reason", "confirm"]))


edit_controls = EditControlsSchema()
version_only = VersionSchema()
step_only = StepSchema()
