"""The Notify-like server on loopback and an app configured to send through it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notifications.notify_stub import NotifyStub, Running, templates_toml

PUBLIC_URL = "https://careplan.example.scot"


@pytest.fixture(scope="session")
def notify() -> Iterator[Running]:
    running = Running(NotifyStub())
    yield running
    running.stop()


@pytest.fixture
def stub(notify: Running) -> NotifyStub:
    """The server with nothing received and nothing scripted."""
    s = notify.stub
    with s.lock:
        s.received.clear()
        s.script.clear()
        s.status = "delivered"
        s.refused_tokens = 0
    return s


def notify_config(notify: Running, folder: Path) -> dict:
    path = folder / "notify-templates.toml"
    path.write_text(templates_toml())
    return {
        "NOTIFY_API_KEY": notify.stub.key,
        "NOTIFY_BASE_URL": notify.url,
        "NOTIFY_TEMPLATES_FILE": str(path),
        "NOTIFY_RETRY_SECONDS": 0,
        "NOTIFY_THREADS": 4,
        "PUBLIC_URL": PUBLIC_URL,
    }


@pytest.fixture
def app_config(notify: Running, tmp_path: Path) -> dict:
    return notify_config(notify, tmp_path)
