"""The FAQ form, its CSV in and out, and the YAML pages of the other sections."""

from __future__ import annotations

from bots.typedefs import RUNTIME
from core import owner_config, owner_settings
from tests.integration.helpers import post_update, text_update
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner

MENU = """\
menu:
  - title: ساعت کاری
    reply: هر روز از ۹ تا ۱۷
  - title: گفتگو با پشتیبان
    action: handoff
"""


async def test_an_entry_added_in_the_panel_answers_a_customer_on_telegram(pasokh, fake_telegram):
    await as_owner(pasokh)
    response = await _save(pasokh, "/owner/faq", {
        "id": "delivery-time", "replacing": "",
        "question": "سفارش کی می‌رسد؟",
        "answer": "سفارش‌ها دو تا سه روز کاری بعد می‌رسند.",
        "alternatives": "زمان ارسال چقدر است؟\nکی ارسال میشه؟",
    })
    assert response.status == 303
    page = await (await pasokh.get("/owner/faq")).text()
    assert "سفارش کی می‌رسد؟" in page and "ذخیره شد" in page

    await post_update(pasokh, text_update(9101, "سفارشم کی میرسه؟"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9101))
    assert fake_telegram.sent_messages(9101)[0]["text"].startswith("سفارش‌ها دو تا سه روز")


async def test_an_entry_can_be_edited_and_deleted(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "faq:\n  - id: a\n    question: پرسش یک\n    answer: پاسخ یک\n"))
    edit = await (await pasokh.get("/owner/faq?edit=a")).text()
    assert 'name="replacing" value="a"' in edit and "پاسخ یک" in edit
    await _save(pasokh, "/owner/faq", {"id": "a", "replacing": "a", "question": "پرسش یک",
                                           "answer": "پاسخ تازه", "alternatives": ""})
    (item,) = (await owner_config.load_stored()).faq
    assert item.answer == "پاسخ تازه"
    assert (await _save(pasokh, "/owner/faq/delete", {"id": "a"})).status == 303
    assert (await owner_config.load_stored()).faq == []


async def test_a_wrong_entry_is_refused_and_nothing_changes(pasokh):
    await as_owner(pasokh)
    response = await _save(pasokh, "/owner/faq", {"id": "bad id!", "replacing": "",
                                                      "question": "پرسش", "answer": " "})
    assert response.status == 400
    page = await response.text()
    assert "چیزی ذخیره نشد" in page
    assert "شناسهٔ پرسش متداول ۱ تا ۶۴" in page and "پاسخ خالی است" in page
    assert 'value="پرسش"' in page  # what the owner typed is kept
    assert (await owner_config.load_stored()).faq == []


async def test_a_faq_entry_a_menu_uses_cannot_be_deleted(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "faq:\n  - id: a\n    question: پرسش\n    answer: پاسخ\n"
        "menu:\n  - title: پرسش\n    faq: a\n"))
    response = await _save(pasokh, "/owner/faq/delete", {"id": "a"})
    assert response.status == 400
    assert "پرسش متداولی با شناسهٔ «a» نیست" in await response.text()
    assert len((await owner_config.load_stored()).faq) == 1


