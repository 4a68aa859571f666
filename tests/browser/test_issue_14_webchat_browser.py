"""Issue 14: the web chat in a real browser. A shop's page on another port embeds the one
line; the visitor talks to the same bot, asks for a person, and an agent answers from the
panel, live both ways. Screenshots: closed, open, mid-conversation, phone, after hours."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from adapters.webchat import new_channel, snippet_line
from core import owner_config, owner_desk
from core.events import Platform
from core.models import ChannelRefusal, Conversation
from tests.browser.conftest import log_in, new_page, shot, stop_server, wait_ms
from tests.integration.helpers import eventually, text_update
from tests.integration.test_crash_recovery import PasokhProcess
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser

LIVE_WAIT_MS = wait_ms(20)
WIDGET = "#pasokh-webchat"
BOT_LINK = "https://t.me/ShopBot"
SHOP = """\
faq:
  - id: delivery
    question: ارسال سفارش چقدر طول می‌کشد؟
    alternatives: [زمان ارسال چقدر است؟]
    answer: سفارش‌های تهران یک روزه و شهرستان‌ها ۳ تا ۵ روزه می‌رسند.
menu:
  - title: زمان ارسال
    faq: delivery
  - title: گفتگو با پشتیبان
    action: handoff
"""
# Restyles every div, button and input of the page, as a careless theme might.
HOSTILE = ("div, button, input, textarea, section, p, span { color: red !important;"
           " background: yellow !important; font-size: 40px !important; display: inline"
           " !important; border: 5px dashed green !important; transform: rotate(3deg)"
           " !important; }")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _page(line: str) -> str:
    return ("<!doctype html><html lang='fa' dir='rtl'><head><meta charset='utf-8'>"
            f"<title>فروشگاه</title><style>{HOSTILE}</style></head><body>"
            f"<h1>فروشگاه نمونه</h1><div>محصولات ما</div>{line}</body></html>")


@dataclass
class Site:
    origin: str  # the shop's page, allowed
    stranger: str  # another site's page with the same line, not allowed
    pasokh: PasokhProcess
    key: str


async def _serve(port: int, html: str) -> web.AppRunner:
    async def index(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _site(database, fake_telegram, browser, shop: str) -> AsyncIterator[Site]:
    await owner_config.store(owner_config.parse(shop))
    port, stranger_port = _free_port(), _free_port()
    origin = f"http://127.0.0.1:{port}"
    channel = new_channel("فروشگاه", [origin], continue_on=BOT_LINK, ask=("name", "phone"))
    await owner_desk.save_channel(Platform.WEBCHAT, key=channel.key, token=channel.token,
                                  webhook_secret="", name=channel.name,
                                  options=channel.options)
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    line = snippet_line(process.base, channel.key)
    runners = [await _serve(port, _page(line)), await _serve(stranger_port, _page(line))]
    await process.start()
    yield Site(origin, f"http://127.0.0.1:{stranger_port}", process, channel.key)
    await stop_server(process, browser)
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def site(database, fake_telegram, browser) -> AsyncIterator[Site]:
    async for made in _site(database, fake_telegram, browser, SHOP):
        yield made


def _closed_all_week() -> str:
    """Business hours with today closed, in Tehran: the bot says when people are back."""
    tomorrow = datetime.now(ZoneInfo("Asia/Tehran")) + timedelta(days=2)
    day = tomorrow.strftime("%A").lower()
    return SHOP + ("business_hours:\n  - name: default\n    week:\n"
                   f"      {day}: [09:00-17:00]\n")


@pytest.fixture
async def closed_site(database, fake_telegram, browser) -> AsyncIterator[Site]:
    async for made in _site(database, fake_telegram, browser, _closed_all_week()):
        yield made


async def _messages(page, sender: str) -> list[str]:
    return await page.locator(f"{WIDGET} [data-pasokh=message][data-from={sender}]") \
        .all_inner_texts()


async def _say(page, text: str) -> None:
    await page.fill(f"{WIDGET} [data-pasokh=input]", text)
    await page.click(f"{WIDGET} [data-pasokh=send]")


def _striped_png(width: int = 160, height: int = 100) -> bytes:
    """A picture one can recognise in a screenshot: blue and orange stripes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"".join(b"\x20\x60\xd0" if (x // 20) % 2 else b"\xff\x98\x00" for x in range(width))
    pixels = b"".join(b"\x00" + row for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels))
            + chunk(b"IEND", b""))


