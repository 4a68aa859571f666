"""The owner's configuration in the panel: the FAQ as a form (with CSV in and out), and
every other section as YAML in a text box. Saved through core/owner_settings.py, which
checks the whole document first and changes nothing when any part is wrong."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime
from aiohttp import web

from admin_panel.labels import label
from admin_panel.owner_labels import SECTIONS
from admin_panel.typedefs import FLOW_CONFIGURATION, SETTINGS
from admin_panel.views.owner_common import (
    not_found,
    notice_later,
    problem_lines,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from core import holidays, owner_config, owner_settings
from core.formats import DEFAULT_TZ, MONTH_NAMES, WEEKDAY_NAMES
from core.i18n import current_language, gettext
from core.order_lookup import OrderSources
from core.owner_config import FaqItem, InvalidConfig
from core.owner_settings import ChangedMeanwhile, LookupTry, NoSuchFaqEntry
from core.text import to_latin_digits

FAQ_SECTION = "faq"
ORDER_LOOKUP_SECTION = "order_lookup"
HOURS_SECTION = "business_hours"
MAX_CSV_BYTES = 900 * 1024  # under the app's body limit, with room for the form around it
# Formal, colloquial and Finglish wordings of one question: the FAQ page nudges owners toward
# this many phrasings per entry (the question and its alternatives).
SUGGESTED_PHRASINGS = 5


def changed_meanwhile() -> str:
    return gettext("Someone saved the configuration after you opened this page, so nothing "
                   "was saved: open the page again and make your change once more.")


async def _use_now(request: web.Request) -> None:
    """This process's bot answers with the saved document at once; others within seconds."""
    await request.app[FLOW_CONFIGURATION].refresh()


async def _faq_page(request: web.Request, *, editing: FaqItem | None = None, replacing: str = "",
                    problems: list[str] | None = None, status: int = 200) -> web.Response:
    document = await owner_config.load_stored()
    if editing is None:
        wanted = request.query.get("edit", "")
        found = next((item for item in document.faq if item.id == wanted), None)
        if found is not None:
            editing, replacing = found, found.id
        else:
            editing = FaqItem(id=owner_settings.next_faq_id(document),
                              question=request.query.get("question", "")[:1000], answer="")
    return render_owner(request, "owner/faq.html", {
        "section": FAQ_SECTION,
        "faq": document.faq,
        "editing": editing,
        "replacing": replacing,
        "problems": problems or [],
        "notice": await take_notice(request),
        "version": await owner_settings.version(),
        "suggested_phrasings": SUGGESTED_PHRASINGS,
    }, status=status)


async def faq(request: web.Request) -> web.Response:
    return await _faq_page(request)


async def save_faq(request: web.Request) -> web.Response:
    form = await request.post()
    item = FaqItem(
        id=text_field(form, "id", 64).strip(),
        question=text_field(form, "question").strip(),
        answer=text_field(form, "answer").strip(),
        alternatives=[line.strip() for line in text_field(form, "alternatives").splitlines()
                      if line.strip()],
    )
    replacing = text_field(form, "replacing", 64)
    try:
        await owner_settings.save_faq_entry(replacing, item, text_field(form, "version", 64))
    except ChangedMeanwhile:
        return await _faq_page(request, editing=item, replacing=replacing,
                               problems=[changed_meanwhile()], status=409)
    except InvalidConfig as invalid:
        return await _faq_page(request, editing=item, replacing=replacing,
                               problems=problem_lines(invalid.problems), status=400)
    await _use_now(request)
    await notice_later(request, gettext("The answer is saved; the bot uses it within seconds."))
    raise see_other(request, "panel.owner.faq")


async def add_alternative(request: web.Request) -> web.Response:
    """A customer's wording taught to an entry in one click, from the pages that show what
    the bot did not answer well; the bot uses it at once."""
    form = await request.post()
    phrasing = text_field(form, "phrasing", 1000)
    try:
        await owner_settings.add_faq_alternative(text_field(form, "entry", 64), phrasing,
                                                 text_field(form, "version", 64))
    except ChangedMeanwhile:
        await notice_later(request, changed_meanwhile())
    except NoSuchFaqEntry:
        await notice_later(request, gettext("Choose an entry of the FAQ for this wording."))
    except InvalidConfig as invalid:
        await notice_later(request, " ".join(problem_lines(invalid.problems)))
    else:
        await _use_now(request)
        await notice_later(request, gettext("The wording is added; the bot answers it now."))
    raise see_other(request, "panel.owner.unanswered")


