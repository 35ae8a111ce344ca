"""HTML the busiest page makes in Python rather than in Jinja macros: a section's lines and
how to reach a member of staff. The plan page shows a dozen sections and a care team on
every view, and a macro call is the dearest thing Jinja does; these write the same bytes
the macros wrote (tests/unit/test_fragments.py holds them to the old templates' output),
every value escaped once (markupsafe, as Jinja's autoescape does).

Templates call them as globals (`careplan.web.pages.init_app`): `section_lines_html(lines)`
and `contact_html(phone, email, pattern)`.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from careplan.web.display import Line, grouped
from careplan.web.words import basis_words

_NOTHING = Markup('\n\n<p class="careplan-muted">Nothing written here yet.</p>\n\n')
_ITEM = (
    '\n  <div class="ds_summary-list__item">\n'
    '    <dt class="ds_summary-list__key">{}</dt>\n'
    '    <dd class="ds_summary-list__value">{}</dd>\n'
    "  </div>\n  "
)


def section_lines(found: list[Line]) -> Markup:
    """A section's lines (careplan.web.display.lines) as the design system's Summary list,
    one list per group of lines under the group's heading (h3); "Nothing written here
    yet." when there are none. The whitespace is the old `section_lines` macro's
    (templates/macros/fields.html), byte for byte."""
    if not found:
        return _NOTHING
    parts = ["\n\n"]
    for group, group_lines in grouped(found):
        parts.append(f'\n<h3 class="careplan-group">{escape(group)}</h3>' if group else "\n")
        parts.append('\n<dl class="ds_summary-list">\n  ')
        parts.extend(
            _ITEM.format(escape(line.name or line.label), escape(line.value))
            for line in group_lines
        )
        parts.append("\n</dl>\n")
    parts.append("\n\n")
    return Markup("".join(parts))  # noqa: S704 (every value escaped above)


def contact(phone: Any, email: Any, pattern: Any) -> Markup:
    """How to reach someone (the plan summary's key worker and care team, issue 17): their
    work phone as a `tel:` link (spaces taken out of the address) or "No work phone
    recorded", their email as a `mailto:` link, and their working pattern if recorded.
    The whitespace is the old `reach` macro's (templates/plans/plan.html), byte for byte."""
    if phone:
        call = f'<a href="tel:{escape(str(phone).replace(" ", ""))}">{escape(phone)}</a>'
    else:
        call = "No work phone recorded"
    works = f"<br>Works: {escape(pattern)}" if pattern else ""
    mail = escape(email)
    html = f'\n{call}<br>\n<a href="mailto:{mail}">{mail}</a>{works}\n'
    return Markup(html)  # noqa: S704 (every value escaped above)


_REFUSED = (
    '<p><strong class="ds_tag ds_tag--orange">Seen because of the emergency</strong> {} chose '
    "not to share this with your organisation. You can see it only because of the emergency "
    "access.</p>"
)
_OWN_WORDS = '<p><strong class="ds_tag">In their own words</strong> {} wrote this themselves.</p>'


def plan_sections(
    sections: list[dict[str, Any]], summary: dict[str, Any], person_name: Any
) -> Markup:
    """The plan page's sections (careplan.plans.views `_sections`: key, title, basis,
    by_person, lines, links, can_add, can_change), each a `<section>` with its heading,
    a tag if it is seen only because of an emergency (`summary["refused"]`), why the
    caller may see it (unless the summary says it once for all, `summary["basis"]`), a tag
    if the person wrote it, its lines and its links. The whitespace is the old loop's in
    templates/plans/plan.html, byte for byte."""
    refused = summary["refused"]
    said_once = summary["basis"]
    name = escape(person_name)
    parts = []
    for section in sections:
        key = escape(section["key"])
        title = section["title"]
        hidden = escape(title.lower())
        links = section["links"]
        parts.append(
            f'\n<section class="careplan-section" aria-labelledby="section-{key}">\n'
            f'  <h2 id="section-{key}">{escape(title)}</h2>\n  '
        )
        if section["key"] in refused:
            parts.append(_REFUSED.format(name))
        parts.append("\n  ")
        if not said_once:
            basis = escape(basis_words(section["basis"]))
            parts.append(f'<p class="careplan-muted">Why you can see this: {basis}</p>')
        parts.append("\n  ")
        if section.get("by_person"):
            parts.append(_OWN_WORDS.format(name))
        parts.append("\n  ")
        parts.append(section_lines(section["lines"]))
        parts.append(
            '\n  <ul class="careplan-actions ds_no-bullets">\n'
            f'    <li><a href="{escape(links["section"])}">Updates<span class="visually-hidden">'
            f" to {hidden}</span></a></li>\n    "
        )
        if section.get("can_add"):
            parts.append(
                f'<li><a href="{escape(links["add_update"])}">Add an update'
                f'<span class="visually-hidden"> to {hidden}</span></a></li>'
            )
        parts.append("\n    ")
        if section.get("can_change"):
            parts.append(
                f'<li><a href="{escape(links["edit"])}">Change'
                f'<span class="visually-hidden"> {hidden}</span></a></li>'
            )
        parts.append(
            f'\n    <li><a href="{escape(links["history"])}">Earlier versions'
            f'<span class="visually-hidden"> of {hidden}</span></a></li>\n'
            "  </ul>\n</section>\n"
        )
    return Markup("".join(parts))  # noqa: S704 (every value escaped above)
