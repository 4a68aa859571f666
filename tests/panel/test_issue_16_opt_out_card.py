"""Issue 16: the customer card says on which channel the customer opted out of proactive
messages (they wrote «لغو»), and the owner edits the follow-up rules in the settings."""

from __future__ import annotations

from core import owner_config, owner_settings
from core.models import Conversation, OptOut
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import log_in, make_user, post_form


async def test_the_customer_card_shows_the_opt_out(pasokh, fake_telegram):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6601, "سلام"))
    await eventually(lambda: Conversation.exists(chat_id="6601"), what="conversation")
    conversation = await Conversation.get(chat_id="6601")
    await log_in(pasokh, "agent@example.com")
    page = await (await pasokh.get(f"/customers/{conversation.customer_id}")).text()
    assert 'id="opt-outs"' not in page
    await post_update(pasokh, text_update(6601, "لغو"))
    await eventually(lambda: OptOut.exists(customer_id=conversation.customer_id),
                     what="the opt-out")
    page = await (await pasokh.get(f"/customers/{conversation.customer_id}")).text()
    assert 'id="opt-outs"' in page and "لغو اشتراک" in page


async def test_the_owner_edits_follow_ups_in_the_settings(pasokh):
    await make_user("owner@example.com", "owner")
    await log_in(pasokh, "owner@example.com")
    page = await pasokh.get("/owner/settings/followups")
    assert page.status == 200
    assert "پیگیری‌ها" in await page.text()
    rule = ("followups:\n  - id: shipped\n    event: order.shipped\n"
            "    text: 'سفارش {order_id} ارسال شد {a.b}'\n")
    refused = await post_form(pasokh, "/owner/settings/followups/yaml",
                              {"yaml": rule, "version": await owner_settings.version()})
    assert refused.status == 400
    assert "جای‌نگهدار نیست" in await refused.text()
    assert (await owner_config.load_stored()).followups == []
    saved = await post_form(pasokh, "/owner/settings/followups/yaml", {
        "yaml": rule.replace(" {a.b}", ""), "version": await owner_settings.version()})
    assert saved.status == 303
    [stored] = (await owner_config.load_stored()).followups
    assert (stored.id, stored.text) == ("shipped", "سفارش {order_id} ارسال شد")


async def test_the_owner_edits_follow_ups_as_a_form(pasokh):
    await make_user("owner@example.com", "owner")
    await log_in(pasokh, "owner@example.com")
    page = await (await pasokh.get("/owner/settings/followups")).text()
    assert 'id="section-form"' in page and "/owner/settings/followups/yaml" in page
    rule = {"followups[0].id": "shipped", "followups[0].event": "order.shipped",
            "followups[0].delay": "۲h", "followups[0].text": "سفارش {order_id} ارسال شد {a.b}",
            "followups[0].phone_fallback": "on", "followups[0].template_name": "order_shipped",
            "followups[0].template_language": "fa",
            "followups[0].template_category": "marketing",
            "followups[0].template_parameters": "{order_id}"}
    refused = await post_form(pasokh, "/owner/settings/followups",
                              {**rule, "version": await owner_settings.version()})
    assert refused.status == 400
    text = await refused.text()
    assert "جای‌نگهدار نیست" in text and "whatsapp_templates" in text
    assert (await owner_config.load_stored()).followups == []
    await owner_config.store(owner_config.parse(
        "whatsapp_templates:\n  - name: order_shipped\n    language: fa\n    parameters: 1\n"))
    rule["followups[0].text"] = "سفارش {order_id} ارسال شد"
    saved = await post_form(pasokh, "/owner/settings/followups",
                            {**rule, "version": await owner_settings.version()})
    assert saved.status == 303, await saved.text()
    [stored] = (await owner_config.load_stored()).followups
    assert (stored.id, stored.delay, stored.sms) == ("shipped", "2h", True)
    assert stored.template is not None and stored.template.category == "marketing"
    assert stored.template.parameters == ["{order_id}"]
    limits = await post_form(pasokh, "/owner/settings/followup_limits", {
        "followup_limits.quiet_hours": "23:00-07:30",
        "followup_limits.timezone": "Asia/Tehran",
        "followup_limits.per_customer_per_week": "۲",
        "version": await owner_settings.version()})
    assert limits.status == 303, await limits.text()
    stored_limits = (await owner_config.load_stored()).followup_limits
    assert stored_limits is not None
    assert (stored_limits.quiet_hours, stored_limits.per_customer_per_week) == (
        "23:00-07:30", 2)
