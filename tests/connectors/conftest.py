"""Fixtures the connector tests share: the app a test module is about (its `CONNECTOR`
folder), the local fake of Google's APIs and a browser that goes through its consent
screen."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Iterator
from typing import Any

import pytest

from engine.apps import App, load_makecomapp
from tests.support import fake_google as support
from tests.support.fake_google import FakeGoogle

fake_google = support.fake_google


@pytest.fixture(scope="module")
def app(request: pytest.FixtureRequest) -> App:
    """The shipped app of the test module's `CONNECTOR` folder, loaded once per module."""
    connector = getattr(request.module, "CONNECTOR", None)
    assert connector is not None, f"{request.module.__name__} names no CONNECTOR folder"
    return load_makecomapp(connector)


@pytest.fixture
def browser(fake_google: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The user's browser: it follows the authorize URL to the fake consent screen."""
    opened: list[str] = []

    def open_url(url: str, *args: Any, **kwargs: Any) -> bool:
        opened.append(url)
        threading.Thread(target=fake_google.consent, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    yield opened
