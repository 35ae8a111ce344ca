"""The section catalogue, read from configuration (config/sections.toml), not code."""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from marshmallow import Schema

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "sections.toml"


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the service refuses to start."""


class Sensitivity(enum.IntEnum):
    STANDARD = 1
    SENSITIVE = 2
    RESTRICTED = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Sensitivity:
        try:
            return cls[text.strip().upper()]
        except KeyError as exc:
            raise CatalogueError(f"unknown sensitivity {text!r}") from exc


@dataclass(frozen=True)
class SectionType:
    key: str
    title: str
    description: str
    sensitivity: Sensitivity
    schema: Schema
    # The person writes it themselves and adds updates to it (their own voice).
    person_writes: bool = False


class Catalogue:
    def __init__(self, sections: list[SectionType]) -> None:
        self._by_key = {s.key: s for s in sections}

    def __iter__(self) -> Iterator[SectionType]:
        return iter(self._by_key.values())

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)

    def keys(self) -> list[str]:
        return list(self._by_key)

    def get(self, key: str) -> SectionType | None:
        return self._by_key.get(key)

    def person_writes(self) -> frozenset[str]:
        """The keys of the sections the person writes themselves (`person_writes = true`)."""
        return frozenset(s.key for s in self._by_key.values() if s.person_writes)


def load_catalogue(path: Path = DEFAULT_PATH) -> Catalogue:
    from careplan.plans.section_schemas import SCHEMAS

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"cannot read the section catalogue {path}: {exc}") from exc
    sections: list[SectionType] = []
    for item in raw.get("section", []):
        key = item.get("key", "")
        if not key or any(s.key == key for s in sections):
            raise CatalogueError(f"section key missing or repeated: {key!r}")
        schema_cls = SCHEMAS.get(item.get("schema", ""))
        if schema_cls is None:
            raise CatalogueError(f"section {key}: unknown schema {item.get('schema')!r}")
        sections.append(
            SectionType(
                key=key,
                title=item["title"],
                description=item.get("description", ""),
                sensitivity=Sensitivity.parse(item["sensitivity"]),
                schema=schema_cls(),
                person_writes=_flag(key, item.get("person_writes", False)),
            )
        )
    if not sections:
        raise CatalogueError("the section catalogue is empty")
    return Catalogue(sections)


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise CatalogueError(f"section {key}: person_writes must be true or false")
    return value
