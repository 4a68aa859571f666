"""Issue 18, the last owner sections without YAML: agents' replies as a form, routing and
targets on their one form with every mistake at its field, submenus in the menu builder
(with their preview), and the official holidays proposed (the lunar ones editable)."""

from __future__ import annotations

from datetime import date

from bots.typedefs import RUNTIME
from core import holidays, owner_config, owner_settings
from tests.integration.helpers import button_update, post_update, text_update
from tests.panel.helpers import csrf_token, make_user, post_form
from tests.panel.owner_helpers import as_owner


async def test_agents_replies_is_a_form_and_its_choice_is_kept(pasokh):
    await as_owner(pasokh)
    page = await (await pasokh.get("/owner/settings/agent_replies")).text()
    assert 'id="section-form"' in page
    assert 'name="agent_replies.show_name_to_customers"' in page
    saved = await post_form(pasokh, "/owner/settings/agent_replies", {
        "version": await owner_settings.version(),
        "agent_replies.show_name_to_customers": "on"})
    assert saved.status == 303
    assert (await owner_config.load_stored()).agent_replies.show_name_to_customers
    page = await (await pasokh.get("/owner/settings/agent_replies")).text()
    assert 'value="on" checked' in page
    off = await post_form(pasokh, "/owner/settings/agent_replies", {
        "version": await owner_settings.version()})
    assert off.status == 303
    assert not (await owner_config.load_stored()).agent_replies.show_name_to_customers


async def test_routing_and_targets_lead_to_their_one_form_and_not_to_yaml(pasokh):
    await as_owner(pasokh)
    for section in ("routing", "targets"):
        response = await pasokh.get(f"/owner/settings/{section}", allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/owner/routing"
    page = await (await pasokh.get("/owner/routing")).text()
    assert 'href="/owner/settings/routing"' not in page  # not in the list of sections twice
    assert 'href="/owner/settings/routing/yaml"' in page  # the advanced view, one link away


async def test_every_routing_mistake_is_reported_at_its_field_in_persian(pasokh):
    await as_owner(pasokh)
    await make_user("sara@example.com", "agent", "فروش")
    response = await post_form(pasokh, "/owner/routing", {
        "version": await owner_settings.version(), "mode": "round_robin", "max_open": "صفر",
        "first_response": "-3", "only_available": "1",
        "team": "فروش", "team:فروش:mode": "manual", "team:فروش:resolution": "۹۹۹۹۹۹"})
    assert response.status == 400
    page = await response.text()
    assert "۳ اشتباه" in page
    assert page.count('class="field-problem"') == 3
    # Each listed above the form and said under its field.
    assert page.count("عددی صحیح از ۱ تا ۱۰۰۰") == 2
    assert page.count("عددی صحیح از ۱ تا ۴۳۲۰۰") == 2 * 2
    # What the owner wrote stays, each wrong field marked.
    assert 'name="max_open" value="صفر"' in page
    assert 'name="team:فروش:resolution" value="۹۹۹۹۹۹"' in page
    assert page.count('aria-invalid="true"') == 3
    assert (await owner_config.load_stored()).routing is None


def _submenu_form(version: str) -> dict[str, str]:
    return {
        "version": version,
        "menu[0].position": "1", "menu[0].title": "پیگیری و ارسال", "menu[0].does": "submenu",
        "menu[0].submenu[0].position": "2", "menu[0].submenu[0].title": "هزینه ارسال",
        "menu[0].submenu[0].does": "reply", "menu[0].submenu[0].reply": "ارسال رایگان است.",
        "menu[0].submenu[1].position": "1", "menu[0].submenu[1].title": "گفتگو با پشتیبان",
        "menu[0].submenu[1].does": "handoff",
        "menu[1].position": "2", "menu[1].title": "ساعت کاری", "menu[1].does": "reply",
        "menu[1].reply": "۹ تا ۱۷",
    }


async def test_a_submenu_built_on_the_form_is_what_a_customer_gets(pasokh, fake_telegram):
    await as_owner(pasokh)
    saved = await post_form(pasokh, "/owner/settings/menu",
                            _submenu_form(await owner_settings.version()))
    assert saved.status == 303, await saved.text()
    (opening, _) = (await owner_config.load_stored()).menu
    assert [(item.title, item.action, item.reply) for item in opening.submenu] == [
        ("گفتگو با پشتیبان", "handoff", None), ("هزینه ارسال", None, "ارسال رایگان است.")]
    assert pasokh.app[RUNTIME].flows.current.menu[0].submenu[1].title == "هزینه ارسال"
    page = await (await pasokh.get("/owner/settings/menu")).text()
    assert 'name="menu[0].submenu[1].reply"' in page
    assert "وقتی مشتری «پیگیری و ارسال» را می‌زند" in page  # the submenu's own preview
    assert page.count('class="preview-button" dir="auto">بازگشت<') >= 1

    await post_update(pasokh, text_update(9811, "/start"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9811))
    await post_update(pasokh, button_update(9811, "m:0"))
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(9811)) >= 2)
    keyboard = fake_telegram.sent_messages(9811)[1]["reply_markup"]["inline_keyboard"]
    assert [button["text"] for row in keyboard for button in row][:2] == [
        "گفتگو با پشتیبان", "هزینه ارسال"]


