"""Registering someone already in the service, on the page (issue #16, fault 14): the page
stops, says why in plain words, offers the exact lookup, and goes ahead only with a
reason."""

from __future__ import annotations

import re

from tests.web.support import Browser, staff, text

SARAH_AGAIN = {
    "given_name": "Sarah",
    "family_name": "McKenzie",
    "date_of_birth": "1988-04-12",
}


def test_a_possible_second_record_asks_first(demo_app):
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    first = fiona.get("/people/new")
    assert "/people/lookup" in text(first)  # the advice links to the exact lookup
    stopped = fiona.post("/people/new", SARAH_AGAIN)
    assert stopped.status_code == 409
    page = text(stopped)
    assert "This person may already be registered" in page
    assert "find them by their exact details" in page
    assert 'name="duplicate_reason"' in page
    assert "Mackenzie" not in page.replace("McKenzie", "")  # nothing of the record matched
    short = fiona.post("/people/new", {**SARAH_AGAIN, "duplicate_reason": "not her"})
    assert short.status_code == 400
    assert "Write at least 20 characters" in text(short)
    reason = "A different woman: lives in Wick, and her GP is the Pulteney surgery."
    made = fiona.post("/people/new", {**SARAH_AGAIN, "duplicate_reason": reason})
    assert made.status_code == 302
    assert "/plan/new" in made.headers["Location"]


def test_ig_merges_the_pair_on_its_pages(demo_app):
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    reason = "Different woman: she lives in Wick, and her GP is the Pulteney surgery."
    made = fiona.post(
        "/people/new", {**SARAH_AGAIN, "given_name": "Sally", "duplicate_reason": reason}
    )
    assert made.status_code == 302
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    assert morag.get("/records/duplicates").status_code == 403
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    listed = priya.get("/records/duplicates")
    assert listed.status_code == 200
    page = text(listed)
    assert "Sarah Mackenzie and Sally McKenzie" in page
    link = re.search(r'href="(/records/duplicates/[0-9a-f-]{36})"', page).group(1)
    pair = text(priya.get(link))
    assert "Registered first" in pair
    assert "heroin" not in pair  # never plan content
    unanswered = priya.post(link, {"reason": "Checked with Morag: same address and son."})
    assert unanswered.status_code == 400
    assert "Choose whether these are the same person." in text(unanswered)
    merged = priya.post(
        link,
        {"decision": "keep_existing", "reason": "Checked with Morag: same address and son."},
    )
    assert merged.status_code == 302, text(merged)[:500]
    done = text(priya.get(merged.headers["Location"]))
    assert "The two records are now one." in done
    assert link not in done  # decided: off the list
