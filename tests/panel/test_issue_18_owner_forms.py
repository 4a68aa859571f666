"""Issue 18: every owner section is a form for people; each mistake is shown at its field,
all of them at once, in the reader's language, and nothing is saved while any is there."""

from __future__ import annotations

import pytest

from adapters import ADAPTERS
from bots.typedefs import RUNTIME
from core import owner_config, owner_settings, sample_shop
from tests.integration.helpers import post_update, text_update
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner

SECTIONS = ("menu", "auto_replies", "business_hours", "order_lookup", "survey", "teams",
            "canned_replies", "whatsapp_templates")


@pytest.mark.parametrize("section", SECTIONS)
async def test_every_section_has_a_form_with_the_yaml_one_link_away(pasokh, section):
    await as_owner(pasokh)
    await owner_config.store(sample_shop.sample())
    page = await (await pasokh.get(f"/owner/settings/{section}")).text()
    assert 'id="section-form"' in page and 'name="yaml"' not in page
    assert f'href="/owner/settings/{section}/yaml"' in page
    advanced = await (await pasokh.get(f"/owner/settings/{section}/yaml")).text()
    assert 'name="yaml"' in advanced


async def test_a_menu_built_on_the_form_is_saved_in_the_owners_order_and_answers(
        pasokh, fake_telegram):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "faq:\n  - id: shipping\n    question: ارسال کی است؟\n    answer: دو روز کاری.\n"))
    response = await post_form(pasokh, "/owner/settings/menu", {
        "version": await owner_settings.version(),
        "menu[0].position": "2", "menu[0].title": "گفتگو با پشتیبان", "menu[0].does": "handoff",
        "menu[1].position": "۱", "menu[1].title": "زمان ارسال", "menu[1].does": "faq",
        "menu[1].faq": "shipping",
        "menu[2].position": "3", "menu[2].title": "ساعت کاری", "menu[2].does": "reply",
        "menu[2].reply": "هر روز ۹ تا ۱۷",
    })
    assert response.status == 303, await response.text()
    stored = await owner_config.load_stored()
    assert [(m.title, m.faq, m.action, m.reply) for m in stored.menu] == [
        ("زمان ارسال", "shipping", None, None),
        ("گفتگو با پشتیبان", None, "handoff", None),
        ("ساعت کاری", None, None, "هر روز ۹ تا ۱۷"),
    ]
    assert pasokh.app[RUNTIME].flows.current.menu[0].title == "زمان ارسال"
    page = await (await pasokh.get("/owner/settings/menu")).text()
    assert 'value="زمان ارسال"' in page and "ذخیره شد" in page

    await post_update(pasokh, text_update(9801, "/start"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9801))
    keyboard = fake_telegram.sent_messages(9801)[0]["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard][:3] == ["زمان ارسال", "گفتگو با پشتیبان",
                                                        "ساعت کاری"]


async def test_two_mistakes_are_both_reported_in_persian_beside_their_fields(pasokh):
    await as_owner(pasokh)
    response = await post_form(pasokh, "/owner/settings/canned_replies", {
        "version": await owner_settings.version(),
        "canned_replies[0].shortcut": "دو کلمه", "canned_replies[0].text": "سلام",
        "canned_replies[1].shortcut": "خداحافظ", "canned_replies[1].text": "  ",
    })
    assert response.status == 400
    page = await response.text()
    assert "۲ اشتباه" in page
    assert page.count('class="field-problem"') == 2
    assert "میان‌بر" in page and "نویسه" in page  # both said in Persian
    assert 'value="دو کلمه"' in page  # what was typed stays, to be fixed
    assert (await owner_config.load_stored()).canned_replies == []


