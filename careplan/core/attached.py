"""ORM objects made from column values a prepared statement has already read.

The API's token lookup reads the token, its account and the account's agency in one
prepared statement (careplan.core.prepared); the rest of the request wants the account as
an ORM object in its session. `attach` builds it as the session would have loaded it,
without a second read: its values are committed state, not changes, and anything not
given loads on first use, as after a commit.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached

T = TypeVar("T")


@functools.cache
def attribute_keys(model: type) -> dict[str, str]:
    """Column name -> attribute name (they differ where the model renames a column)."""
    configure_mappers()  # attributes get their loaders when the mappers are configured
    mapper = inspect(model)
    return {column.name: mapper.get_property_by_column(column).key for column in mapper.columns}


def columns_of(row: Any, model: type, prefix: str) -> dict[str, Any]:
    """One table's columns of a joined statement's `row`, by column name: those labelled
    `prefix` + the column's name (the token's and the web session's lookups read the
    account and its agency this way)."""
    return {name: row[index] for name, index in _places(row._fields, model, prefix)}


@functools.cache
def _places(fields: tuple[str, ...], model: type, prefix: str) -> tuple[tuple[str, int], ...]:
    return tuple((name, fields.index(prefix + name)) for name in attribute_keys(model))


def attach(
    session: Session,
    model: type[T],
    columns: Mapping[str, Any],
    relations: Mapping[str, Any] | None = None,
) -> T:
    """The `model` row with these column values (by column name) and related objects, in
    `session`; the session's own copy if it already holds that row."""
    mapper = inspect(model)
    identity = mapper.identity_key_from_primary_key(
        [columns[column.name] for column in mapper.primary_key]
    )
    held = session.identity_map.get(identity)
    if held is not None:
        return held  # type: ignore[no-any-return]
    instance = mapper.class_manager.new_instance()
    # A new instance has no history: values placed straight in its dict are committed
    # state, as `set_committed_value` would leave them, for a fraction of its cost (this
    # runs on every API request).
    values = instance.__dict__
    values.update(
        (key, columns[name]) for name, key in attribute_keys(model).items() if name in columns
    )
    values.update(relations or {})
    make_transient_to_detached(instance)
    session.add(instance)
    return instance  # type: ignore[no-any-return]