async def test_issue_14_a_visitor_is_answered_and_an_agent_takes_over_live(browser, site,
                                                                           tmp_path):
    visitor = await new_page(browser)
    await visitor.goto(site.origin + "/")
    launcher = visitor.locator(f"{WIDGET} [data-pasokh=launcher]")
    await launcher.wait_for()
    assert await visitor.evaluate("document.getElementById('pasokh-webchat').shadowRoot.mode") \
        == "open"
    await shot(visitor, "webchat-closed")
    # The hostile page's styles do not reach inside: the bubble keeps its own look.
    assert await launcher.evaluate("e => getComputedStyle(e).backgroundColor") \
        == "rgb(91, 91, 214)"
    await launcher.click()
    await visitor.locator(f"{WIDGET} [data-pasokh=panel]:not([hidden])").wait_for()
    await shot(visitor, "webchat-open")

    await _say(visitor, "زمان ارسال چقدر است؟")
    answer = visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]",
                             has_text="یک روزه")
    await answer.wait_for(timeout=LIVE_WAIT_MS)
    assert await visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=visitor]") \
        .first.inner_text() != ""
    panel_font = await visitor.locator(f"{WIDGET} [data-pasokh=panel]").evaluate(
        "e => getComputedStyle(e).fontSize")
    assert panel_font == "15px"  # not the page's 40px

    await visitor.locator(f"{WIDGET} [data-pasokh=button]", has_text="پشتیبان").click()
    conversation = None

    async def pending() -> bool:
        nonlocal conversation
        conversation = await Conversation.filter(status="pending").first()
        return conversation is not None

    await eventually(pending, timeout=20, what="the handoff")

    await make_user("sara@example.com")
    agent = await new_page(browser)
    await log_in(agent, site.pasokh.base, "sara@example.com")
    await agent.click(".conversation-row a")
    await agent.wait_for_selector("#reply-text")
    assert "زمان ارسال چقدر است؟" in await agent.inner_text(".timeline")
    await _say(visitor, "سفارش ۱۲۳۴ هنوز نرسیده")
    await agent.locator(".timeline", has_text="سفارش ۱۲۳۴ هنوز نرسیده").wait_for(
        timeout=LIVE_WAIT_MS)  # live in the agent's panel
    await agent.type("#reply-text", "سلام! سارا هستم، بررسی می‌کنم.")
    await visitor.locator(f"{WIDGET} .typing", has_text="در حال نوشتن").wait_for(
        timeout=LIVE_WAIT_MS)  # the agent's typing, live in the widget
    await visitor.keyboard.press("Escape")  # closed: the reply shows as a badge
    await visitor.locator(f"{WIDGET} [data-pasokh=panel][hidden]").wait_for(state="attached")
    await agent.press("#reply-text", "Enter")
    badge = visitor.locator(f"{WIDGET} [data-pasokh=badge]:not([hidden])")
    await badge.wait_for(timeout=LIVE_WAIT_MS)
    assert await badge.inner_text() == "1"
    await launcher.click()
    reply = visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=agent]",
                            has_text="سارا هستم")
    await reply.wait_for(timeout=LIVE_WAIT_MS)  # live in the widget
    assert await badge.count() == 0
    await shot(visitor, "webchat-mid-conversation")
    await shot(agent, "webchat-agent-panel")

    # The agent attaches a picture and a PDF: the widget shows a thumbnail (a link that opens
    # it) and a link with the file's name and size, each read with the visitor's token.
    await agent.set_input_files("[data-file-reply]", files=[{
        "name": "رسید.png", "mimeType": "image/png", "buffer": _striped_png()}])
    await agent.click(".file-reply button[type=submit]")
    thumbnail = visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=agent] "
                                "[data-pasokh=image-link] [data-pasokh=image]")
    await thumbnail.wait_for(timeout=LIVE_WAIT_MS)
    await visitor.wait_for_function(
        "() => { const img = document.getElementById('pasokh-webchat').shadowRoot"
        ".querySelector('[data-pasokh=image]'); return img && img.complete"
        " && img.naturalWidth === 160 && img.src.startsWith('blob:'); }",
        timeout=LIVE_WAIT_MS)
    assert await thumbnail.get_attribute("alt") == "رسید.png"
    assert (await thumbnail.evaluate("e => e.parentElement.href")).startswith("blob:")
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n" + b" " * 3000
    await agent.set_input_files("[data-file-reply]", files=[{
        "name": "فاکتور.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    await agent.click(".file-reply button[type=submit]")
    link = visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=agent] "
                           "[data-pasokh=file-link]")
    await link.wait_for(timeout=LIVE_WAIT_MS)
    assert await link.inner_text() == "فاکتور.pdf (۳ کیلوبایت)"
    await visitor.wait_for_function(
        "() => document.getElementById('pasokh-webchat').shadowRoot"
        ".querySelector('[data-pasokh=file-link]').href.startsWith('blob:')",
        timeout=LIVE_WAIT_MS)
    assert await link.get_attribute("download") == "فاکتور.pdf"
    await visitor.screenshot(path=str(tmp_path / "webchat-agent-files.png"))
    await agent.screenshot(path=str(tmp_path / "webchat-agent-files-panel.png"), full_page=True)
    await shot(visitor, "webchat-agent-files")

    # A reload keeps the history, and a second tab shows it too.
    await visitor.reload()
    # A conversation exists: the chat loads at once, closed, and the history is no news.
    await visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=agent]").first.wait_for(
        state="attached", timeout=LIVE_WAIT_MS)
    assert await visitor.locator(f"{WIDGET} [data-pasokh=badge][hidden]").count() == 1
    await visitor.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    await visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=agent]").first.wait_for(
        timeout=LIVE_WAIT_MS)
    second_tab = await visitor.context.new_page()
    streams = []
    second_tab.on("request", lambda request: streams.append(request.url)
                  if "/stream" in request.url else None)
    await second_tab.goto(site.origin + "/")
    await second_tab.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    await second_tab.locator(f"{WIDGET} [data-pasokh=message][data-from=agent]").first.wait_for(
        timeout=LIVE_WAIT_MS)
    assert len(await _messages(second_tab, "visitor")) == len(await _messages(visitor,
                                                                             "visitor"))
    await _say(second_tab, "از زبانهٔ دوم")  # live in the first tab, through its stream
    await visitor.locator(f"{WIDGET} [data-pasokh=message][data-from=visitor]",
                          has_text="از زبانهٔ دوم").wait_for(timeout=LIVE_WAIT_MS)
    assert streams == []  # one stream for the visitor's tabs: the first tab's

    # Another visitor with a copied-and-altered token reads nothing.
    token = await visitor.evaluate(
        f"JSON.parse(localStorage.getItem('pasokh-webchat:{site.key}')).token")
    stranger = await new_page(browser)
    await stranger.goto(site.origin + "/")
    for forged in (token[:-2] + ("xy" if not token.endswith("xy") else "zw"),
                   token.split(".")[0] + ".1." + token.split(".")[2]):
        status = await stranger.evaluate(
            "async ([base, key, token]) => (await fetch(`${base}/webchat/api/${key}/messages"
            "?token=${encodeURIComponent(token)}`)).status",
            [site.pasokh.base, site.key, forged])
        assert status == 401
    await stranger.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    await stranger.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]").wait_for(
        state="detached", timeout=wait_ms(1))
    assert await _messages(stranger, "agent") == []

    # Phone-sized: the panel fits a 360-px screen.
    phone = await new_page(browser, viewport={"width": 360, "height": 740})
    await phone.goto(site.origin + "/")
    await phone.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    box = await phone.locator(f"{WIDGET} [data-pasokh=panel]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    await phone.keyboard.press("Escape")
    await phone.locator(f"{WIDGET} [data-pasokh=panel][hidden]").wait_for(state="attached")
    await phone.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    await _say(phone, "سلام")
    await phone.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]").wait_for(
        timeout=LIVE_WAIT_MS)
    await shot(phone, "webchat-phone")


