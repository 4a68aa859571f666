"""Issue 16 in Chromium: the reply box counts a reply's text-message parts as the agent
types, and an agent texts a Telegram customer who gave a phone number."""

from __future__ import annotations

import pytest

from core.models import Conversation, Customer
from tests.browser.conftest import conversation_of, log_in, new_page, shot, stop_server, wait_ms
from tests.fakes.kavenegar import FakeKavenegar
from tests.integration.helpers import eventually, text_update
from tests.integration.test_crash_recovery import PasokhProcess
from tests.integration.test_issue_16_sms_path import SMS_SECRET, sms_environment
from tests.panel.helpers import make_user

WAIT_MS = wait_ms(8)


@pytest.fixture
async def fake_kavenegar():
    async with FakeKavenegar() as fake:
        yield fake


@pytest.fixture
async def sms_server(database, fake_telegram, fake_kavenegar, browser):
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    process._env.update(sms_environment(fake_kavenegar.base_url))  # noqa: SLF001 (a test)
    await process.start()
    fake_kavenegar.callback_url = f"{process.base}/webhooks/sms/kavenegar/{SMS_SECRET}"
    yield process
    await stop_server(process, browser)


async def test_issue_16_the_reply_box_counts_parts_and_cost_as_the_agent_types(
    browser, sms_server, fake_kavenegar
):
    await make_user("sara@example.com", "owner")
    assert await fake_kavenegar.receive("09121234567", "سلام، سفارشم کی می‌رسد؟") == 200
    await fake_kavenegar.wait_for(lambda fake: fake.to("09121234567"), timeout=10)
    await eventually(lambda: Conversation.exists(), what="the conversation")
    conversation = await Conversation.get()
    page = await new_page(browser)
    await log_in(page, sms_server.base, "sara@example.com")
    await page.goto(f"{sms_server.base}/conversations/{conversation.id}")
    await page.fill("#reply-text", "سلام مریم جان، سفارش شما امروز ارسال شد و فردا به دستتان "
                                   "می‌رسد. کد رهگیری را هم پیامک می‌کنیم.")
    counter = page.locator("#parts-counter", has_text="۲ پیامک")
    await counter.wait_for(timeout=WAIT_MS)
    assert "ریال" in await counter.inner_text()
    await shot(page, "issue-16-parts-counter")
    await page.click(".reply-box button[type=submit]")
    await fake_kavenegar.wait_for(lambda fake: len(fake.to("09121234567")) == 2, timeout=10)
    # The box is emptied once the reply is taken, and its count with it.
    await page.locator("#parts-counter", has_text="۱۶۰").wait_for(timeout=WAIT_MS)


async def test_issue_16_an_agent_texts_a_telegram_customer(browser, sms_server,
                                                           fake_kavenegar):
    await make_user("sara@example.com", "owner")
    assert await sms_server.post(text_update(7101, "سلام، کمک می‌خواهم")) == 200
    conversation = await conversation_of(7101)
    await Customer.filter(id=conversation.customer_id).update(phone="989128888888")
    page = await new_page(browser)
    await log_in(page, sms_server.base, "sara@example.com")
    await page.goto(f"{sms_server.base}/conversations/{conversation.id}")
    await page.check("#by-text")
    await page.fill("#reply-text", "Your tracking code: IR-778899")
    await page.locator("#parts-counter", has_text="GSM-7").wait_for(timeout=WAIT_MS)
    await shot(page, "issue-16-text-a-telegram-customer")
    await page.click(".reply-box button[type=submit]")
    await fake_kavenegar.wait_for(lambda fake: fake.to("09128888888"), timeout=10)
    await page.locator(".entry .platform-sms").first.wait_for(timeout=WAIT_MS)
    await shot(page, "issue-16-texted")
