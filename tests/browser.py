"""A headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright; skip when either is missing."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from typing import Iterator

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str:
    """The system Chromium, or a pytest skip naming what is missing."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no system Chromium (apt-get install chromium)")


@contextmanager
def browser_page(args: tuple[str, ...] = ()) -> Iterator[tuple[object, list[str], list[str]]]:
    """``(page, console errors, requested URLs)`` of a fresh headless page (``args``: more Chromium switches)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    executable = chromium_path()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", *args])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda problem: errors.append(str(problem)))
            page.on("request", lambda request: requests.append(request.url))
            yield page, errors, requests
        finally:
            browser.close()