async def test_a_mistake_the_form_finds_and_one_the_document_finds_are_reported_together(
        pasokh):
    await as_owner(pasokh)
    response = await post_form(pasokh, "/owner/settings/business_hours", {
        "version": await owner_settings.version(),
        "business_hours[0].name": "default", "business_hours[0].timezone": "Asia/Tehran",
        "business_hours[0].minutes_per_conversation": "پنج",
        "business_hours[0].week.saturday[0].start": "09:00",
        "business_hours[0].week.saturday[0].end": "08:00",
        "business_hours[0].week.sunday[0].start": "09:00",
    })
    assert response.status == 400
    page = await response.text()
    assert page.count('class="field-problem"') == 3, page
    assert "۳ اشتباه" in page
    assert (await owner_config.load_stored()).business_hours == []


async def test_business_hours_with_a_split_day_are_saved_from_the_form(pasokh):
    await as_owner(pasokh)
    response = await post_form(pasokh, "/owner/settings/business_hours", {
        "version": await owner_settings.version(),
        "business_hours[0].name": "default", "business_hours[0].timezone": "Asia/Tehran",
        "business_hours[0].minutes_per_conversation": "۵",
        "business_hours[0].week.saturday[0].start": "09:00",
        "business_hours[0].week.saturday[0].end": "13:00",
        "business_hours[0].week.saturday[1].start": "16:00",
        "business_hours[0].week.saturday[1].end": "20:00",
        "business_hours[0].holidays": "۱۴۰۶-۰۱-۰۱",
    })
    assert response.status == 303, await response.text()
    hours = (await owner_config.load_stored()).business_hours[0]
    assert hours.week.saturday == ["09:00-13:00", "16:00-20:00"]
    assert hours.week.friday == [] and hours.holidays == ["1406-01-01"]


async def test_adding_and_removing_rows_saves_nothing_until_save(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "canned_replies:\n  - shortcut: hi\n    text: سلام\n"))
    gone = await post_form(pasokh, "/owner/settings/canned_replies", {
        "version": await owner_settings.version(), "canned_replies[0].shortcut": "hi",
        "canned_replies[0].text": "سلام", "canned_replies[0].remove": "1"})
    assert gone.status == 200 and 'name="canned_replies[0].shortcut"' not in await gone.text()
    assert len((await owner_config.load_stored()).canned_replies) == 1  # until Save
    added = await post_form(pasokh, "/owner/settings/auto_replies", {
        "version": await owner_settings.version(), "add": "1"})
    assert added.status == 200
    page = await added.text()
    assert 'name="auto_replies[0].keywords"' in page and 'value="rule-1"' in page
    removed = await post_form(pasokh, "/owner/settings/auto_replies", {
        "version": await owner_settings.version(), "auto_replies[0].id": "rule-1",
        "auto_replies[0].remove": "1"})
    assert 'name="auto_replies[0].keywords"' not in await removed.text()
    assert (await owner_config.load_stored()).auto_replies == []


async def test_a_form_drawn_again_keeps_the_version_it_started_from(pasokh):
    """A colleague saves while the owner edits: the owner's check or added row must not carry
    the new version, or their Save would overwrite the colleague's unwarned."""
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse("canned_replies: []\n"))
    started_from = await owner_settings.version()
    await owner_config.store(owner_config.parse(
        "canned_replies:\n  - shortcut: hi\n    text: سلام\n"))
    assert started_from and await owner_settings.version() != started_from
    for button in ({"check": "1"}, {"add": "1"}):
        page = await (await post_form(pasokh, "/owner/settings/auto_replies", {
            "version": started_from, **button})).text()
        assert f'name="version" value="{started_from}"' in page
    overwriting = await post_form(pasokh, "/owner/settings/auto_replies", {
        "version": started_from, "auto_replies[0].id": "price",
        "auto_replies[0].keywords": "قیمت", "auto_replies[0].match": "contains",
        "auto_replies[0].reply": "قیمت‌ها در سایت است.", "auto_replies[0].priority": "0"})
    assert overwriting.status == 409
    assert f'name="version" value="{await owner_settings.version()}"' in await overwriting.text()


