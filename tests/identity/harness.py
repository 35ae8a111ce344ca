"""A real OpenID provider (npm oidc-provider under Node.js) and the app on a real port, and a
browser-like client that follows redirects and fills in the provider's login and consent
forms. No token endpoint or key set is mocked: the app talks to the provider over HTTP."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from flask import Flask
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signing_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


def public_jwks(*keys: RSAKey) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False) for key in keys]}


@contextmanager
def oidc_provider(
    port: int, clients: list[dict[str, Any]], keys: list[RSAKey], accounts: dict[str, Any]
) -> Iterator[str]:
    """Start oidc-provider on http://localhost:PORT; yields the issuer."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the OpenID provider tests (scripts/setup.sh)"
    assert (ROOT / "node_modules" / "oidc-provider").is_dir(), "run scripts/setup.sh (npm ci)"
    issuer = f"http://localhost:{port}"
    config = {
        "issuer": issuer,
        "port": port,
        "clients": clients,
        "jwks": {"keys": [key.as_dict(private=True) for key in keys]},
        "accounts": accounts,
    }
    env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"}
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [node, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(issuer + "/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"oidc-provider did not start: {output[-2000:]}")
            time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@contextmanager
def serve(app: Flask, port: int) -> Iterator[str]:
    """The app on http://127.0.0.1:PORT in a thread (a real HTTP server)."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"action": values.get("action") or "", "fields": {}})
        elif tag in ("input", "button") and self.forms and values.get("name"):
            if values.get("type") in ("checkbox", "radio") and "checked" not in values:
                return
            self.forms[-1]["fields"][values["name"]] = values.get("value") or ""


def forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """requests.Session that submits the provider's development login and consent pages."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.http.get(url, timeout=20, **kwargs)

    def submit(self, response: requests.Response, **fields: str) -> requests.Response:
        found = forms(response.text)
        assert found, f"no form on {response.url}"
        form = found[0]
        data = {**form["fields"], **fields}
        return self.http.post(urljoin(response.url, form["action"]), data=data, timeout=20)

    def sign_in_at_provider(self, start: requests.Response, login: str) -> requests.Response:
        """From the provider's login page through consent, back to the app. A browser still
        signed in at the provider (single sign-on) comes straight back."""
        if "/interaction/" not in start.url:
            return start
        page = self.submit(start, login=login, password="any")
        for _ in range(3):  # consent (once per client), then the redirect to the app
            if "/interaction/" not in page.url:
                return page
            page = self.submit(page)
        return page


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
