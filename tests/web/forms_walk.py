"""Reading a page's forms and element ids with the standard library's HTML parser, for the
tests that walk every form (no marshmallow default message) and every page (ids unique)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

from careplan.core.messages import default_messages


@dataclass
class Form:
    """One <form>: where it goes, how, and its named controls."""

    action: str
    method: str
    hidden: dict[str, str] = field(default_factory=dict)
    visible: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.ids: list[str] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and kind == "hidden":
            form.hidden[name] = a.get("value", "")
        elif tag == "button" or (tag == "input" and kind == "submit"):
            form.buttons.append((name, a.get("value", "")))
        elif tag in ("input", "select", "textarea") and name not in form.visible:
            form.visible.append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def forms(html: str) -> list[Form]:
    reader = _Reader()
    reader.feed(html)
    return reader.forms


def duplicate_ids(html: str) -> list[str]:
    """Element ids used more than once on the page."""
    reader = _Reader()
    reader.feed(html)
    return sorted(i for i, n in Counter(reader.ids).items() if n > 1)


def _pattern(message: str) -> str:
    parts = re.split(r"\{[^}]*\}", message)
    return ".{0,400}?".join(re.escape(p) for p in parts)


DEFAULTS = re.compile("|".join(_pattern(m) for m in default_messages()))


def default_messages_in(html: str) -> list[str]:
    """marshmallow default messages the page shows (the text between tags)."""
    words = re.sub(r"<[^>]+>", " ", html)
    words = re.sub(r"\s+", " ", words.replace("&#34;", '"').replace("&#39;", "'"))
    return [m.group(0) for m in DEFAULTS.finditer(words)]
