"""Issue 16: the broadcast pages forward and show; bad input is a clear 400, an unknown
broadcast a 404, and sending lands on its progress page."""

from __future__ import annotations

from core import owner_config
from core.models import Broadcast, BroadcastRecipient, Conversation, ConversationLabel
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner


async def _customers(pasokh) -> None:
    await owner_config.store(owner_config.parse('followup_limits:\n  quiet_hours: ""\n'))
    for chat_id in (8101, 8102):
        await post_update(pasokh, text_update(chat_id, "سلام"))
        await eventually(lambda chat=chat_id: Conversation.exists(chat_id=str(chat)),
                         what="the conversation")
    conversation = await Conversation.get(chat_id="8101")
    await ConversationLabel.create(conversation=conversation, name="vip",
                                   created_at=conversation.created_at)


async def test_bad_input_is_refused_with_the_reason(pasokh):
    await as_owner(pasokh)
    for form, reason in (({"text": ""}, "اول پیام را بنویسید"),
                         ({"text": "سفارش {order_id}"}, "فقط {name} پر می‌شود"),
                         ({"text": "سلام", "days": "صد"}, "عددی از ۱ تا ۳۶۵۰"),
                         ({"text": "سلام", "labels": ",".join(map(str, range(30)))},
                          "حداکثر ۲۰ برچسب")):
        for path in ("/owner/broadcasts/preview", "/owner/broadcasts"):
            response = await post_form(pasokh, path, form)
            assert response.status == 400, (path, form)
            assert reason in await response.text()
    assert not await Broadcast.exists()
    assert (await pasokh.get("/owner/broadcasts/999999")).status == 404
    assert (await pasokh.get("/owner/broadcasts/x")).status == 404


async def test_preview_counts_by_label_and_sending_shows_progress(pasokh, fake_telegram):
    await _customers(pasokh)
    await as_owner(pasokh)
    # (The fake updates are dated March 2026, so no "last contact" here: tests/core covers it.)
    form = {"text": "{name} عزیز، حراج!", "labels": "vip، other", "days": ""}
    preview = await post_form(pasokh, "/owner/broadcasts/preview", form)
    assert preview.status == 200
    page = await preview.text()
    assert 'id="broadcast-plan"' in page and "مریم عزیز، حراج!" in page
    sent = await post_form(pasokh, "/owner/broadcasts", form)
    assert sent.status == 303
    broadcast = await Broadcast.get()
    assert sent.headers["Location"] == f"/owner/broadcasts/{broadcast.id}"
    assert broadcast.audience["labels"] == ["vip", "other"]
    assert broadcast.audience["contacted_within_days"] is None
    assert await BroadcastRecipient.filter(broadcast_id=broadcast.id).count() == 1
    await eventually(lambda: BroadcastRecipient.filter(state="queued").exists(),
                     what="the recipient queued")
    detail = await (await pasokh.get(sent.headers["Location"])).text()
    assert 'id="broadcast-progress"' in detail and "<progress" in detail


async def _whatsapp_customer_past_the_window() -> None:
    from datetime import timedelta

    from core.clock import utcnow
    from core.models import Channel, Customer, Identity, Message
    channel = await Channel.create(platform="whatsapp", key="1122", name="واتساپ فروشگاه")
    person = await Customer.create(display_name="رضا")
    identity = await Identity.create(customer=person, channel=channel, external_id="98912")
    wrote = utcnow() - timedelta(days=2)
    conversation = await Conversation.create(
        channel=channel, customer=person, identity=identity, chat_id="98912",
        created_at=wrote, last_message_at=wrote, status="resolved")
    await Message.create(conversation=conversation, channel=channel, direction="in",
                         author="customer", kind="text", text="سلام", external_id="w1",
                         created_at=wrote, processed=True)


async def test_a_template_chosen_on_the_form_is_previewed_checked_and_stored(pasokh):
    await owner_config.store(owner_config.parse(
        'followup_limits:\n  quiet_hours: ""\nwhatsapp_templates:\n  - name: autumn_sale\n'
        "    language: fa\n    parameters: 2\n    description: حراج پاییزی\n"))
    await _whatsapp_customer_past_the_window()
    await as_owner(pasokh)
    page = await (await pasokh.get("/owner/broadcasts")).text()
    assert 'value="autumn_sale|fa"' in page and "حراج پاییزی" in page
    form = {"text": "{name} عزیز، حراج!", "labels": "", "days": ""}
    left_out = await (await post_form(pasokh, "/owner/broadcasts/preview", form)).text()
    assert 'id="broadcast-excluded"' in left_out
    assert "برای رسیدن به آن‌ها یک قالب تأییدشده انتخاب کنید" in left_out
    chosen = {**form, "template": "autumn_sale|fa", "category": "marketing",
              "template_parameters": "{name}\n۳۰٪"}
    preview = await post_form(pasokh, "/owner/broadcasts/preview", chosen)
    assert preview.status == 200
    shown = await preview.text()
    assert "<li>رضا</li><li>۳۰٪</li>" in shown and 'id="broadcast-excluded"' not in shown
    wrong = await post_form(pasokh, "/owner/broadcasts/preview",
                            {**chosen, "template_parameters": "{name}"})
    assert wrong.status == 400
    sent = await post_form(pasokh, "/owner/broadcasts", chosen)
    assert sent.status == 303
    broadcast = await Broadcast.get()
    assert broadcast.template == {"name": "autumn_sale", "language": "fa",
                                  "category": "marketing", "parameters": ["{name}", "۳۰٪"]}
