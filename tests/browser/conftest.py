"""The service on a real loopback port with the demo world, and Debian's Chromium driven by
Playwright. One server and one browser for the whole run; each user signs in once, through
the sign-in pages, and keeps their browser context (TOTP codes are never accepted twice).

Every page a test visits is checked with axe-core (no serious or critical violations) and
saved as a screenshot under build/screenshots/ (README: "Web pages").
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from careplan import create_app
from careplan.demo import DEMO_TOTP, INDIVIDUAL, STAFF, load_demo
from careplan.extensions import db
from tests.identity.harness import free_port, serve
from tests.web.forms_walk import default_messages_in

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORDS = {email: password for email, _, _, _, password in STAFF} | {INDIVIDUAL[0]: INDIVIDUAL[2]}
_shot_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite file and fresh keys in a scratch folder, the demo world, a real port."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("browser tests run in the SQLite pass")
    folder = tmp_path_factory.mktemp("site")
    app: Flask = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'careplan.sqlite'}",
            "INSTANCE_PATH": str(folder),
            "AUDIT_KEY_FILE": str(folder / "audit-key.pem"),
            "DATA_KEYS_FILE": str(folder / "data-keys.json"),
            "SECRET_KEY": "browser-tests-" + os.urandom(8).hex(),
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(db.session)
        db.session.commit()
    with serve(app, free_port()) as url:
        yield url
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run scripts/setup.sh"
    shutil.rmtree(SHOTS, ignore_errors=True)  # this run's pages only
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


# Authenticator keys set up during the run (an administrator's reset makes the person set
# up a new app at their next sign-in), in place of the demo's.
ENROLLED: dict[str, str] = {}


def code(email: str, ahead: int = 0) -> str:
    secret = ENROLLED.get(email) or DEMO_TOTP[email]
    return pyotp.TOTP(secret).at(time.time() + 30 * ahead)


def sign_in(page: Any, site: str, email: str) -> None:
    """Through the pages, as a person would: password, then the authenticator code."""
    page.goto(f"{site}/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORDS[email])
    page.click("button:has-text('Sign in')")
    if "/sign-in/code" in page.url:
        page.fill("#code", code(email))
        page.click("button[type=submit]")
        if "/sign-in/code" in page.url:
            # This window's code was used by an earlier sign-in of the run, and the service
            # takes a code once (RFC 6238 section 5.2): wait for the next, as a person would.
            time.sleep(31 - time.time() % 30)
            page.fill("#code", code(email))
            page.click("button[type=submit]")
    elif "/sign-in/set-up-code" in page.url:
        # Their second factor was reset earlier in the run (test_5): set up a new app.
        # The QR code shows (an SVG without its namespace once loaded as nothing).
        qr = page.locator("img.careplan-qr")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "QR code not shown"
        ENROLLED[email] = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.fill("#code", code(email))
        page.click("button[type=submit]")
        page.get_by_role("link", name="I have saved my codes").click()
    assert "/sign-in" not in page.url, page.content()[:500]


class Users:
    """One browser context per user, signed in once and kept for the run."""

    def __init__(self, browser: Any, site: str) -> None:
        self.browser, self.site = browser, site
        self.pages: dict[str, Any] = {}

    def page(self, email: str, **context: Any) -> Any:
        if email not in self.pages:
            ctx = self.browser.new_context(**context)
            page = ctx.new_page()
            page.set_default_timeout(10_000)
            sign_in(page, self.site, email)
            self.pages[email] = page
        return self.pages[email]


@pytest.fixture(scope="session")
def users(browser: Any, site: str) -> Iterator[Users]:
    people = Users(browser, site)
    yield people
    for page in people.pages.values():
        page.context.close()


def fill_date(page: Any, selector: str, iso: str) -> None:
    """Type a date into the date input pattern's day, month and year boxes, as a person
    would: `selector` names the field ("#date_of_birth", "[name='c.x.by_when']")."""
    year, month, day = iso.split("-")
    if selector.startswith("[name="):
        name = selector[len("[name=") : -1].strip("'\"")
        boxes = {part: f"[name='{name}-{part}']" for part in ("day", "month", "year")}
    else:
        boxes = {part: f"{selector}-{part}" for part in ("day", "month", "year")}
    page.fill(boxes["day"], str(int(day)))
    page.fill(boxes["month"], str(int(month)))
    page.fill(boxes["year"], year)


def choose_staff(page: Any, name: str, person: str) -> None:
    """Choose a member of staff as a person would in the "search then choose" pattern
    (careplan.web.staff_picker): search first when the page asks for a search (a long
    list), then tick the radio whose label starts with their name."""
    if page.locator("#staff_q").count():
        page.fill("#staff_q", person)
        page.click("button:has-text('Search for staff')")
    # The design system draws the radio over its label: click the label, as a person does.
    starts = re.compile("^" + re.escape(person))
    page.locator(f"fieldset#{name} label.ds_radio__label", has_text=starts).first.click()


def confirm_if_asked(page: Any, email: str) -> None:
    """Break-glass and IG exports ask the person to confirm who they are again."""
    if "/confirm" not in page.url:
        return
    if email in DEMO_TOTP:
        # The sign-in used this step's code: the next step's is the one still unused.
        page.fill("#code", code(email, ahead=1))
    else:
        page.fill("#password", PASSWORDS[email])
    page.click("button[type=submit]")


def check(page: Any, name: str) -> None:
    """axe-core on the page as it is now (no serious or critical violations), then a
    full-page screenshot. axe is loaded from the service's own static files, so the page's
    Content-Security-Policy stays on while it runs."""
    page.wait_for_load_state("load")
    page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    violations = page.evaluate(
        """async () => {
            const limit = new Promise((_, fail) =>
                setTimeout(() => fail(new Error('axe did not finish in 30 s')), 30000));
            const result = await Promise.race(
                [axe.run(document, {resultTypes: ['violations']}), limit]);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))
            }));
        }"""
    )
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    # Every image on the page loaded and has a size (an SVG without its namespace, say,
    # loads as nothing: the authenticator's QR code once did).
    broken = page.evaluate(
        """() => Array.from(document.images)
            .filter(img => !img.complete || img.naturalWidth === 0)
            .map(img => (img.getAttribute('alt') || img.src).slice(0, 60))"""
    )
    assert broken == [], f"{name}: images that did not load: {broken}"
    # Each element id once: a label, an error link or a click reaches one element only
    # (two review forms sharing ids once let an answer in one tick the other).
    repeated = page.evaluate(
        """() => {
            const seen = {};
            document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
            return Object.keys(seen).filter(id => seen[id] > 1);
        }"""
    )
    assert repeated == [], f"{name}: ids used more than once: {repeated}"
    # No marshmallow default message ("Missing data for required field.", "Not a valid
    # UUID.", ...) on any page: every message names the field and says what to do.
    raw = default_messages_in(page.content())
    assert raw == [], f"{name}: default validation text: {raw}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    page.screenshot(path=str(SHOTS / f"{next(_shot_numbers):02d}-{slug}.png"), full_page=True)
    assert bad == [], f"{name}: {bad}"
