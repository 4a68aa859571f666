"""Issue 18, "try the bot" as the web chat's preview: the owner's page frames the real
widget on the panel's own address (a web chat channel allowing that address), and the
widget's reads, which a browser sends without `Origin` from its own address, are answered.
Screenshots at 1366 and 390 px."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from adapters.webchat import new_channel, snippet_line
from core import owner_config, owner_desk, sample_shop
from core.events import Platform
from core.models import Conversation
from tests.browser.conftest import DESKTOP, PHONE, log_in, new_page, shot
from tests.integration.helpers import eventually
from tests.integration.test_crash_recovery import PasokhProcess
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser

OWNER = "owner@example.com"
WIDGET = "#pasokh-webchat"
LIVE_WAIT_MS = 20_000


@pytest.fixture
async def previewed(database, fake_telegram) -> AsyncIterator[PasokhProcess]:
    """Pasokh with the sample shop and a web chat that allows Pasokh's own address."""
    await owner_config.store(sample_shop.sample())
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    channel = new_channel("فروشگاه", ["https://shop.example", process.base])
    await owner_desk.save_channel(Platform.WEBCHAT, key=channel.key, token=channel.token,
                                  webhook_secret="", name=channel.name,
                                  options=channel.options)
    await make_user(OWNER, "owner")
    await process.start()
    yield process
    await process.terminate()


async def test_issue_18_try_the_bot_is_the_web_chat_widget(browser, previewed):
    refused: list[str] = []
    page = await new_page(browser, DESKTOP)
    page.on("response", lambda response: refused.append(response.url)
            if "/webchat/api/" in response.url and response.status >= 400 else None)
    await log_in(page, previewed.base, OWNER)
    await page.goto(previewed.base + "/owner/try")
    frame = page.frame_locator("iframe.try-frame")
    # The frame opens the chat by itself; the visitor is the owner.
    await frame.locator(f"{WIDGET} [data-pasokh=panel]:not([hidden])").wait_for(
        timeout=LIVE_WAIT_MS)
    await frame.locator(f"{WIDGET} [data-pasokh=input]").fill("سلام")
    await frame.locator(f"{WIDGET} [data-pasokh=send]").click()
    await frame.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]").first.wait_for(
        timeout=LIVE_WAIT_MS)
    await frame.locator(f"{WIDGET} [data-pasokh=button]").first.wait_for()
    # A menu button, then the answer arrives through the stream and the history (GETs).
    await frame.locator(f"{WIDGET} [data-pasokh=button]").first.click()
    await eventually(lambda: _more_than(frame, 2), timeout=20, what="the button's answer")
    assert refused == []
    await eventually(lambda: Conversation.filter(channel__platform="webchat").exists(),
                     what="the preview's conversation in the inbox")
    await page.wait_for_timeout(300)  # the font settles
    await shot(page, "issue-18-try-the-bot-widget")

    # The owner opens the conversation in the panel, in another tab: the widget says "seen"
    # under the visitor's last message, live.
    conversation = await Conversation.get(channel__platform="webchat")
    panel = await page.context.new_page()
    await panel.goto(f"{previewed.base}/conversations/{conversation.id}")
    seen = frame.locator(f"{WIDGET} [data-pasokh=message][data-from=visitor]"
                         " [data-pasokh=seen]")
    await seen.wait_for(timeout=LIVE_WAIT_MS)
    assert await seen.inner_text() == "دیده شد"
    assert await frame.locator(f"{WIDGET} [data-pasokh=seen]").count() == 1
    assert await frame.locator(f"{WIDGET} [data-from=visitor][data-seen=true]").count() == 2
    await shot(page, "webchat-seen")

    phone = await new_page(browser, PHONE)
    await log_in(phone, previewed.base, OWNER)
    await phone.goto(previewed.base + "/owner/try")
    narrow = phone.frame_locator("iframe.try-frame")
    # Another browser context: another visitor, with a conversation of its own.
    await narrow.locator(f"{WIDGET} [data-pasokh=panel]:not([hidden])").wait_for(
        timeout=LIVE_WAIT_MS)
    # Below the owner's page list on a phone: Playwright scrolls the frame's own
    # viewport, not the page's, to reach a fixed element inside it.
    await phone.locator("iframe.try-frame").scroll_into_view_if_needed()
    await narrow.locator(f"{WIDGET} [data-pasokh=input]").fill("سلام")
    await narrow.locator(f"{WIDGET} [data-pasokh=send]").click()
    await narrow.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]").first.wait_for(
        timeout=LIVE_WAIT_MS)
    box = await narrow.locator(f"{WIDGET} [data-pasokh=panel]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    overflow = await phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    await phone.wait_for_timeout(300)
    await shot(phone, "issue-18-try-the-bot-widget-phone")
    assert refused == []


async def _more_than(frame, count: int) -> bool:
    return await frame.locator(f"{WIDGET} [data-pasokh=message]").count() > count


async def test_issue_14_the_channels_secret_is_masked_shown_copied_and_rotated(browser,
                                                                               previewed):
    page = await new_page(browser, DESKTOP)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await log_in(page, previewed.base, OWNER)
    await page.goto(previewed.base + "/owner/channels")
    secret = page.locator("input[data-secret]")
    assert await secret.get_attribute("type") == "password"
    before = await secret.input_value()
    await page.click("button[data-reveal]")
    assert await secret.get_attribute("type") == "text"
    assert await page.get_attribute("button[data-reveal]", "aria-pressed") == "true"
    copy = page.locator("button[data-copy^=secret-]")
    await copy.click()
    await page.wait_for_selector("button[data-copy^=secret-][data-copied=yes]")
    assert await page.evaluate("navigator.clipboard.readText()") == before
    await shot(page, "webchat-secret-shown")
    await page.click(".secret-rotate button[type=submit]")
    await page.wait_for_selector(".owner-notice")
    after = await page.locator("input[data-secret]").input_value()
    assert after and after != before
    assert await page.locator("input[data-secret]").get_attribute("type") == "password"
    phone = await new_page(browser, PHONE)
    await log_in(phone, previewed.base, OWNER)
    await phone.goto(previewed.base + "/owner/channels")
    overflow = await phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    await phone.locator("input[data-secret]").scroll_into_view_if_needed()
    await shot(phone, "webchat-secret-phone")


async def test_issue_14_the_bubble_speaks_the_channels_language_and_says_too_many_reads(
        browser, database, fake_telegram):
    """An English channel on a Persian page: the bubble's label is English before anything
    is fetched (the snippet's data-lang, else the language the server said last time); too
    many reads are said in the widget, not silently dropped."""
    await owner_config.store(sample_shop.sample())
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    process._env["WEBCHAT_READS_PER_MINUTE"] = "3"  # noqa: SLF001 - a limit for this test
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    channel = new_channel("Shop", [origin], language="en")
    await owner_desk.save_channel(Platform.WEBCHAT, key=channel.key, token=channel.token,
                                  webhook_secret="", name=channel.name,
                                  options=channel.options)
    # The line as pasted now, and as pasted before it said the language.
    site = await _shop(port, {"/": snippet_line(process.base, channel.key, "en"),
                              "/old": snippet_line(process.base, channel.key)})
    await process.start()
    try:
        page = await new_page(browser, DESKTOP)
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url)
                if "/webchat/api/" in request.url else None)
        await page.goto(origin + "/")
        launcher = page.locator(f"{WIDGET} [data-pasokh=launcher]")
        await launcher.wait_for()
        assert await launcher.get_attribute("aria-label") == "Open the chat"
        assert asked == []  # the loader fetched nothing to know it
        await launcher.click()
        await page.fill(f"{WIDGET} [data-pasokh=input]", "hello")
        await page.click(f"{WIDGET} [data-pasokh=send]")
        # A read, the stream, the reads after the message and the answer: over three.
        error = page.locator(f"{WIDGET} .status.error", has_text="Too many requests")
        await error.wait_for(timeout=LIVE_WAIT_MS)
        await shot(page, "webchat-too-many-reads")
        # The old line on a Persian page: the language the server said, kept with the token
        # (the server is not asked this time, so the loader alone labels the bubble).
        await page.route("**/webchat/api/**", lambda route: route.abort())
        await page.goto(origin + "/old")
        await launcher.wait_for()
        assert await launcher.get_attribute("aria-label") == "Open the chat"
    finally:
        await process.terminate()
        await site.cleanup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _shop(port: int, lines: dict[str, str]) -> web.AppRunner:
    """A Persian shop's pages, each with its line."""
    app = web.Application()
    for path, line in lines.items():
        html = ("<!doctype html><html lang='fa' dir='rtl'><head><meta charset='utf-8'>"
                f"<title>فروشگاه</title></head><body><h1>فروشگاه</h1>{line}</body></html>")
        app.router.add_get(path, _page_of(html))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def _page_of(html: str):  # type: ignore[no-untyped-def]
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    return page


