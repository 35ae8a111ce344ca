"""The goals of "My goals and actions" as things an update can be about (issue 20).

A goal is a row of the goals section; its `id` names it for other records (an update
about it). The service gives each goal an id when the section is saved without one, and
keeps the ids it was sent (the section form carries them in hidden inputs, the API client
sends them back), so a goal keeps its id through every later version of the section.
"""

from __future__ import annotations

import uuid
from typing import Any

from careplan.core.errors import BadRequest

GOALS = "goals"  # the catalogue key of "My goals and actions" (config/sections.toml)


def with_ids(key: str, content: dict[str, Any]) -> dict[str, Any]:
    """`content` of section `key` with an id on every goal that had none (other sections
    unchanged). Raises BadRequest (400) when two goals carry the same id: an update about
    one would be about both."""
    if key != GOALS:
        return content
    seen: set[str] = set()
    rows = []
    for index, goal in enumerate(content.get("goals") or []):
        goal_id = (goal.get("id") or "").strip() or uuid.uuid4().hex
        if goal_id in seen:
            field = f"content.goals.{index}.id"
            raise BadRequest(
                "The section content is not valid.",
                fields={field: ["Each goal needs its own id: this one is used twice."]},
            )
        seen.add(goal_id)
        rows.append({**goal, "id": goal_id})
    return {**content, "goals": rows} if "goals" in content else content


def by_id(content: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The goals of the goals section's `content`, by id (a goal without one is left out:
    written before ids were given, it got one from migration d7f9b1c3e5a6, and any other
    gets one when the section is next saved)."""
    return {g["id"]: g for g in (content or {}).get("goals") or [] if g.get("id")}
