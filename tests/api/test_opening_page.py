"""The administrator's opening page in a real browser (Debian's Chromium, headless): it signs in
with the token in its address, follows the seat stream with a ticket (no header), and its numbers
fall as families grab. It saves screenshots, a laptop's and a phone's, to `test-artifacts/opening-page*.png`."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from fastapi import FastAPI
from playwright.async_api import async_playwright, expect

from app.resources import Resources
from tests.support.browser import ARGS, CHROMIUM, browser_marks
from tests.support.grabbing import add_families, grab, open_and_arm
from tests.support.server import ServerProcess
from tests.support.world import World

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"

pytestmark = browser_marks(180)


async def test_the_numbers_fall_as_families_grab(
    app: FastAPI, client: httpx.AsyncClient, world: World, server: ServerProcess
) -> None:
    resources: Resources = app.state.resources
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 3)
    await open_and_arm(resources, world.term_a)
    token = world.auth("admin-a")["Authorization"].removeprefix("Bearer ")
    address = f"{server.base_url}/admin/opening?term_id={world.term_a}#token={token}"
    seats = f"#seats-{world.course_a}"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            refused: list[str] = []
            page.on("console", lambda message: refused.append(message.text)
                    if message.type == "error" else None)  # fmt: skip
            await page.goto(address)
            await expect(page.locator(seats)).to_have_text("30")
            await expect(page.locator("#status")).to_contain_text("实时")  # the stream is live
            assert "#token=" not in page.url  # the token leaves the address bar
            async with httpx.AsyncClient(base_url=server.base_url, timeout=None) as families_app:
                for family in families:
                    answer = await grab(families_app, world.term_a, family, world.course_a)
                    assert answer.status_code == 201, answer.text
                again = await grab(
                    families_app, world.term_a, families[0], world.course_a, uuid.uuid4().hex
                )
                assert again.status_code == 409
            await expect(page.locator(seats)).to_have_text("27")
            await expect(page.locator("#count-confirmed")).to_have_text("3")
            await expect(page.locator("#outcomes")).to_contain_text("already-enrolled")
            await expect(page.locator("#phase")).to_have_text("第一轮进行中")
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "opening-page.png"), full_page=True)
            await page.set_viewport_size({"width": 390, "height": 844})  # a phone
            await expect(page.locator(seats)).to_be_visible()
            await expect(page.locator("#count-confirmed")).to_be_visible()
            await page.screenshot(path=str(ARTIFACTS / "opening-page-phone.png"), full_page=True)
            assert not refused, refused  # no script error, nothing the page's policy blocked
        finally:
            await browser.close()


async def test_the_figures_are_for_the_schools_administrators(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/api/v1/terms/{world.term_a}/opening"
    figures = await client.get(path, headers=world.auth("admin-a"))
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert body["phase"] in {"before", "round1", "between", "round2", "closed"}
    assert [c["course_id"] for c in body["courses"]] == [world.course_a]
    for caller in ("parent-1", "admin-b"):
        assert (await client.get(path, headers=world.auth(caller))).status_code == 403


async def test_a_doctored_term_id_sends_nothing_with_the_token(
    world: World, server: ServerProcess
) -> None:
    """A link whose term id smuggles another path (`1/arm?`) must not make the page send the
    administrator's token anywhere: the page refuses it and asks for a number."""
    token = world.auth("admin-a")["Authorization"].removeprefix("Bearer ")
    address = f"{server.base_url}/admin/opening?term_id={world.term_a}%2Farm%3F#token={token}"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page()
            sent: list[str] = []
            page.on("request", lambda request: sent.append(request.url))
            await page.goto(address)
            await expect(page.locator("#status")).to_contain_text("term_id")
            assert [url for url in sent if "/api/" in url] == []
        finally:
            await browser.close()