def _picture(width: int = 160, height: int = 100) -> bytes:
    """A real PNG with a gradient, made here rather than kept as a file."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"".join(bytes((x * 255 // width, 90, y * 255 // height))
                                       for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


async def test_issue_14_a_visitor_sends_a_picture_seen_as_a_thumbnail_both_sides(
        browser, previewed, tmp_path):
    picture = tmp_path / "رسید.png"
    picture.write_bytes(_picture())
    page = await new_page(browser, DESKTOP)
    await log_in(page, previewed.base, OWNER)
    await page.goto(previewed.base + "/owner/try")
    frame = page.frame_locator("iframe.try-frame")
    await frame.locator(f"{WIDGET} [data-pasokh=attach]:not([hidden])").wait_for(
        timeout=LIVE_WAIT_MS)
    await frame.locator(f"{WIDGET} [data-pasokh=file]").set_input_files(str(picture))
    thumbnail = frame.locator(f"{WIDGET} [data-from=visitor] img[data-pasokh=image]")
    await thumbnail.wait_for(timeout=LIVE_WAIT_MS)
    await eventually(lambda: _loaded(thumbnail), timeout=20, what="the thumbnail drawn")
    await page.wait_for_timeout(300)
    await shot(page, "webchat-picture")
    # The agent's panel shows the same picture in the conversation.
    conversation = await Conversation.get(channel__platform="webchat")
    panel = await page.context.new_page()
    await panel.goto(f"{previewed.base}/conversations/{conversation.id}")
    shown = panel.locator(".media img")
    await shown.wait_for(timeout=LIVE_WAIT_MS)
    await eventually(lambda: _loaded(shown), timeout=20, what="the picture in the panel")
    await shot(panel, "webchat-picture-panel")


async def _loaded(image) -> bool:
    return await image.evaluate("img => img.complete && img.naturalWidth === 160")
