"""Issue 18, item 7: the owner chats with their own bot on "try the bot", through the same
decide() the bot answers customers with, and nothing reaches the inbox."""

from __future__ import annotations

from bots.typedefs import RUNTIME
from core import owner_config, owner_settings, sample_shop
from core.models import Conversation, Message
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner


async def test_the_owner_talks_to_the_sample_shop_and_nothing_is_stored(pasokh):
    await as_owner(pasokh)
    await owner_config.store(sample_shop.sample())
    await pasokh.app[RUNTIME].flows.refresh()
    hello = await (await post_form(pasokh, "/owner/try", {"text": "سلام"}, htmx=True)).text()
    assert 'data-from="bot"' in hello and "هزینهٔ ارسال" in hello
    assert "<html" not in hello  # htmx gets the chat alone
    pressed = await (await post_form(pasokh, "/owner/try", {
        "button": "m:1", "title": "هزینهٔ ارسال"}, htmx=True)).text()
    assert "۵۰۰ هزار تومان رایگان" in pressed
    typed = await (await post_form(pasokh, "/owner/try", {"text": "میخوام پس بدم"})).text()
    assert "۷ روز پس از تحویل" in typed
    person = await (await post_form(pasokh, "/owner/try", {"text": "اپراتور"})).text()
    assert "صف پشتیبان‌ها" in person
    assert await Conversation.all().count() == 0 and await Message.all().count() == 0
    again = await (await pasokh.get("/owner/try")).text()
    assert "۷ روز پس از تحویل" in again
    fresh = await (await post_form(pasokh, "/owner/try", {"restart": "1"})).text()
    assert "۷ روز پس از تحویل" not in fresh


async def test_the_sample_is_cleared_and_put_back_in_one_click(pasokh):
    await as_owner(pasokh)
    await owner_config.store(sample_shop.sample())
    page = await (await pasokh.get("/owner/start")).text()
    assert "فروشگاه نمونهٔ کوچک" in page
    cleared = await post_form(pasokh, "/owner/start/sample", {
        "choice": "clear", "version": await owner_settings.version()})
    assert cleared.status == 303
    assert await owner_config.load_stored() == owner_config.OwnerDocument()
    restored = await post_form(pasokh, "/owner/start/sample", {
        "choice": "restore", "version": await owner_settings.version()})
    assert restored.status == 303 and await sample_shop.in_use()
    wrong = await post_form(pasokh, "/owner/start/sample", {"choice": "<b>"})
    assert wrong.status == 400
    await owner_config.store(owner_config.parse(
        "canned_replies:\n  - shortcut: hi\n    text: سلام\n"))
    own = await post_form(pasokh, "/owner/start/sample", {
        "choice": "clear", "version": await owner_settings.version()})
    assert own.status == 400  # an owner's own configuration is never cleared from here
    assert [c.shortcut for c in (await owner_config.load_stored()).canned_replies] == ["hi"]
