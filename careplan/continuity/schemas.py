"""Teams, bulk hand-over, the team caseload, the "needs a new key worker" list and absence
cover (issue 22): input and output shapes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.core import clock
from careplan.core.schemas import BaseSchema, DayRange, Distinct, OneLine, RefSchema

TEAM_SIZE = 200  # members of one team, at most (a locality team is tens)
MOVES = 200  # moves in one bulk hand-over
COVER_DAYS = 92  # an absence covered in one go: up to three months, then named again


EACH_PERSON_ONCE = "Choose each person once"


class TeamSchema(BaseSchema):
    """A team: its name, its agency, its members and its leaders (staff ids). Leaders
    are members too: a leader named only in `leaders` is added to the members."""

    id = fields.UUID(dump_only=True)
    name = OneLine(required=True, validate=validate.Length(min=2, max=200))
    agency_id = fields.UUID(required=True)
    members = fields.List(
        fields.UUID(),
        load_default=list,
        validate=[validate.Length(max=TEAM_SIZE), Distinct(EACH_PERSON_ONCE)],
    )
    leaders = fields.List(
        fields.UUID(),
        required=True,
        validate=[validate.Length(min=1, max=TEAM_SIZE), Distinct(EACH_PERSON_ONCE)],
    )


class TeamUpdateSchema(TeamSchema):
    """PUT: members and leaders (API.md), and a new name if given; its agency stays (a
    team does not change agency)."""

    name = OneLine(load_default=None, validate=validate.Length(min=2, max=200))
    agency_id = fields.UUID(load_default=None)


class MemberSchema(BaseSchema):
    staff_id = fields.UUID()
    name = fields.Str()
    leader = fields.Bool()
    active = fields.Bool()  # False: their account is deactivated


class TeamOutSchema(BaseSchema):
    id = fields.UUID()
    name = fields.Str()
    agency = fields.Nested(RefSchema)
    version = fields.Int()
    members = fields.List(fields.Nested(MemberSchema))
    leaders = fields.List(fields.UUID())


class MoveSchema(BaseSchema):
    person_id = fields.UUID(required=True)
    key_worker_id = fields.UUID(required=True)


class TeamHandOverSchema(BaseSchema):
    moves = fields.List(
        fields.Nested(MoveSchema),
        required=True,
        validate=[
            validate.Length(min=1, max=MOVES),
            Distinct(EACH_PERSON_ONCE, key=lambda move: move.get("person_id")),
        ],
    )


class MovedSchema(BaseSchema):
    person_id = fields.UUID()
    key_worker = fields.Nested(RefSchema)
    previous_key_worker = fields.Nested(RefSchema)
    task_id = fields.UUID()  # the new key worker's task: record the person's agreement
    version = fields.Int()  # the plan's new version


class TeamHandedOverSchema(BaseSchema):
    moved = fields.List(fields.Nested(MovedSchema))


class CaseloadQuerySchema(BaseSchema):
    """`member`: one member's people; `show`: only people with something waiting;
    `sort`: the order of the people."""

    member = fields.UUID(load_default=None)
    show = fields.Str(
        load_default="all",
        validate=validate.OneOf(["all", "agreement", "overdue", "review_due", "no_review"]),
    )
    sort = fields.Str(
        load_default="member",
        validate=validate.OneOf(["member", "name", "overdue", "review"]),
    )


class CaseloadPersonSchema(BaseSchema):
    person = fields.Nested(RefSchema)
    key_worker = fields.Nested(RefSchema)
    key_worker_active = fields.Bool()
    agreement_waiting = fields.Bool()  # the person's agreement to their key worker
    reviews_due = fields.Int()  # goal reviews within 14 days, not yet late
    reviews_overdue = fields.Int()
    next_review_on = fields.Date(allow_none=True)  # None: no review date at all
    overdue_actions = fields.Int()  # goal actions and shared actions past their date
    referrals_waiting = fields.Int()  # sent, not yet answered by the receiving service


class CountsSchema(BaseSchema):
    """Numbers for supervision: no names of people supported, no content."""

    people = fields.Int()
    agreement_waiting = fields.Int()
    reviews_due = fields.Int()
    reviews_overdue = fields.Int()
    no_review_date = fields.Int()
    overdue_actions = fields.Int()
    referrals_waiting = fields.Int()


class MemberCountsSchema(CountsSchema):
    staff = fields.Nested(RefSchema)
    leader = fields.Bool()
    active = fields.Bool()


class CaseloadSchema(BaseSchema):
    team = fields.Nested(RefSchema)
    totals = fields.Nested(CountsSchema)
    members = fields.List(fields.Nested(MemberCountsSchema))
    people = fields.List(fields.Nested(CaseloadPersonSchema))
    needing_key_worker = fields.Int()  # the lead agency's list, for this team's leavers


class WaitingSchema(BaseSchema):
    plan_id = fields.UUID()
    person = fields.Nested(RefSchema, allow_none=True)  # None: not one the caller may see
    former_key_worker = fields.Nested(RefSchema)
    why = fields.Str()  # deactivated, left_agency, not_practitioner
    since = fields.Str()
    teams = fields.List(fields.Nested(RefSchema))  # the former key worker's teams


class CoverSchema(BaseSchema):
    staff_id = fields.UUID(required=True)  # the colleague who covers
    from_ = fields.Date(
        required=True,
        data_key="from",
        validate=DayRange(clock.today, None, "Enter a start date that is today or later."),
    )
    to = fields.Date(required=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start is None or end is None:
            return
        if end < start:
            raise ValidationError("Enter an end date on or after the start date.", "to")
        if end > start + timedelta(days=COVER_DAYS - 1):
            raise ValidationError(
                f"Cover lasts up to {COVER_DAYS} days. Name it again for longer.", "to"
            )


class CoverOutSchema(BaseSchema):
    id = fields.UUID()
    key_worker = fields.Nested(RefSchema)  # who is away
    cover = fields.Nested(RefSchema)  # who covers
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    in_force = fields.Bool()


class CoversSchema(BaseSchema):
    given = fields.List(fields.Nested(CoverOutSchema))  # colleagues covering for me
    held = fields.List(fields.Nested(CoverOutSchema))  # colleagues I cover for


team_in = TeamSchema()
team_update = TeamUpdateSchema()
team_out = TeamOutSchema()
teams_out = TeamOutSchema(many=True)
hand_over_in = TeamHandOverSchema()
handed_over_out = TeamHandedOverSchema()
caseload_query = CaseloadQuerySchema()
caseload_out = CaseloadSchema()
waiting_out = WaitingSchema(many=True)
cover_in = CoverSchema()
cover_out = CoverOutSchema()
covers_out = CoversSchema()
