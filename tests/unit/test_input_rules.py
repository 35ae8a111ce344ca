"""The rules every input shares, checked on every schema there is (issue 16, faults 6, 7, 10).

The base schema gives every field of every input schema the same rules; these tests walk
every schema built on it, so a field added later is checked too: no text field may hold
unstorable text, a text field's minimum counts readable characters, a whole number fits 64
bits, a date and a date-time are bounded. Also the text and day functions themselves.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, datetime

import pytest
from marshmallow import Schema, ValidationError, fields, validate

import audit
import careplan
import consent
from careplan.core import clock
from careplan.core.schemas import (
    INT64,
    WHOLE_NUMBER,
    BaseSchema,
    DayRange,
    Distinct,
    MomentRange,
    Readable,
    VisibleText,
    hidden_characters,
)
from careplan.core.text import one_line, readable_length, storable, unstorable

# Characters a person cannot see, or sees as a blank: format characters, every kind of
# space, fillers and blanks that are letters or symbols by category.
INVISIBLE = [
    "\u200b",  # zero width space (Cf)
    "\u200c\u200d",  # zero width non-joiner, joiner (Cf)
    "\u2060",  # word joiner (Cf)
    "\ufeff",  # byte order mark (Cf)
    "\u00ad",  # soft hyphen (Cf)
    "\u202e",  # right-to-left override (Cf)
    "\u00a0",  # no-break space (Zs)
    "\u2007\u202f",  # figure space, narrow no-break space (Zs)
    "\u3000",  # ideographic space (Zs)
    "\u2028\u2029",  # line and paragraph separators (Zl, Zp)
    "\u3164",  # Hangul filler (Lo, default ignorable)
    "\u115f\u1160",  # Hangul choseong and jungseong fillers (Lo, default ignorable)
    "\u2800",  # braille pattern blank (So)
    "\u034f",  # combining grapheme joiner (Mn)
    "\ufe0f",  # variation selector (Mn)
    "\U000e0041",  # tag latin capital A (Cf)
    "\t\n\r ",
]


@pytest.mark.parametrize("padding", INVISIBLE)
def test_invisible_characters_are_not_readable(padding):
    assert readable_length(padding * 50) == 0
    assert readable_length("Help" + padding * 50) == 4


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Sarah", 5),
        ("\uff33\uff41\uff52\uff41\uff48", 5),  # fullwidth letters: NFKC makes them plain
        ("e\u0301", 1),  # a letter and its accent count once
        ("Ewan McGregor", 12),
        ("Siobhán Ní Bhriain", 16),
        ("Łukasz", 6),
        ("محمد", 4),
        ("李小龍", 3),
        ("ﬁ", 2),  # a ligature is the letters it stands for
    ],
)
def test_readable_text_counts_what_a_person_reads(text, length):
    assert readable_length(text) == length


@pytest.mark.parametrize(
    "text", ["\x00", "a\x00", "\ud800", "a\udfff", "\x1b", "\x07", "\x7f", "\ufffe", "\uffff"]
)
def test_unstorable_text(text):
    assert unstorable(text)
    assert not unstorable(storable(text))


@pytest.mark.parametrize("text", ["Sarah", "line one\nline two\r\n\tindented", "😀", "\u200b"])
def test_storable_text(text):
    assert not unstorable(text)


def test_one_line_header_values():
    assert one_line("curl/8\x00.1", 300) == "curl/8 .1"
    assert one_line("\t+1+1", 300) == " +1+1"
    assert one_line("\x00\x1b", 300) is None
    assert one_line("A" * 500, 300) == "A" * 300
    assert one_line(None, 300) is None


# --- Every input schema ----------------------------------------------------------------


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


SCHEMA_MODULES = (
    "audit.schemas",
    "careplan.accounts.schemas",
    "careplan.admin.schemas",
    "careplan.identity.schemas",
    "careplan.people.schemas",
    "careplan.plans.schemas",
    "careplan.plans.section_schemas",
    "careplan.records.schemas",
    "careplan.web.schemas",
    "consent.schemas",
)


def _import_every_schema_module() -> None:
    # Every module holding schemas, so this file finds them all run on its own too: the
    # ones named, and every `schemas` module of every package (the living plan's, the
    # referrals', a package added later).
    for name in SCHEMA_MODULES:
        importlib.import_module(name)
    for package in (careplan, consent, audit):
        for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if found.name.rsplit(".", 1)[-1] in ("schemas", "section_schemas"):
                importlib.import_module(found.name)


def _schemas() -> list[Schema]:
    _import_every_schema_module()
    return [cls() for cls in _subclasses(BaseSchema)]


def _leaves(field: fields.Field) -> list[fields.Field]:
    inner = []
    if isinstance(field, fields.List):
        inner = [field.inner]
    elif isinstance(field, fields.Mapping):
        inner = [f for f in (field.key_field, field.value_field) if f is not None]
    return [field] + [leaf for f in inner for leaf in _leaves(f)]


def _input_fields():
    for schema in _schemas():
        for name, field in schema.load_fields.items():
            for leaf in _leaves(field):
                yield schema, name, leaf


def test_there_are_schemas_to_check():
    assert len(_schemas()) > 60


def test_every_text_minimum_counts_readable_characters():
    checked = 0
    for schema, name, field in _input_fields():
        if not isinstance(field, fields.String) or isinstance(field, fields.UUID):
            continue
        lengths = [v for v in field.validators if isinstance(v, Readable) or hasattr(v, "equal")]
        plain = [v for v in lengths if not isinstance(v, Readable) and (v.min or 0) > 0]
        assert not plain, f"{type(schema).__name__}.{name} counts characters, not readable ones"
        if field.required:
            assert any(isinstance(v, Readable) and v.sets_minimum for v in lengths), name
            checked += 1
    assert checked > 30


def test_every_whole_number_fits_64_bits():
    for schema, name, field in _input_fields():
        if isinstance(field, fields.Integer):
            assert WHOLE_NUMBER in field.validators, f"{type(schema).__name__}.{name}"
    assert WHOLE_NUMBER.min == INT64[0]
    assert WHOLE_NUMBER.max == INT64[1]


def test_every_date_and_time_is_bounded():
    dates = times = 0
    for schema, name, field in _input_fields():
        where = f"{type(schema).__name__}.{name}"
        if isinstance(field, fields.Date):
            assert any(isinstance(v, DayRange) for v in field.validators), where
            dates += 1
        elif isinstance(field, fields.DateTime):
            assert any(isinstance(v, MomentRange) for v in field.validators), where
            times += 1
    assert dates > 30
    assert times >= 3


@pytest.mark.parametrize("padding", ["\u200b", "\u00a0", "\u3164", "\u2800"])
def test_every_required_text_field_refuses_invisible_padding(app, padding):
    """Each required or minimum-length text field of every input schema, loaded with
    nothing but padding, answers with its own message (app: a minimum may be configured)."""
    seen = 0
    for schema in _schemas():
        for name, field in schema.load_fields.items():
            if not isinstance(field, fields.String) or isinstance(field, fields.UUID):
                continue
            if not any(isinstance(v, Readable) and v.sets_minimum for v in field.validators):
                continue
            key = field.data_key or name
            errors = schema.validate({key: padding * 60})
            assert key in errors, f"{type(schema).__name__}.{key}"
            seen += 1
    assert seen > 30


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x1b", "\uffff"])
def test_every_input_schema_refuses_unstorable_text_anywhere(bad):
    for schema in _schemas():
        for name, field in schema.load_fields.items():
            key = field.data_key or name
            errors = schema.validate({key: f"a{bad}b"})
            assert key in errors, f"{type(schema).__name__}.{key}"
            nested = schema.validate({key: [{"x": bad}]})
            assert key in nested
        assert "_schema" in schema.validate({f"k{bad}": 1})


# Characters that hide or reorder text (issue 20's walk: U+202E in an action's title).
HIDDEN = [
    "\u202e",  # right-to-left override
    "\u202d",  # left-to-right override
    "\u2066\u2069",  # left-to-right isolate, pop directional isolate
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero width space
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\U000e0041",  # tag latin capital A
    "\x85",  # next line (a C1 control)
]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_hidden_characters(hidden):
    assert hidden_characters(f"Book{hidden} appointment")


@pytest.mark.parametrize("text", ["Sarah", "line one\nline two\r\n\tindented", "😀", "محمد"])
def test_visible_text_has_no_hidden_characters(text):
    assert not hidden_characters(text)


def test_every_text_field_refuses_hidden_characters():
    """Every text field of every input schema carries the one rule (`VisibleText`), so a
    field added later cannot miss it."""
    checked = 0
    for schema, name, field in _input_fields():
        if not isinstance(field, fields.String) or isinstance(field, fields.UUID):
            continue
        rules = [v for v in field.validators if isinstance(v, VisibleText)]
        assert len(rules) == 1, f"{type(schema).__name__}.{name}"
        assert rules[0].label, f"{type(schema).__name__}.{name} has no label for its message"
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("hidden", ["\u202e", "\u200b"])
def test_every_text_field_says_which_field_holds_hidden_characters(app, hidden):
    seen = 0
    for schema in _schemas():
        for name, field in schema.load_fields.items():
            if not isinstance(field, fields.String) or isinstance(field, fields.UUID):
                continue
            key = field.data_key or name
            errors = schema.validate({key: f"Pay{hidden} rent"})
            assert key in errors, f"{type(schema).__name__}.{key}"
            assert any("hidden characters" in m for m in errors[key]), (key, errors[key])
            seen += 1
    assert seen > 100


# Lists of records that name someone or something, each of which must be named once
# (issue 20's walk: one staff member twice as a meeting's attendee was accepted).
DISTINCT_RECORDS = {
    ("MeetingCreateSchema", "attendees"),
    ("TeamHandOverSchema", "moves"),
    ("TeamSchema", "members"),
    ("TeamSchema", "leaders"),
    ("SupporterCreateSchema", "sections"),
    ("SharingAgreementSchema", "sections"),
}


def _picks_from_a_set(field: fields.Field) -> bool:
    if isinstance(field, (fields.UUID, fields.Enum)):
        return True
    return isinstance(field, fields.String) and any(
        isinstance(v, validate.OneOf) for v in field.validators
    )


def test_every_list_of_choices_holds_each_once():
    """Every list of ids or of choices from a set, and each list named above, refuses an
    item named twice (`Distinct`), so a list added later has the rule too."""
    lists = 0
    named = set()
    for schema in _schemas():
        for name, field in schema.load_fields.items():
            if not isinstance(field, fields.List):
                continue
            where = (type(schema).__name__, name)
            if _picks_from_a_set(field.inner) or where in DISTINCT_RECORDS:
                assert any(isinstance(v, Distinct) for v in field.validators), where
                lists += 1
                named.add(where)
    assert named >= DISTINCT_RECORDS
    assert lists > 10


def test_distinct_compares_by_key_and_skips_the_unnamed():
    rule = Distinct("Choose each person once", key=lambda a: a.get("id"))
    assert rule([{"id": 1}, {"id": 2}, {"name": "x"}, {"name": "y"}])
    with pytest.raises(ValidationError, match="Choose each person once"):
        rule([{"id": 1}, {"id": 1}])


# --- Days in Scotland --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (datetime(2026, 7, 10, 22, 59), date(2026, 7, 10)),  # 23:59 BST
        (datetime(2026, 7, 10, 23, 0), date(2026, 7, 11)),  # 00:00 BST
        (datetime(2026, 7, 10, 23, 30), date(2026, 7, 11)),  # 00:30 BST, the report's case
        (datetime(2026, 1, 10, 23, 59), date(2026, 1, 10)),  # GMT: UTC is the day
        (datetime(2026, 1, 11, 0, 0), date(2026, 1, 11)),
        (datetime(2026, 3, 29, 0, 59), date(2026, 3, 29)),  # the night the clocks go forward
        (datetime(2026, 10, 24, 23, 30), date(2026, 10, 25)),  # and the night they go back
        (datetime(2026, 10, 25, 0, 30), date(2026, 10, 25)),
    ],
)
def test_the_day_is_the_day_in_scotland(monkeypatch, utc, day):
    assert clock.day_of(utc) == day
    monkeypatch.setattr(clock, "now", lambda: utc)
    assert clock.today() == day


def test_a_scottish_day_starts_and_ends_at_local_midnight():
    assert clock.start_of(date(2026, 7, 11)) == datetime(2026, 7, 10, 23, 0)
    assert clock.end_of(date(2026, 7, 10)) == datetime(2026, 7, 10, 23, 0)
    assert clock.start_of(date(2026, 1, 11)) == datetime(2026, 1, 11, 0, 0)
