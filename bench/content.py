"""Plan content for the national data set: every catalogue section, realistic and invented.

Built from the demo people's plans (careplan.demo_content) plus the sections they leave
empty, with a few variations so that plans differ in size as real ones do. Every template
is validated through the catalogue's own section schemas before it is used.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from careplan.demo_content import JOHN, SARAH

MENTAL_HEALTH = {
    "conditions": [
        {"condition": "Depression", "diagnosed": True, "notes": "Low mood since losing tenancy."},
        {"condition": "Anxiety", "diagnosed": False},
    ],
    "medication": [{"name": "Sertraline 100mg", "notes": "Daily; reviewed by GP every 3 months"}],
    "services": [{"name": "Community mental health team", "contact": "0131 000 0000"}],
    "summary": "Finds crowded places hard. Prefers appointments in the morning.",
}
PHYSICAL_HEALTH = {
    "conditions": [
        {"condition": "Hepatitis C", "diagnosed": True, "notes": "Treatment completed 2025."},
        {"condition": "Leg ulcer", "diagnosed": True, "notes": "Dressed twice a week."},
    ],
    "medication": [{"name": "Methadone 60ml", "notes": "Supervised at the pharmacy"}],
    "services": [{"name": "Health and homelessness nursing team"}],
    "gp_practice": "Leith Links Medical Practice",
}
FAMILY = {
    "children": [
        {"age": 7, "lives_with": False, "social_work_involved": True, "notes": "Contact weekly."}
    ],
    "carers": [{"relationship": "Sister", "contact_ok": True}],
    "family_contact_wishes": "Happy for my sister to be told about appointments.",
}
STORIES = (
    "I have moved between friends' sofas and hostels for two years. I want a place near my "
    "family and a job again.",
    "My drinking got worse after my mum died. I have been in hospital twice this year.",
    "I left care at 16 and have been homeless on and off since. I do not want to tell this "
    "story again.",
    "I was in the army and then in prison. I want to stay out of trouble and see my kids.",
)


def _full(base: dict[str, Any], story: str) -> dict[str, Any]:
    plan = copy.deepcopy(base)
    plan.setdefault("about_me", {})["my_story"] = story
    plan.setdefault("justice", copy.deepcopy(JOHN["justice"]))
    plan["mental_health"] = copy.deepcopy(MENTAL_HEALTH)
    plan["physical_health"] = copy.deepcopy(PHYSICAL_HEALTH)
    plan["family"] = copy.deepcopy(FAMILY)
    return plan


def templates(catalogue: Any) -> list[dict[str, dict[str, Any]]]:
    """Whole plans (section key -> content), each validated by the section's schema."""
    plans = [_full(SARAH, story) for story in STORIES]
    plans += [_full(JOHN, story) for story in STORIES[:2]]
    valid = []
    for plan in plans:
        checked = {}
        for kind in catalogue:
            content = plan.get(kind.key, {})
            checked[kind.key] = kind.schema.dump(kind.schema.load(content))
        valid.append(checked)
    return valid


def pick(rng: random.Random, plans: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    return plans[rng.randrange(len(plans))]
