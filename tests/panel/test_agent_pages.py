"""Labels, canned replies, presence, reply windows and the customer page, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

from core.db import connection
from core.models import Conversation, Customer, Ticket
from core.owner_config import parse, store
from core.tickets import open_ticket
from tests.integration.helpers import eventually, post_update, text_update
from tests.integration.meta_helpers import wa_text
from tests.integration.test_meta_path import fake_meta, meta_pasokh  # noqa: F401 (fixtures)
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.test_pages import _conversation_of


async def test_labels_through_the_forms_and_the_inbox_filter(pasokh):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6101, "سلام"))
    conversation = await _conversation_of(6101)
    await log_in(pasokh, "agent@example.com")
    base = f"/conversations/{conversation.id}"
    added = await post_form(pasokh, f"{base}/add_label", {"label": "<i>ویژه</i>"}, htmx=True)
    assert added.status == 200
    assert "&lt;i&gt;ویژه&lt;/i&gt;" in await added.text()
    filtered = await (await pasokh.get("/", params={"label": "<i>ویژه</i>"})).text()
    assert f'data-conversation-id="{conversation.id}"' in filtered
    assert (await post_form(pasokh, f"{base}/remove_label", {"label": "<i>ویژه</i>"})).status == 303
    filtered = await (await pasokh.get("/", params={"label": "<i>ویژه</i>"})).text()
    assert f'data-conversation-id="{conversation.id}"' not in filtered
    refused = await post_form(pasokh, f"{base}/add_label", {"label": " "}, htmx=True)
    assert refused.headers["X-Pasokh-Error"] == "1"


async def test_the_reply_box_offers_the_canned_replies(pasokh):
    await make_user("agent@example.com")
    await store(parse("canned_replies:\n  - shortcut: /thanks\n    text: ممنون از <صبر> شما\n"))
    await post_update(pasokh, text_update(6102, "سلام"))
    conversation = await _conversation_of(6102)
    await log_in(pasokh, "agent@example.com")
    page = await (await pasokh.get(f"/conversations/{conversation.id}")).text()
    assert 'data-shortcut="/thanks"' in page
    assert 'data-text="ممنون از &lt;صبر&gt; شما"' in page


async def test_presence_reaches_the_other_panels_live_stream(pasokh):
    agent_id = await make_user("agent@example.com")
    await post_update(pasokh, text_update(6103, "سلام"))
    conversation = await _conversation_of(6103)
    await log_in(pasokh, "agent@example.com")
    stream = await pasokh.get("/events")
    await stream.content.readuntil(b"\n\n")  # the retry hint
    sent = await post_form(pasokh, f"/conversations/{conversation.id}/presence", {"typing": "1"})
    assert sent.status == 204
    received = b""
    while b"conversation.presence" not in received:
        received = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), 10)
    data = json.loads(received.split(b"data: ")[1].split(b"\n")[0])
    assert data == {"conversation_id": conversation.id, "user_id": agent_id, "typing": True}
    stream.close()
    assert (await post_form(pasokh, "/conversations/999999/presence")).status == 404


async def test_after_whatsapps_window_the_reply_box_explains_and_a_template_goes(
    meta_pasokh, fake_meta,  # noqa: F811 (the fixtures imported above)
):
    await make_user("agent@example.com")
    await store(parse("whatsapp_templates:\n  - name: order_update\n    language: fa\n"
                      "    parameters: 1\n    description: سفارش {{1}} ارسال شد.\n"))
    a_day_and_more_ago = time.time() - 25 * 3600
    await fake_meta.deliver(str(meta_pasokh.make_url("/webhooks/whatsapp")),
                            wa_text("989124444444", "سلام", at=a_day_and_more_ago))
    await eventually(lambda: Conversation.exists(chat_id="989124444444"), what="conversation")
    conversation = await Conversation.get(chat_id="989124444444")
    await log_in(meta_pasokh, "agent@example.com")
    base = f"/conversations/{conversation.id}"
    page = await (await meta_pasokh.get(base)).text()
    assert "بیش از ۲۴ ساعت پیش" in page and 'id="reply-text"' not in page
    assert 'value="order_update"' in page

    refused = await post_form(meta_pasokh, f"{base}/reply", {"text": "سلام"}, htmx=True)
    assert refused.headers["X-Pasokh-Error"] == "1"
    sent = await post_form(meta_pasokh, f"{base}/send_template",
                           {"name": "order_update", "language": "fa", "parameter": "۱۲۳۴"},
                           htmx=True)
    assert "سفارش ۱۲۳۴ ارسال شد." in await sent.text()

    def templates_sent(fake) -> list[dict]:
        return [b for b in fake.sent("whatsapp", to="989124444444") if b["type"] == "template"]

    await fake_meta.wait_for(templates_sent)
    bodies = templates_sent(fake_meta)
    assert bodies[0]["template"]["name"] == "order_update"
    assert bodies[0]["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "۱۲۳۴"}]


async def test_the_customer_page_merges_and_changes_a_ticket(pasokh, fake_telegram):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6301, "سلام", first_name="<b>مریم</b>"))
    await post_update(pasokh, text_update(6302, "سلام", first_name="مریم ر."))
    kept = await _conversation_of(6301)
    other = await _conversation_of(6302)
    await Customer.filter(id__in=[kept.customer_id, other.customer_id]).update(
        phone="989121234567")
    number = await open_ticket(connection(), conversation_id=kept.id,
                               customer_id=kept.customer_id, description="گوشی خراب رسید",
                               media=(), now=datetime.now(UTC))
    await log_in(pasokh, "agent@example.com")
    conversation_page = await (await pasokh.get(f"/conversations/{kept.id}")).text()
    assert f'href="/customers/{kept.customer_id}"' in conversation_page
    base = f"/customers/{kept.customer_id}"
    page = await (await pasokh.get(base)).text()
    assert "&lt;b&gt;مریم&lt;/b&gt;" in page and 'id="same-person"' in page
    assert "گوشی خراب رسید" in page

    changed = await post_form(pasokh, f"{base}/tickets/{number}", {"status": "solved"})
    assert changed.status == 303
    assert (await Ticket.get(number=number)).status == "solved"
    merged = await post_form(pasokh, f"{base}/merge", {"other": str(other.customer_id)})
    assert merged.status == 303
    assert (await Conversation.get(id=other.id)).customer_id == kept.customer_id
    assert (await pasokh.get(f"/customers/{other.customer_id}")).status == 404
    assert (await pasokh.get("/customers/abc")).status == 404