async def test_issue_14_a_page_of_another_origin_gets_nothing(browser, site):
    page = await new_page(browser)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url)
            if "/webchat/api/" in request.url else None)
    await page.goto(site.stranger + "/")
    await page.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    await eventually(lambda: _true(bool(failed)), timeout=20, what="the refused session")
    assert failed and all("/session" in url for url in failed)
    assert await page.locator(f"{WIDGET} [data-pasokh=message]").count() == 0
    read = await page.evaluate(
        "async ([base, key]) => { try { await fetch(`${base}/webchat/api/${key}/session`,"
        " {method: 'POST', body: '{}'}); return 'read'; } catch (e) { return 'nothing'; } }",
        [site.pasokh.base, site.key])
    assert read == "nothing"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{site.pasokh.base}/webchat/api/{site.key}/session",
                                headers={"Origin": site.stranger}, data=b"{}") as response:
            assert response.status == 403
    await eventually(lambda: ChannelRefusal.filter(reason="origin").exists(), timeout=20,
                     what="the refusals counted for the owner")


async def _true(value: bool) -> bool:
    return value


async def test_issue_14_after_hours_the_message_is_taken_and_the_return_said(browser,
                                                                            closed_site):
    page = await new_page(browser)
    await page.goto(closed_site.origin + "/")
    await page.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    await _say(page, "کسی هست؟ سفارشم نرسیده")
    # "We are back on <Jalali date>, at <time>", in Persian digits.
    back = page.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]",
                        has_text=re.compile("ساعت [۰-۹]{2}:[۰-۹]{2}"))
    await back.first.wait_for(timeout=LIVE_WAIT_MS)
    text = await back.first.inner_text()
    assert "ساعت ۰۹:۰۰" in text and not re.search("[0-9]", text)
    await eventually(lambda: Conversation.filter(status="pending").exists(), timeout=20,
                     what="the message taken into the queue")
    await page.wait_for_timeout(500)
    await shot(page, "webchat-after-hours")


