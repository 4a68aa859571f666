"""A real `pasokh serve` on a free port, the fake Telegram, and Debian's Chromium driven by
Playwright. Screenshots go to tests/browser/screenshots/ (git-ignored): look at them."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess  # nosec B404 # starts Playwright's own driver with this interpreter
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.models import Conversation
from tests.integration.helpers import eventually
from tests.integration.test_crash_recovery import PasokhProcess
from tests.panel.helpers import PASSWORD
from tests.waits import patience

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def wait_ms(seconds: float) -> int:
    """A Playwright timeout for a wait that takes at most `seconds` on a quiet machine, scaled
    as every test's waits are (tests/waits.py): Chromium, the server and the test share two
    busy cores under `make test`."""
    return int(patience(seconds) * 1000)


@pytest.fixture(scope="session")
def chromium_server(tmp_path_factory) -> Iterator[str]:
    """One Chromium for this worker's whole run, launched by Playwright's own browser server
    (so with every switch Playwright gives a browser it launches); each test connects to it
    and works in contexts of its own. Launching Chromium for every test cost ~1 s of both
    cores each time. Yields the address a test connects to."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    config = tmp_path_factory.mktemp("chromium") / "launch.json"
    config.write_text(json.dumps({"executablePath": str(CHROMIUM), "args": CHROMIUM_ARGS}))
    server = subprocess.Popen(  # noqa: S603 - Playwright's driver, with this interpreter
        [sys.executable, "-m", "playwright", "launch-server", "--browser", "chromium",
         "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True)  # its own process group: the driver's node and Chromium too
    try:
        address = _first_line(server, patience(20))
        assert address.startswith("ws://"), f"Playwright's browser server said {address!r}"
        yield address
    finally:
        # The whole group: SIGTERM to the Python wrapper alone left its node driver and
        # Chromium running after the run. The driver closes its Chromium on SIGTERM.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=patience(10))
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _first_line(process: subprocess.Popen[str], within: float) -> str:
    """The first line a child writes, waited for in a thread so a silent child fails the
    run after `within` seconds instead of hanging it."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as reader:
        assert process.stdout is not None
        return reader.submit(process.stdout.readline).result(timeout=within).strip()


@pytest.fixture
async def browser(chromium_server):
    """The worker's Chromium, connected for this test: the contexts it opens close with it."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.connect(chromium_server)
        yield browser
        await browser.close()


@pytest.fixture
async def server(database, fake_telegram, browser):
    """Pasokh as its own process, on the database this test seeds through Tortoise."""
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    await process.start()
    yield process
    await stop_server(process, browser)


async def stop_server(process: PasokhProcess, browser) -> None:
    """Closes the test's pages first (what a test leaves open is closed before the next
    one, whatever it holds). A server still running 30 s after SIGTERM is killed, with a
    warning, rather than left behind to slow every later test: open streams end at
    SIGTERM (tests/bots/test_serve_shutdown.py), so only a hang gets there."""
    for context in browser.contexts:
        await context.close()
    if await process.terminate() is None:
        process.kill()
        warnings.warn(f"pasokh serve did not exit within 30 s of SIGTERM ({process.base}); "
                      "killed", stacklevel=1)


async def new_page(browser, viewport=DESKTOP):
    context = await browser.new_context(viewport=viewport, locale="fa-IR")
    context.set_default_timeout(wait_ms(10))  # every wait and action that names no timeout
    page = await context.new_page()
    page.on("dialog", _no_dialogs)
    return page


async def _no_dialogs(dialog) -> None:
    await dialog.dismiss()
    raise AssertionError(f"a page opened a {dialog.type} dialog: {dialog.message!r}")


async def log_in(page, base: str, email: str) -> None:
    await page.goto(base + "/")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit].primary")
    await page.wait_for_selector("#inbox-rows")
    await page.wait_for_selector("body[data-live=on]")


async def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def conversation_of(chat_id: int) -> Conversation:
    await eventually(lambda: Conversation.exists(chat_id=str(chat_id)), what="conversation")
    return await Conversation.get(chat_id=str(chat_id))
