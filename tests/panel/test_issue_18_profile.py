"""Issue 18: a display name and an avatar (initials) for agents and owners, set on the profile
page or by the owner on the people page, shown to colleagues instead of the address, and to
customers on agents' replies when the owner turns it on. Over real HTTP, Persian."""

from __future__ import annotations

from admin_panel.templating import avatar_hue, initials
from core import owner_settings
from core.models import User
from core.owner_config import load_stored, parse, store
from tests.integration.helpers import post_update, text_update
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.test_pages import _conversation_of


def test_initials_take_the_first_letters_of_two_words_or_of_the_address():
    assert initials("سارا احمدی") == "س\u200cا"
    assert initials("Omid") == "O"
    assert initials("sara.ahmadi@example.com") == "S\u200cA"
    assert initials("") == "?"
    assert avatar_hue("سارا") == avatar_hue("سارا") and 0 <= avatar_hue("سارا") < 8


async def test_an_agent_names_themselves_and_colleagues_see_the_name(pasokh):
    sara = await make_user("sara@example.com")
    await log_in(pasokh, "sara@example.com")
    page = await (await pasokh.get("/profile")).text()
    assert 'name="display_name"' in page and "نام نمایشی" in page

    saved = await post_form(pasokh, "/profile", {"display_name": "  سارا\u200f   احمدی "})
    assert saved.status == 303
    assert (await User.get(id=sara)).display_name == "سارا احمدی"
    inbox = await (await pasokh.get("/")).text()
    assert "سارا احمدی" in inbox and "sara@example.com" not in inbox.split("<main>")[0]
    assert 'class="avatar avatar-' in inbox and "س\u200cا" in inbox

    refused = await post_form(pasokh, "/profile", {"display_name": "س" * 129})
    assert refused.status == 400
    assert "این نام بیش از اندازه بلند است." in await refused.text()
    assert (await User.get(id=sara)).display_name == "سارا احمدی"


async def test_the_owner_names_an_agent_on_the_people_page(pasokh):
    await make_user("owner@example.com", "owner")
    omid = await make_user("omid@example.com")
    await log_in(pasokh, "owner@example.com")
    renamed = await post_form(pasokh, "/owner/people/name",
                              {"user": str(omid), "display_name": "امید"})
    assert renamed.status == 303
    assert (await User.get(id=omid)).display_name == "امید"
    page = await (await pasokh.get("/owner/people")).text()
    assert 'value="امید"' in page
    unknown = await post_form(pasokh, "/owner/people/name",
                              {"user": "999999", "display_name": "x"})
    assert unknown.status == 400


async def _reply_as_sara(pasokh, fake_telegram, chat_id: int) -> str:
    sara = await make_user("sara@example.com")
    await User.filter(id=sara).update(display_name="سارا")
    await post_update(pasokh, text_update(chat_id, "سلام"))
    conversation = await _conversation_of(chat_id)
    await log_in(pasokh, "sara@example.com")
    await post_form(pasokh, f"/conversations/{conversation.id}/reply", {"text": "در خدمتم."})
    await fake_telegram.wait_for(lambda fake: any(
        "در خدمتم." in m["text"] for m in fake.sent_messages(chat_id)))
    return next(m["text"] for m in fake_telegram.sent_messages(chat_id)
                if "در خدمتم." in m["text"])


async def test_customers_see_the_agents_name_when_the_owner_turns_it_on(pasokh, fake_telegram):
    await store(parse("agent_replies:\n  show_name_to_customers: true\n"))
    assert await _reply_as_sara(pasokh, fake_telegram, 6191) == "سارا از پشتیبانی:\nدر خدمتم."


async def test_customers_see_the_reply_alone_by_default(pasokh, fake_telegram):
    assert await _reply_as_sara(pasokh, fake_telegram, 6192) == "در خدمتم."


async def test_the_owner_turns_it_on_in_the_agents_replies_section(pasokh):
    await make_user("owner@example.com", "owner")
    await log_in(pasokh, "owner@example.com")
    page = await pasokh.get("/owner/settings/agent_replies")
    assert page.status == 200 and "پاسخ کارشناسان" in await page.text()
    saved = await post_form(pasokh, "/owner/settings/agent_replies/yaml", {
        "yaml": "agent_replies:\n  show_name_to_customers: true\n",
        "version": await owner_settings.version()})
    assert saved.status == 303
    assert (await load_stored()).agent_replies.show_name_to_customers is True