async def test_issue_14_continue_in_telegram_joins_the_identities(browser, site):
    page = await new_page(browser)
    # The shop's bot is not reachable from a test: its link answers with a stub page.
    await page.context.route(BOT_LINK + "*", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<p>Telegram</p>"))
    await page.goto(site.origin + "/")
    await page.locator(f"{WIDGET} [data-pasokh=launcher]").click()
    await page.fill(f"{WIDGET} .prechat input[name=name]", "نگار")  # optional, offered first
    await _say(page, "سلام، سفارشم کجاست؟")
    await page.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]").first.wait_for(
        timeout=LIVE_WAIT_MS)
    async with page.context.expect_page() as opened:
        await page.locator(f"{WIDGET} .continue", has_text="ادامه در تلگرام").click()
    telegram_tab = await opened.value
    await telegram_tab.wait_for_url(re.compile(re.escape(BOT_LINK) + r"\?start=.+"),
                                    timeout=LIVE_WAIT_MS)
    start = telegram_tab.url.split("start=", 1)[1]
    web = await Conversation.get(channel__platform="webchat").prefetch_related("customer")
    assert web.customer.display_name == "نگار"
    assert await page.locator(f"{WIDGET} .prechat[hidden]").count() == 1
    assert await site.pasokh.post(text_update(7301, f"/start {start}")) == 200

    async def joined() -> bool:
        telegram = await Conversation.get_or_none(chat_id="7301")
        return telegram is not None and telegram.customer_id == web.customer_id

    await eventually(joined, timeout=20, what="one customer on both channels")
