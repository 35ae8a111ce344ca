"""The person's copy as a file: JSON (the data), an accessible HTML document, or a tagged
PDF (careplan.web.pdf), each made after the request's records commit (the export's audit
record first: nothing leaves unrecorded). File names carry the day, never a name."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, render_template

from careplan.core import clock, transaction
from careplan.subject_access import readable
from careplan.web.pdf import MEDIA_TYPE, render_pdf

FORMATS = ("json", "html", "pdf")
MEDIA = {"json": "application/json", "html": "text/html", "pdf": MEDIA_TYPE}
DOCUMENT = "subject_access/copy_document.html"


def html_document(person: Any, data: dict[str, Any], *, own: bool, printed: bool) -> str:
    """The copy as a stand-alone HTML document (for download, and for the PDF)."""
    return render_template(
        DOCUMENT,
        person=person,
        data=data,
        parts=readable.parts(data, current_app.extensions["careplan.catalogue"]),
        made=readable.moment(data["generated_at"]),
        own=own,
        printed=printed,
    )


def body(person: Any, data: dict[str, Any], fmt: str, *, own: bool) -> bytes:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "html":
        return html_document(person, data, own=own, printed=False).encode("utf-8")
    return render_pdf(html_document(person, data, own=own, printed=True))


def filename(fmt: str) -> str:
    """`my-information-2026-11-30.pdf`."""
    return f"my-information-{clock.today().isoformat()}.{fmt}"


def response(person: Any, data: dict[str, Any], fmt: str, *, own: bool) -> Response:
    """The copy as a download, never cached (it holds everything about the person)."""

    def make() -> Response:
        made = Response(body(person, data, fmt, own=own), mimetype=MEDIA[fmt])
        made.headers["Content-Disposition"] = f'attachment; filename="{filename(fmt)}"'
        made.headers["Cache-Control"] = "no-store"
        return made

    return transaction.respond_after_commit(make)
