"""Issue 15 over HTTP: the explanation of an FAQ answer in the timeline, the answers offered
to an agent, the phrasing count on the FAQ page, and teaching the bot a wording."""

from __future__ import annotations

import msgspec

from bots.typedefs import RUNTIME
from core import owner_config, owner_settings
from core.actions import FaqMatchFact
from core.models import Conversation, Message
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import csrf_token, log_in, make_user, post_form
from tests.panel.owner_helpers import as_owner

FAQ = """\
faq:
  - id: shipping
    question: هزینه ارسال چقدر است؟
    answer: ارسال به همه شهرها ۵۰ هزار تومان است.
  - id: hours
    question: ساعت کاری شما چیست؟
    answer: هر روز از ۹ تا ۱۷.
    alternatives: [ساعت کاری, کی بازید, saat kari, چه ساعتی جواب میدین]
canned_replies:
  - shortcut: /post
    text: بسته‌ها با پست پیشتاز ارسال می‌شوند.
"""
NOT_ANSWERED = "پیک تا خونه ما چند درمیاد"


async def _with_faq(client) -> None:
    await owner_config.store(owner_config.parse(FAQ))
    await client.app[RUNTIME].flows.refresh()


async def _say(client, chat_id: int, *texts: str) -> None:
    for text in texts:
        await post_update(client, text_update(chat_id, text))

        async def processed() -> bool:
            return not await Message.filter(direction="in", processed=False).exists()

        await eventually(processed, what="the message processed")


async def test_issue_15_the_agent_sees_why_the_bot_answered_and_answers_to_start_from(pasokh):
    await _with_faq(pasokh)
    await _say(pasokh, 9601, "هزینه ارسال به شیراز چنده؟", "اپراتور",
               "هزینه ارسالش تا مشهد هم همینه؟")
    conversation = await Conversation.get(chat_id="9601")
    assert conversation.status == "pending"
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    page = await (await pasokh.get(f"/conversations/{conversation.id}")).text()
    why = page.split('class="faq-why"')[1].split("</details>")[0]
    assert 'data-faq-entry="shipping"' in why
    assert "پاسخ از پرسش‌های پرتکرار" in why and "هزینه ارسال چقدر است؟" in why
    assert page.count('class="faq-why"') == 1  # the handoff reply is no FAQ answer
    assist = page.split('id="assist"')[1].split("</section>")[0]
    assert assist.index("ارسال به همه شهرها ۵۰ هزار تومان است.") < assist.index("/post")
    assert 'class="assist-use" hidden data-text="ارسال به همه شهرها ۵۰ هزار تومان است."' in assist


async def test_issue_15_no_suggestions_while_the_bot_has_the_conversation(pasokh):
    await _with_faq(pasokh)
    await _say(pasokh, 9602, "هزینه ارسال چقدر است؟")
    conversation = await Conversation.get(chat_id="9602")
    await as_owner(pasokh)
    page = await (await pasokh.get(f"/conversations/{conversation.id}")).text()
    assert 'class="faq-why"' in page and 'id="assist"' not in page


async def test_issue_15_the_faq_page_counts_phrasings_and_nudges_under_five(pasokh):
    await _with_faq(pasokh)
    await as_owner(pasokh)
    page = await (await pasokh.get("/owner/faq")).text()
    shipping, hours = page.split('class="muted phrasing-count"')[1:3]
    assert shipping.startswith(' data-phrasings="1">۱ شکل پرسش') and "phrasing-hint" in shipping
    assert hours.startswith(' data-phrasings="5">۵ شکل پرسش') and "phrasing-hint" not in hours