async def delete_faq(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        await owner_settings.delete_faq_entry(text_field(form, "id", 64),
                                              text_field(form, "version", 64))
    except ChangedMeanwhile:
        return await _faq_page(request, problems=[changed_meanwhile()], status=409)
    except InvalidConfig as invalid:
        return await _faq_page(request, problems=problem_lines(invalid.problems), status=400)
    await _use_now(request)
    await notice_later(request, gettext("The question is deleted."))
    raise see_other(request, "panel.owner.faq")


async def faq_csv(request: web.Request) -> web.Response:
    document = await owner_config.load_stored()
    return web.Response(body=owner_settings.faq_csv(document), content_type="text/csv",
                        charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="pasokh-faq.csv"'})


async def import_faq(request: web.Request) -> web.Response:
    form = await request.post()
    upload: Any = form.get("file")
    if upload is None or not hasattr(upload, "file"):
        return await _faq_page(request, problems=[gettext("Choose a CSV file to import.")],
                               status=400)
    data = upload.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        return await _faq_page(request, problems=[gettext("The file is too large.")],
                               status=400)
    try:
        count = await owner_settings.import_faq_csv(data, text_field(form, "version", 64))
    except ChangedMeanwhile:
        return await _faq_page(request, problems=[changed_meanwhile()], status=409)
    except InvalidConfig as invalid:
        return await _faq_page(request, problems=problem_lines(invalid.problems), status=400)
    await _use_now(request)
    await notice_later(request, gettext("%(count)s questions imported.") % {"count": count})
    raise see_other(request, "panel.owner.faq")


def _section_name(request: web.Request) -> str:
    name = request.match_info["section"]
    if name == FAQ_SECTION or name not in owner_settings.sections():
        raise not_found(request)
    return name


async def _section_page(request: web.Request, name: str, text: str, *,
                        problems: list[str] | None = None, status: int = 200,
                        lookup: LookupTry | None = None) -> web.Response:
    return render_owner(request, "owner/section.html", {
        "section": name,
        "section_title": label(SECTIONS, name),
        "text": text,
        "problems": problems or [],
        "notice": await take_notice(request),
        "version": await owner_settings.version(),
        "can_try_lookup": name == ORDER_LOOKUP_SECTION,
        "has_form": name != FAQ_SECTION,
        "lookup": lookup,
        **(await holiday_calendar(request) if name == HOURS_SECTION else {}),
    }, status=status)


async def holiday_calendar(request: web.Request) -> dict[str, Any]:
    """The business hours page also shows each schedule's holidays on a Jalali month."""
    year, month = _month_asked(request.query.get("month", ""))
    document = await owner_config.load_stored()
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    following = (year, month + 1) if month < 12 else (year + 1, 1)
    today = jdatetime.date.fromgregorian(date=datetime.now(ZoneInfo(DEFAULT_TZ)).date())
    official = holidays.coming(today.togregorian())
    language = current_language.get()
    return {
        "today": (today.year, today.month, today.day),
        "official_holidays": official,
        "official_names": _names_by_day(official, language),
        "holiday_months": owner_settings.holiday_months(document, year, month),
        "month_name": MONTH_NAMES[current_language.get()][month - 1],
        "previous_month": f"{previous[0]}-{previous[1]:02d}",
        "next_month": f"{following[0]}-{following[1]:02d}",
        "weekday_names": WEEKDAY_NAMES[current_language.get()],
        "holiday_language": language,
    }


def _names_by_day(official: list[holidays.Holiday], language: str
                  ) -> dict[tuple[int, int, int], str]:
    """Each official holiday's name by its day; two on one day are both named."""
    names: dict[tuple[int, int, int], list[str]] = {}
    for holiday in official:
        names.setdefault((holiday.day.year, holiday.day.month, holiday.day.day), []).append(
            holiday.names[language])
    return {day: " · ".join(found) for day, found in names.items()}


def _month_asked(text: str) -> tuple[int, int]:
    """The Jalali month in `?month=1405-01`, or this month in Tehran."""
    with contextlib.suppress(ValueError):  # not a month: this month is shown instead
        year, month = (int(part) for part in to_latin_digits(text).split("-"))
        if 1300 <= year <= 1500 and 1 <= month <= 12:
            return year, month
    today = jdatetime.date.fromgregorian(date=datetime.now(ZoneInfo(DEFAULT_TZ)).date())
    return today.year, today.month


async def toggle_holiday(request: web.Request) -> web.Response:
    form = await request.post()
    day = text_field(form, "day", 16)
    try:
        await owner_settings.toggle_holiday(text_field(form, "schedule", 128), day,
                                            text_field(form, "version", 64))
    except ChangedMeanwhile:
        return await _hours_page(request, problems=[changed_meanwhile()], status=409)
    except (InvalidConfig, ValueError) as invalid:
        problems = (problem_lines(invalid.problems) if isinstance(invalid, InvalidConfig)
                    else [gettext("That is not a day of the Jalali calendar.")])
        return await _hours_page(request, problems=problems, status=400)
    await _use_now(request)
    month = "-".join(to_latin_digits(day).replace("/", "-").split("-")[:2])
    raise web.HTTPSeeOther(request.app.router["panel.owner.section"].url_for(
        section=HOURS_SECTION).with_query(month=month))


async def _hours_page(request: web.Request, *, problems: list[str], status: int
                      ) -> web.Response:
    document = await owner_config.load_stored()
    return await _section_page(request, HOURS_SECTION,
                               owner_settings.section_yaml(document, HOURS_SECTION),
                               problems=problems, status=status)


async def section(request: web.Request) -> web.Response:
    name = _section_name(request)
    document = await owner_config.load_stored()
    return await _section_page(request, name, owner_settings.section_yaml(document, name))


async def save_section(request: web.Request) -> web.Response:
    name = _section_name(request)
    form = await request.post()
    text = text_field(form, "yaml", 200_000)
    try:
        await owner_settings.save_section(name, text, text_field(form, "version", 64),
                                          OrderSources.of(request.app[SETTINGS]))
    except ChangedMeanwhile:
        return await _section_page(request, name, text, problems=[changed_meanwhile()],
                                   status=409)
    except InvalidConfig as invalid:
        return await _section_page(request, name, text, problems=problem_lines(invalid.problems),
                                   status=400)
    await _use_now(request)
    await notice_later(request, gettext("Saved; the bot uses it within seconds."))
    raise see_other(request, "panel.owner.section_yaml", section=name)