async def test_the_auto_reply_test_box_tries_the_rules_on_the_form(pasokh):
    await as_owner(pasokh)
    fields = {"version": await owner_settings.version(), "test": "1",
              "auto_replies[0].id": "price", "auto_replies[0].keywords": "قيمت\nچند",
              "auto_replies[0].match": "contains", "auto_replies[0].reply": "قیمت‌ها در سایت است.",
              "auto_replies[0].priority": "0"}
    hit = await (await post_form(pasokh, "/owner/settings/auto_replies",
                                 {**fields, "test_text": "قیمت این کتاب چنده؟"})).text()
    assert "قیمت‌ها در سایت است." in hit.split('class="test-result"')[1]
    miss = await (await post_form(pasokh, "/owner/settings/auto_replies",
                                  {**fields, "test_text": "سلام"})).text()
    assert "قیمت‌ها در سایت است." not in miss.split('class="test-result"')[1]
    assert (await owner_config.load_stored()).auto_replies == []


async def test_the_menu_preview_shows_the_numbered_fallback_where_buttons_do_not_fit(pasokh):
    await as_owner(pasokh)
    titles = [f"گزینهٔ شمارهٔ {n} با عنوانی بلند" for n in range(1, 5)]
    await owner_config.store(owner_config.parse("menu:\n" + "".join(
        f"  - title: {title}\n    action: handoff\n" for title in titles)))
    page = await (await pasokh.get("/owner/settings/menu")).text()
    previews = page.split('class="card menu-preview"')[1]
    numbered = [a for a in ADAPTERS.values() if a.buttons.style_for(titles) is None]
    assert len(numbered) >= 2  # too long for WhatsApp's and Instagram's buttons, and SMS has none
    assert previews.count('class="preview-numbered"') == len(numbered)
    assert "۱. " + titles[0] in previews
    # Each platform that has room draws them all, with the bot's language button after them.
    drawn = len(ADAPTERS) - len(numbered)
    assert previews.count('class="preview-button"') == drawn * (len(titles) + 1)
    assert "English" in previews


async def test_the_order_lookup_form_keeps_the_masked_shop_key(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "order_lookup:\n  url: https://shop.example/orders/{order_id}\n"
        "  headers:\n    X-Api-Key: secret-key-1\n"))
    page = await (await pasokh.get("/owner/settings/order_lookup")).text()
    assert "secret-key-1" not in page and owner_config.SECRET_MASK in page
    saved = await post_form(pasokh, "/owner/settings/order_lookup", {
        "version": await owner_settings.version(), "order_lookup.source": "url",
        "order_lookup.url": "https://shop.example/orders/{order_id}",
        "order_lookup.headers": f"X-Api-Key: {owner_config.SECRET_MASK}",
        "order_lookup.status_names": "sent = ارسال شد", "order_lookup.timeout_seconds": "۳"})
    assert saved.status == 303, await saved.text()
    lookup = (await owner_config.load_stored()).order_lookup
    assert lookup is not None and lookup.headers == {"X-Api-Key": "secret-key-1"}
    assert lookup.status_names == {"sent": "ارسال شد"} and lookup.timeout_seconds == 3


async def test_the_whole_file_downloads_and_a_wrong_upload_changes_nothing(pasokh):
    from aiohttp import FormData

    from tests.panel.helpers import csrf_token

    await as_owner(pasokh)
    await owner_config.store(sample_shop.sample())
    text = await (await pasokh.get("/owner/config.yaml")).text()
    assert owner_config.parse(text) == sample_shop.sample()

    async def upload(data: str):
        form = FormData()
        form.add_field("csrf_token", await csrf_token(pasokh, "/owner/start"))
        form.add_field("version", await owner_settings.version())
        form.add_field("file", data.encode(), filename="pasokh.yaml")
        return await pasokh.post("/owner/config", data=form, allow_redirects=False)

    wrong = await upload("menu:\n  - title: بی‌کار\n"
                         "canned_replies:\n  - shortcut: a b\n    text: x\n")
    assert wrong.status == 303
    page = await (await pasokh.get("/owner/start")).text()
    assert "هیچ چیز ذخیره نشد" in page and "خط ۲" in page and "خط ۴" in page
    assert await owner_config.load_stored() == sample_shop.sample()
    right = await upload("canned_replies:\n  - shortcut: hi\n    text: سلام\n")
    assert right.status == 303
    assert [c.shortcut for c in (await owner_config.load_stored()).canned_replies] == ["hi"]