async def test_the_csv_goes_out_with_persian_headers_and_comes_back(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "faq:\n  - id: a\n    question: پرسش یک\n    answer: پاسخ یک\n"
        "    alternatives: [گونه دیگر, گونه سوم]\n"))
    response = await pasokh.get("/owner/faq.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    body = await response.read()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == "شناسه,پرسش,پاسخ,پرسش‌های دیگر"

    changed = text.replace("پاسخ یک", "پاسخ دوم") + ",پرسش تازه,پاسخ تازه,\r\n"
    imported = await _import(pasokh, changed.encode("utf-8-sig"))
    assert imported.status == 303
    faq = (await owner_config.load_stored()).faq
    assert [(i.id, i.answer) for i in faq] == [("a", "پاسخ دوم"), ("faq-1", "پاسخ تازه")]
    assert faq[0].alternatives == ["گونه دیگر", "گونه سوم"]


async def test_a_csv_with_a_bad_row_names_the_row_and_changes_nothing(pasokh):
    await as_owner(pasokh)
    csv = "پرسش,پاسخ\r\nپرسش یک,پاسخ یک\r\nپرسش دو,\r\n".encode()
    response = await _import(pasokh, csv)
    assert response.status == 400
    page = await response.text()
    assert "خط ۳" in page and "پاسخ خالی است" in page
    assert (await owner_config.load_stored()).faq == []
    latin1 = await _import(pasokh, "question,answer\r\nq,\xe9\r\n".encode("latin-1"))
    assert "not UTF-8" in await latin1.text()


async def _save(client, path: str, data: dict):
    """Post a configuration form as the page would: with the version it was opened at."""
    return await post_form(client, path, {**data, "version": await owner_settings.version()})


async def test_a_change_saved_meanwhile_by_someone_else_is_not_undone(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "faq:\n  - id: a\n    question: پرسش\n    answer: پاسخ\n"))
    opened = await owner_settings.version()
    await owner_config.store(owner_config.parse(
        "faq:\n  - id: a\n    question: پرسش\n    answer: پاسخ همکار\n"))
    response = await post_form(pasokh, "/owner/settings/menu/yaml",
                               {"yaml": MENU, "version": opened})
    assert response.status == 409
    page = await response.text()
    assert "پس از باز کردن این صفحه" in page and "ساعت کاری" in page
    stored = await owner_config.load_stored()
    assert stored.menu == [] and stored.faq[0].answer == "پاسخ همکار"
    stale_delete = await post_form(pasokh, "/owner/faq/delete", {"id": "a", "version": opened})
    assert stale_delete.status == 409
    assert len((await owner_config.load_stored()).faq) == 1


async def _import(client, data: bytes):
    from aiohttp import FormData

    from tests.panel.helpers import csrf_token

    form = FormData()
    form.add_field("csrf_token", await csrf_token(client, "/owner/faq"))
    form.add_field("version", await owner_settings.version())
    form.add_field("file", data, filename="faq.csv", content_type="text/csv")
    return await client.post("/owner/faq/import", data=form, allow_redirects=False)


async def test_the_unanswered_link_prefills_the_form(pasokh):
    await as_owner(pasokh)
    page = await (await pasokh.get("/owner/faq", params={"question": "<b>گارانتی</b>"})).text()
    assert 'value="&lt;b&gt;گارانتی&lt;/b&gt;"' in page


async def test_a_section_is_saved_from_yaml_and_used_by_the_bot(pasokh, fake_telegram):
    await as_owner(pasokh)
    page = await (await pasokh.get("/owner/settings/menu/yaml")).text()
    assert "menu:" in page
    response = await _save(pasokh, "/owner/settings/menu/yaml", {"yaml": MENU})
    assert response.status == 303
    assert [m.title for m in (await owner_config.load_stored()).menu] == ["ساعت کاری",
                                                                          "گفتگو با پشتیبان"]
    assert pasokh.app[RUNTIME].flows.current.menu[0].title == "ساعت کاری"


async def test_a_wrong_section_shows_the_line_and_changes_nothing(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(
        "faq:\n  - id: a\n    question: پرسش\n    answer: پاسخ\n"))
    wrong = MENU + "  - title: بدون کار\n"
    response = await _save(pasokh, "/owner/settings/menu/yaml", {"yaml": wrong})
    assert response.status == 400
    page = await response.text()
    assert "خط ۶" in page and "دقیقاً یک کار دارد" in page
    assert "بدون کار" in page  # the text stays in the box to be fixed
    broken = await _save(pasokh, "/owner/settings/menu/yaml", {"yaml": "menu:\n  - title: [\n"})
    assert broken.status == 400 and "not valid YAML" in await broken.text()
    other = await _save(pasokh, "/owner/settings/menu/yaml", {"yaml": "faq: []\n"})
    assert other.status == 400 and "this page edits the section menu" in await other.text()
    stored = await owner_config.load_stored()
    assert stored.menu == [] and len(stored.faq) == 1


async def test_an_unknown_section_is_not_found(pasokh):
    await as_owner(pasokh)
    assert (await pasokh.get("/owner/settings/nothing")).status == 404
    assert (await pasokh.get("/owner/settings/faq")).status == 404