async def test_submenu_items_are_added_and_removed_on_the_form_only_until_save(pasokh):
    await as_owner(pasokh)
    form = _submenu_form(await owner_settings.version())
    added = await post_form(pasokh, "/owner/settings/menu",
                            {**form, "menu[1].add_child": "1"})
    page = await added.text()
    assert added.status == 200 and 'name="menu[1].submenu[0].title"' in page
    removed = await post_form(pasokh, "/owner/settings/menu",
                              {**form, "menu[0].submenu[0].remove": "1"})
    page = await removed.text()
    assert 'name="menu[0].submenu[1].title"' not in page
    assert 'value="گفتگو با پشتیبان"' in page and 'value="هزینه ارسال"' not in page
    assert (await owner_config.load_stored()).menu == []


async def test_mistakes_in_a_submenu_are_shown_at_the_items_fields(pasokh):
    await as_owner(pasokh)
    form = _submenu_form(await owner_settings.version())
    response = await post_form(pasokh, "/owner/settings/menu", {
        **form, "menu[0].submenu[0].title": " ", "menu[0].submenu[1].does": "order"})
    assert response.status == 400
    page = await response.text()
    assert "۲ اشتباه" in page and page.count('class="field-problem"') == 2
    title_field = page.split('id="f-menu[0].submenu[1].title"')[1].split("</div>")[0]
    assert "field-problem" in title_field  # the empty title, now second in the owner's order
    assert (await owner_config.load_stored()).menu == []


async def _import(pasokh, picks: list[tuple[str, str]]):
    token = await csrf_token(pasokh, "/owner/settings/business_hours")
    return await pasokh.post("/owner/settings/business_hours/holidays/import", data=[
        ("csrf_token", token), ("version", await owner_settings.version()),
        ("schedule", "default"), *picks], allow_redirects=False)


async def test_the_proposed_official_holidays_are_added_as_the_owner_corrected_them(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "business_hours:\n  - name: default\n    week: {saturday: ['09:00-17:00']}\n"))
    page = await (await pasokh.get("/owner/settings/business_hours")).text()
    assert "عید سعید فطر" in page and "(قمری، محاسبه‌شده)" in page
    assert page.count('name="pick"') == len(holidays.coming(date.today()))

    wrong = await _import(pasokh, [("pick", "0"), ("day.0", "۱۴۰۵/۱۳/۰۱"),
                                   ("pick", "1"), ("day.1", "فردا"),
                                   ("pick", "2"), ("day.2", "1405/12/20")])
    assert wrong.status == 400
    text = await wrong.text()
    assert "«۱۴۰۵/۱۳/۰۱» روزی از تقویم جلالی نیست" in text and "«فردا»" in text
    assert (await owner_config.load_stored()).business_hours[0].holidays == []

    # The owner moved Eid al-Fitr a day later and left the third day out (not ticked).
    added = await _import(pasokh, [("pick", "0"), ("day.0", "۱۴۰۵/۱۲/۱۹"),
                                   ("pick", "1"), ("day.1", "1405-12-20"),
                                   ("day.2", "1405-12-29")])
    assert added.status == 303
    assert (await owner_config.load_stored()).business_hours[0].holidays == [
        "1405-12-19", "1405-12-20"]
    nothing = await _import(pasokh, [("day.0", "1405-12-19")])
    assert nothing.status == 400 and "دست‌کم یک" in await nothing.text()


async def test_a_lunar_holiday_on_the_calendar_is_named_and_dashed(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "business_hours:\n  - name: default\n    week: {saturday: ['09:00-17:00']}\n"))
    lunar = next(h for h in holidays.coming(date.today()) if h.lunar)
    month = f"{lunar.day.year}-{lunar.day.month:02d}"
    page = await (await pasokh.get(f"/owner/settings/business_hours?month={month}")).text()
    day = page.split(f'name="day" value="{lunar.key}"')[1].split("</form>")[0]
    assert "official" in day and lunar.names["fa"] in day  # dashed, named in its title