async def test_leaving_a_field_checks_the_whole_form_and_saves_nothing(pasokh):
    await as_owner(pasokh)
    response = await post_form(pasokh, "/owner/settings/whatsapp_templates", {
        "check": "1",
        "whatsapp_templates[0].name": "Order Update", "whatsapp_templates[0].language": "fa",
        "whatsapp_templates[0].parameters": "دو",
    }, htmx=True)
    assert response.status == 200
    page = await response.text()
    assert "پیش از ذخیره" in page and page.count('class="field-problem"') == 2
    assert "یک عدد صحیح بنویسید" in page and "حروف کوچک لاتین" in page
    assert (await owner_config.load_stored()).whatsapp_templates == []


async def test_a_check_keeps_the_test_box_and_acts_on_no_button_it_was_sent_with(pasokh):
    """htmx sends a check with the button that last had the focus; its answer replaces the
    form, so it draws the form as it was sent, the test box included."""
    await as_owner(pasokh)
    fields = {"check": "1", "auto_replies[0].id": "rule-1",
              "auto_replies[0].keywords": "قیمت ارسال", "auto_replies[0].match": "contains",
              "auto_replies[0].reply": "رایگان است.", "auto_replies[0].priority": "0",
              "test_text": "قیمت ارسال چنده؟"}
    for button in ({}, {"auto_replies[0].remove": "1"}, {"add": "1"}, {"test": "1"}):
        response = await post_form(pasokh, "/owner/settings/auto_replies",
                                   {**fields, **button}, htmx=True)
        assert response.status == 200, button
        page = await response.text()
        assert 'value="قیمت ارسال چنده؟"' in page, button
        assert 'name="auto_replies[0].keywords"' in page, button
        assert 'name="auto_replies[1].keywords"' not in page, button
        assert 'class="test-result"' not in page, button
    assert (await owner_config.load_stored()).auto_replies == []


async def test_adding_a_row_keeps_the_test_box(pasokh):
    await as_owner(pasokh)
    page = await (await post_form(pasokh, "/owner/settings/auto_replies", {
        "version": await owner_settings.version(), "add": "1",
        "test_text": "قیمت ارسال چنده؟"})).text()
    assert 'name="auto_replies[0].keywords"' in page and 'value="قیمت ارسال چنده؟"' in page


async def test_the_menu_preview_is_the_welcome_even_outside_business_hours(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(  # never open: the away message comes first
        "business_hours:\n  - name: default\n    week: {}\n    away_message: بسته‌ایم\n"
        "menu:\n  - title: ساعت کاری\n    reply: ۹ تا ۱۷\n"))
    await pasokh.app[RUNTIME].flows.refresh()
    page = await (await pasokh.get("/owner/settings/menu")).text()
    previews = page.split('class="card menu-preview"')[1]
    assert "بسته‌ایم" not in previews and "خوش آمدید" in previews
    assert previews.count('class="preview-button"') >= 2


async def test_a_forged_form_gets_a_clear_answer_not_a_500(pasokh):
    await as_owner(pasokh)
    version = await owner_settings.version()
    nested = await post_form(pasokh, "/owner/settings/menu", {
        "version": version, "menu[0].title": "x", "menu[0].does": "submenu",
        "menu[0].submenu": "[" * 5000 + "]" * 5000})
    assert nested.status == 400
    strange = await post_form(pasokh, "/owner/settings/menu", {
        "version": version, "menu[0].title": "x", "menu[0].does": "<script>",
        "menu[0].position": "nan", "menu[999].title": "far away"})
    assert strange.status == 400 and "<script>" not in await strange.text()
    assert (await pasokh.post("/owner/settings/nothing", data={})).status in (403, 404)
    assert (await owner_config.load_stored()).menu == []
