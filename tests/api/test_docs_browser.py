"""The API docs render in a real browser with no request leaving loopback (no CDN)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

from tests.support.browser import ARGS, CHROMIUM, browser_marks
from tests.support.server import ServerProcess

LOOPBACK = {"127.0.0.1", "localhost", "::1"}

pytestmark = browser_marks(120)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _watched_page(browser: Browser, requested: list[str]) -> Page:
    page = browser.new_page()

    def guard(route: Route, request: Request) -> None:
        requested.append(request.url)
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)
    return page


def _off_loopback(urls: list[str]) -> list[str]:
    return [
        url
        for url in urls
        if not url.startswith(("data:", "blob:")) and urlsplit(url).hostname not in LOOPBACK
    ]


def test_swagger_ui_renders_the_operations_offline(server: ServerProcess, browser: Browser) -> None:
    requested: list[str] = []
    page = _watched_page(browser, requested)
    page.goto(f"{server.base_url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/readyz" in path for path in paths)
    assert any("/docs-assets/swagger-ui-bundle.js" in url for url in requested)
    assert _off_loopback(requested) == []


def test_redoc_renders_offline(server: ServerProcess, browser: Browser) -> None:
    requested: list[str] = []
    page = _watched_page(browser, requested)
    page.goto(f"{server.base_url}/redoc")
    page.get_by_role("heading", name=re.compile("Readiness")).first.wait_for(timeout=30_000)
    assert any("/docs-assets/redoc.standalone.js" in url for url in requested)
    assert _off_loopback(requested) == []
