"""A real browser: a supervisor signs in by the chat's link, opens the queue, decides a request, and
the cadre is told in the chat. Screenshots of the queue and the filing at phone and desktop sizes."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import start_web
from tests.support.browser import chromium
from tests.support.flows import CADRE, SUP, filed, texts
from tests.support.webdesk import link

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
LEAD_SCREENS = Path("/work/notes/screens")


def _shoot(driver, out: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path = out / f"{name}.png"
    driver.save_screenshot(str(path))
    if LEAD_SCREENS.parent.exists():
        LEAD_SCREENS.mkdir(exist_ok=True)
        shutil.copy(path, LEAD_SCREENS / path.name)


async def test_browser_signs_in_decides_and_the_cadre_is_told(chat: LocalChat, tmp_path: Path) -> None:
    ref, _ = await filed(chat)
    await chat.services.filings.workflow.accept(ref, SUP)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        for size, (width, height) in SIZES.items():
            url = await link(chat, SUP)

            def browse(url: str = url, size: str = size, width: int = width, height: int = height) -> None:
                with chromium(width, height) as driver:
                    driver.get(url)
                    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button").click()
                    WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith("/queue"))
                    _shoot(driver, tmp_path, f"queue-{size}")
                    driver.find_element(By.LINK_TEXT, ref).click()
                    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "decide"))
                    _shoot(driver, tmp_path, f"filing-{size}")
                    if size != "desktop":
                        return
                    form = driver.find_element(By.ID, "decide")
                    form.find_element(By.CSS_SELECTOR, "input[value='tolerated']").click()
                    for box in form.find_elements(By.CSS_SELECTOR, "input[type='checkbox']")[:4]:
                        box.click()
                    form.find_element(By.NAME, "reason").send_keys("程序合规，出于公心，未谋取私利，予以容错。")
                    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
                    WebDriverWait(driver, 20).until(lambda d: "予以容错" in d.page_source)
                    # The statistics page under the strict CSP: its chart is a PNG of the desk's own.
                    driver.find_element(By.CSS_SELECTOR, "nav a[href='/stats']").click()
                    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "img.chart"))
                    chart = driver.find_element(By.CSS_SELECTOR, "img.chart")
                    WebDriverWait(driver, 20).until(
                        lambda d: d.execute_script("return arguments[0].naturalWidth", chart)
                    )
                    _shoot(driver, tmp_path, "stats-desktop")

            await asyncio.to_thread(browse)
        told = texts(chat.api.messages.values(), CADRE)
        assert ref in told and "予以容错" in told
        shots = await asyncio.to_thread(lambda: {p.name for p in tmp_path.glob("*.png")})
        assert shots == {f"{page}-{size}.png" for page in ("queue", "filing") for size in SIZES} | {"stats-desktop.png"}
    finally:
        await server.stop()
