"""HTML to PDF, for anything the service prints: the plan on paper, a referral letter.

WeasyPrint (pinned in pyproject.toml; its Pango and HarfBuzz libraries are installed by
scripts/setup.sh) lays the page out from HTML and CSS and writes a tagged PDF/UA-1 file:
real text in reading order with headings, lists and tables marked, the document's
language and title set, so a screen reader reads it and its text can be searched and
copied. The HTML is our own template's, but it holds what people typed, so nothing is
ever fetched while rendering: no images, style sheets or fonts from any address (a link
in a plan must not make the server call out).
"""

from __future__ import annotations

from typing import Any, NoReturn

from weasyprint import HTML

# PDF/UA-1 (ISO 14289-1): the tagged, accessible PDF profile.
VARIANT = "pdf/ua-1"
MEDIA_TYPE = "application/pdf"


class RefusedFetch(ValueError):
    """The document asked for an outside resource while rendering: never fetched."""


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # The address is not logged: it may come from what someone typed into a plan.
    raise RefusedFetch("a printed document fetches nothing")


def render_pdf(html: str) -> bytes:
    """A tagged PDF/UA-1 document of `html`, a complete HTML document that names its
    language (`<html lang>`) and has a `<title>` (PDF/UA asks for both) and carries its own
    CSS in a `<style>` element. Returns the PDF's bytes. Anything the HTML links to
    (images, style sheets) is left out, never fetched."""
    document = HTML(string=html, url_fetcher=_no_fetching, base_url=None)
    return document.write_pdf(pdf_variant=VARIANT)  # type: ignore[no-any-return]
