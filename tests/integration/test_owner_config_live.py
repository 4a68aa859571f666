"""An owner loads a configuration and the running bot uses it: menu and FAQ answers."""

from __future__ import annotations

from bots.typedefs import RUNTIME
from core import owner_config
from tests.integration.helpers import button_update, post_update, text_update

SHOP = """\
faq:
  - id: return-policy
    question: چطور کالا را مرجوع کنم؟
    alternatives: [شرایط مرجوعی چیست؟]
    answer: تا ۷ روز پس از تحویل می‌توانید مرجوع کنید.
menu:
  - title: مرجوعی
    faq: return-policy
  - title: گفتگو با پشتیبان
    action: handoff
"""


async def test_a_loaded_faq_and_menu_are_used_without_restart(pasokh, fake_telegram):
    await owner_config.store(owner_config.parse(SHOP))
    await pasokh.app[RUNTIME].flows.refresh()

    await post_update(pasokh, text_update(8001, "سلام"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(8001))
    menu = fake_telegram.sent_messages(8001)[0]["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in menu] == ["مرجوعی", "گفتگو با پشتیبان", "English"]

    await post_update(pasokh, text_update(8001, "چطوری کالا رو مرجوع کنم؟"))
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(8001)) == 2, timeout=8)
    assert fake_telegram.sent_messages(8001)[1]["text"].startswith("تا ۷ روز")

    await post_update(pasokh, button_update(8001, "m:0"))
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(8001)) == 3, timeout=8)
    assert fake_telegram.sent_messages(8001)[2]["text"].startswith("تا ۷ روز")
