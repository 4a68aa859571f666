"""Issue 20 over HTTP: an agent's notification choices, registering a device for Web Push,
the installable panel (manifest, service worker), and the live stream passing a
notification to the one agent it names."""

from __future__ import annotations

import asyncio

from admin_panel.typedefs import BUS
from core.models import PushSubscription
from core.notifications import NOTIFY_TOPIC, choices_of
from tests.api.helpers import telegram_conversation
from tests.fakes.webpush import FakePushService
from tests.panel.helpers import csrf_token, log_in, make_user, post_form
from tests.panel.owner_helpers import another_browser, as_owner


async def test_choices_are_saved_and_a_device_registered(pasokh):
    agent = await make_user("sara@example.com")
    assert (await log_in(pasokh, "sara@example.com")).status == 303
    page = await (await pasokh.get("/me/notifications")).text()
    assert 'data-vapid-key="' in page and 'href="/me/notifications"' in page
    saved = await post_form(pasokh, "/me/notifications",
                            {"assigned": "1", "push": "1", "while_offline": "1"})
    assert saved.status == 200 and "ذخیره شد" in await saved.text()
    choices = await choices_of(agent)
    assert (choices.assigned, choices.customer_wrote, choices.push, choices.while_offline) == (
        True, False, True, True)

    token = await csrf_token(pasokh)
    async with FakePushService() as push_service:
        device = push_service.new_subscription()
    headers = {"X-CSRF-Token": token}
    added = await pasokh.post("/me/devices", json=device, headers=headers)
    assert added.status == 201
    assert (await PushSubscription.get(endpoint=device["endpoint"])).user_id == agent
    for bad in (b"not json", b'{"endpoint": "javascript:alert(1)", "keys": {}}', b"[]"):
        refused = await pasokh.post("/me/devices", data=bad, headers=headers)
        assert refused.status == 400
    assert (await pasokh.post("/me/devices", data=b"x" * 5000, headers=headers)).status == 413
    removed = await pasokh.post("/me/devices/remove", json={"endpoint": device["endpoint"]},
                                headers=headers)
    assert removed.status == 200 and not await PushSubscription.exists()


async def test_the_panel_installs_as_an_app(pasokh):
    manifest = await (await pasokh.get("/manifest.webmanifest")).json()
    assert manifest["display"] == "standalone" and manifest["dir"] == "rtl"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert (await pasokh.get(icon["src"])).status == 200
    worker = await pasokh.get("/sw.js")
    assert worker.status == 200 and "showNotification" in await worker.text()
    assert worker.headers["Content-Type"].startswith("text/javascript")
    login_page = await (await pasokh.get("/")).text()
    assert 'rel="manifest"' in login_page and 'rel="apple-touch-icon"' in login_page


async def test_a_notification_reaches_only_the_agent_it_names(pasokh, fake_telegram):
    owner = await as_owner(pasokh)
    agent = await make_user("sara@example.com")
    conversation_id = await telegram_conversation(pasokh, 31)  # no team: both may see it
    bus = pasokh.app[BUS]
    async with another_browser(pasokh) as browser:
        assert (await log_in(browser, "sara@example.com")).status == 303
        agents_stream, owners_stream = await browser.get("/events"), await pasokh.get("/events")
        for stream in (agents_stream, owners_stream):
            assert (await stream.content.readline()).startswith(b"retry")
        for user_id in (owner, agent):
            await bus.publish(NOTIFY_TOPIC, {"user_id": user_id, "kind": "assigned",
                                             "conversation_id": conversation_id})
        agents_first = await asyncio.wait_for(_notification(agents_stream), 5)
        owners_first = await asyncio.wait_for(_notification(owners_stream), 5)
        agents_stream.close()
        owners_stream.close()
    assert f'"user_id":{agent}' in agents_first
    assert f'"user_id":{owner}' in owners_first


async def _notification(stream) -> str:
    """The data line of the first agent.notify event on a live stream."""
    topic = ""
    while True:
        line = (await stream.content.readline()).decode()
        if line.startswith("event:"):
            topic = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and topic == NOTIFY_TOPIC:
            return line


async def test_an_agent_links_their_telegram_and_is_told_there(pasokh, fake_telegram):
    """The code goes to the shop's bot like any customer message; the bot does not answer it
    as one, links the chat, says so there, and the agent's notifications follow."""
    from core.models import MessengerLink
    from tests.integration.helpers import eventually, post_update, text_update

    await as_owner(pasokh)
    agent = await make_user("sara@example.com")
    async with another_browser(pasokh) as browser:
        assert (await log_in(browser, "sara@example.com")).status == 303
        page = await (await post_form(browser, "/me/messenger/code")).text()
        code = page.split('id="link-code">')[1].split("<")[0]
        assert code.startswith("pasokh-")
        await post_form(browser, "/me/notifications", {"assigned": "1", "messenger": "1",
                                                       "while_offline": "1"})
        await post_update(pasokh, text_update(4242, f"/start {code}", first_name="سارا"))

        async def linked() -> bool:
            return await MessengerLink.exists(user_id=agent, chat_id="4242",
                                              linked_at__not_isnull=True)
        await eventually(linked, what="the chat linked")
        await fake_telegram.wait_for(lambda fake: any(
            "پاسخ" in m["text"] for m in fake.sent_messages(4242)), timeout=8)
        assert len(fake_telegram.sent_messages(4242)) == 1  # no welcome menu: not a customer
        state = await (await browser.get("/me/notifications")).text()
        assert "/me/messenger/unlink" in state

    conversation_id = await telegram_conversation(pasokh, 4343)
    assert (await post_form(pasokh, f"/conversations/{conversation_id}/assign",
                            {"assignee": str(agent), "team": ""}, htmx=True)).status == 200
    await fake_telegram.wait_for(lambda fake: any(
        "به شما سپرده شد" in m["text"] for m in fake.sent_messages(4242)), timeout=8)
    again = await post_form(pasokh, "/me/messenger/code")
    assert again.status == 200  # (the owner's own code: another agent's link is untouched)
    assert await MessengerLink.exists(user_id=agent, chat_id="4242")