async def test_issue_15_a_wording_the_bot_missed_is_taught_in_one_click(pasokh, fake_telegram):
    await _with_faq(pasokh)
    await _say(pasokh, 9603, "سلام", NOT_ANSWERED)  # the first message gets the menu
    await as_owner(pasokh)
    page = await (await pasokh.get("/owner/unanswered")).text()
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert NOT_ANSWERED in row and 'action="/owner/faq/alternative"' in row
    assert f'name="phrasing" value="{NOT_ANSWERED}"' in row
    assert "ربات اکنون با این پاسخ می‌دهد" not in row

    response = await post_form(pasokh, "/owner/faq/alternative", {
        "phrasing": NOT_ANSWERED, "entry": "shipping",
        "version": await owner_settings.version()})
    assert response.status == 303 and response.headers["Location"] == "/owner/unanswered"
    after = await (await pasokh.get("/owner/unanswered")).text()
    assert "شکل پرسش افزوده شد" in after
    row = after.split("<tbody>")[1].split("</tr>")[0]
    assert "ربات اکنون با این پاسخ می‌دهد: هزینه ارسال چقدر است؟" in row

    await post_update(pasokh, text_update(9604, NOT_ANSWERED))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9604))
    assert fake_telegram.sent_messages(9604)[0]["text"] == "ارسال به همه شهرها ۵۰ هزار تومان است."


async def test_issue_15_an_faq_answer_a_person_took_over_offers_its_closest_entries(pasokh):
    await _with_faq(pasokh)
    await _say(pasokh, 9605, "ساعت کاری شما چیه؟", "اپراتور")
    await as_owner(pasokh)
    page = await (await pasokh.get("/owner/unanswered")).text()
    corrected = page.split('class="owner-table corrected-table"')[1].split("</table>")[0]
    assert "ساعت کاری شما چیه؟" in corrected
    suggested = corrected.split('<optgroup label="نزدیک‌ترین موردها">')[1].split("</optgroup>")[0]
    assert suggested.lstrip().startswith('<option value="hours">')


async def test_issue_15_teaching_needs_the_csrf_token_and_an_entry(pasokh):
    await _with_faq(pasokh)
    await as_owner(pasokh)
    await csrf_token(pasokh)
    refused = await pasokh.post("/owner/faq/alternative", data={
        "phrasing": NOT_ANSWERED, "entry": "shipping",
        "version": await owner_settings.version()}, allow_redirects=False)
    assert refused.status == 403
    no_entry = await post_form(pasokh, "/owner/faq/alternative", {
        "phrasing": NOT_ANSWERED, "entry": "", "version": await owner_settings.version()})
    assert no_entry.status == 303
    after = await (await pasokh.get("/owner/unanswered")).text()
    assert "برای این شکل پرسش یکی از موردهای پرسش‌های پرتکرار را انتخاب کنید." in after
    assert all(not item.alternatives or item.id == "hours"
               for item in (await owner_config.load_stored()).faq)


async def test_issue_15_the_explanation_shows_confidence_phrase_and_words_in_persian(pasokh):
    await _with_faq(pasokh)
    await _say(pasokh, 9606, "هزینه ارسال چقدر است؟")
    answer = await Message.get(author="bot")
    # A fact with every part a decision may record.
    answer.meta = {**answer.meta, "faq_match": msgspec.to_builtins(FaqMatchFact(
        entry_id="shipping", question="هزینه ارسال چقدر است؟", confidence=0.8249,
        phrase="هزینه ارسال چقدر است؟", words=("هزینه", "ارسال")))}
    await answer.save(update_fields=["meta"])
    await as_owner(pasokh)
    page = await (await pasokh.get(f"/conversations/{answer.conversation_id}")).text()
    why = page.split('class="faq-why"')[1].split("</details>")[0]
    assert "اطمینان ۸۲٪" in why
    assert "<dd><bdi dir=\"auto\">هزینه، ارسال</bdi></dd>" in why
    assert "نزدیک‌ترین شکل پرسش" in why
    await post_form(pasokh, "/language", {"lang": "en", "next": "/"})
    english = await (await pasokh.get(f"/conversations/{answer.conversation_id}")).text()
    assert "confidence 82%" in english and "هزینه, ارسال" in english
