"""The owner's configuration sections as forms (admin_panel/section_forms.py), each with
what helps fill it in: the menu's preview per platform, the auto-replies' test box, the
holiday calendar, the order lookup's test. The section's YAML stays one link away (the
advanced view), and the whole configuration downloads and uploads as one YAML file.

Saved through core/owner_settings.py, which checks the whole document and changes nothing
while any part is wrong; every problem is shown beside its field and listed above the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jdatetime
from aiohttp import web
from multidict import MultiDict, MultiMapping

from admin_panel.labels import label
from admin_panel.owner_labels import SECTIONS
from admin_panel.section_forms import (
    DAYS,
    FORM_PAGES,
    FORMS,
    MATCH_NAMES,
    MENU_ACTION_NAMES,
    SHIFTS_PER_DAY,
    SOURCE_NAMES,
    TEMPLATE_CATEGORY_NAMES,
    Problems,
    Row,
    SectionForm,
    problems_by_field,
    read_rows,
)
from admin_panel.typedefs import FLOW_CONFIGURATION, PLATFORM_BUTTONS, PLATFORMS, SETTINGS
from admin_panel.views import owner_settings as yaml_views
from admin_panel.views.owner_common import (
    not_found,
    notice_later,
    problem_lines,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from core import owner_config, owner_settings
from core.actions import Reply
from core.formats import WEEKDAY_NAMES, format_number, parse_jalali_date
from core.i18n import current_language, gettext
from core.order_lookup import OrderSources
from core.owner_config import InvalidConfig, OwnerDocument, Problem
from core.owner_settings import ChangedMeanwhile, LookupTry
from core.text import to_persian_digits

MAX_YAML_BYTES = 900 * 1024
MAX_ORDERS_CSV_BYTES = 900 * 1024  # under the app's body limit (WEBHOOK_MAX_BODY_BYTES)
ORDERS_FILE_FIELD = "orders_csv_file"
# The section form's submit buttons: the form's own, and the endings of a row's ("menu[0].remove").
FORM_BUTTONS = ("add", "test", "save")
ROW_BUTTONS = (".remove", ".add_child")


@dataclass(frozen=True, slots=True)
class PreviewButton:
    title: str
    too_long: bool


@dataclass(frozen=True, slots=True)
class PlatformPreview:
    """How the bot's first message, with the menu, looks on one platform."""

    platform: str
    name: str
    style: str  # the platform's way of showing the buttons, or "" for the numbered text
    text: str
    buttons: tuple[PreviewButton, ...]
    numbered: str  # the text sent instead when the buttons do not fit


def menu_preview(request: web.Request, titles: list[str]) -> list[PlatformPreview]:
    """The bot's welcome as it would be with these menu titles (its own greeting and extra
    buttons included), drawn by each platform's rules; where they do not fit, the numbered
    text adapters/numbered.py writes instead."""
    return _drawn(request, request.app[FLOW_CONFIGURATION].welcome_with(titles))


def submenu_previews(request: web.Request, rows: list[Row]
                     ) -> list[tuple[str, list[PlatformPreview]]]:
    """For each button that opens a submenu, what the bot sends when it is pressed (the
    items, then its Back and Main menu buttons), drawn by each platform's rules."""
    found = []
    for row in rows:
        titles = [str(child.get("title", "")).strip() for child in row.get("children") or []]
        title = str(row.get("title", "")).strip()
        if row.get("does") == "submenu" and title and any(titles):
            drawn = _drawn(request, request.app[FLOW_CONFIGURATION].submenu_with(
                title, [t for t in titles if t]))
            if drawn:
                found.append((title, drawn))
    return found


def _drawn(request: web.Request, message: Reply | None) -> list[PlatformPreview]:
    if message is None:
        return []
    shown = [button.title for button in message.buttons]
    numbered = "\n".join([message.text, "", *(f"{to_persian_digits(str(n))}. {title}"
                                               for n, title in enumerate(shown, start=1))])
    looks = request.app[PLATFORMS]
    previews = []
    for code, rules in request.app[PLATFORM_BUTTONS].items():
        style = rules.style_for(shown)
        longest = max((s.title_most for s in rules.styles), default=0)
        previews.append(PlatformPreview(
            platform=code, name=str(looks[code].name) if code in looks else code,
            style=str(style.name) if style else "", text=message.text,
            buttons=tuple(PreviewButton(t, len(t) > longest) for t in shown),
            numbered=numbered))
    return previews


def _choices(request: web.Request, form: SectionForm, document: OwnerDocument
             ) -> dict[str, list[tuple[str, str]]]:
    """The options of each select and multiple-choice field, by field name."""
    match form.section:
        case "menu":
            return {"does": [(k, str(v)) for k, v in MENU_ACTION_NAMES.items()],
                    # A submenu's item: a submenu of its own is made in the advanced view.
                    "child_does": [(k, str(v)) for k, v in MENU_ACTION_NAMES.items()
                                   if k != "submenu"],
                    "faq": [("", "—"), *((item.id, item.question) for item in document.faq)]}
        case "auto_replies":
            return {"match": [(k, str(v)) for k, v in MATCH_NAMES.items()],
                    "channels": [(code, str(look.name))
                                 for code, look in request.app[PLATFORMS].items()]}
        case "teams":
            return {"hours": [("", gettext("Always (no business hours)")),
                              *((h.name, h.name) for h in document.business_hours)]}
        case "order_lookup":
            return {"source": [(k, str(v)) for k, v in SOURCE_NAMES.items()]}
        case "followups":
            return {"template_category": [(k, str(v))
                                          for k, v in TEMPLATE_CATEGORY_NAMES.items()]}
    return {}


async def _page(request: web.Request, form: SectionForm, rows: list[Row], *,
                problems: Problems | None = None, status: int = 200,
                extra: dict[str, Any] | None = None) -> web.Response:
    document = await owner_config.load_stored()
    problems = problems or Problems()
    context: dict[str, Any] = {
        "section": form.section,
        "section_title": label(SECTIONS, form.section),
        "form": form,
        "rows": rows,
        "problems": problems.every(),
        "field_problems": problems.at,
        "choices": _choices(request, form, document),
        "notice": await take_notice(request),
        "version": await owner_settings.version(),
        "days": list(zip(DAYS, WEEKDAY_NAMES[current_language.get()], strict=True)),
        "shifts": range(SHIFTS_PER_DAY),
        **(extra or {}),
    }
    if form.section == "menu":
        context["previews"] = menu_preview(request, [str(r.get("title", "")) for r in rows
                                                     if str(r.get("title", "")).strip()])
        context["submenu_previews"] = submenu_previews(request, rows)
    if form.section == "business_hours":
        context.update(await yaml_views.holiday_calendar(request))
    return render_owner(request, "owner/form.html", context, status=status)


def _form_of(request: web.Request) -> SectionForm | None:
    return FORMS.get(request.match_info["section"])


async def page(request: web.Request) -> web.Response:
    if (elsewhere := FORM_PAGES.get(request.match_info["section"])) is not None:
        raise see_other(request, elsewhere)
    form = _form_of(request)
    if form is None:
        return await yaml_views.section(request)
    document = await owner_config.load_stored()
    rows = form.rows(document)
    return await _page(request, form, rows)


async def save(request: web.Request) -> web.Response:
    form = _form_of(request)
    if form is None:
        raise not_found(request)
    posted = await request.post()
    if "check" in posted:
        posted = _without_buttons(posted)
    rows = read_rows(form, posted)
    # Every answer that draws the form again keeps what the owner typed in the test box: a
    # check's answer replaces the form under the owner's hands, and one that emptied the box
    # made the Test pressed meanwhile try an empty message ("no rule answers").
    typed = {"test_text": text_field(posted, "test_text", 1000)}
    # And the version the owner started from: a form drawn again with the version stored now
    # would let their next Save overwrite a colleague's save made meanwhile, unwarned.
    if started_from := text_field(posted, "version", 64):
        typed["version"] = started_from
    sources = OrderSources.of(request.app[SETTINGS])
    kept_problems = await _keep_orders_file(posted, rows, sources) if form.section == (
        "order_lookup") else {}
    if "add" in posted:  # one more empty row to fill; nothing is saved yet
        rows.append(form.blank(await owner_config.load_stored(), len(rows)))
        return await _page(request, form, rows, extra=typed)
    if any(key.endswith(ROW_BUTTONS) for key in posted):
        # A row or a submenu item is gone from the form, or an empty one is there: not saved
        return await _page(request, form, rows, extra=typed)
    if "test" in posted:
        return await _test(request, form, rows, typed["test_text"])
    found: dict[str, str] = {}
    value = form.value(rows, found)
    found.update(kept_problems)
    if "check" in posted:  # a field was left: every mistake shown, nothing saved
        problems = await owner_settings.check_section_value(form.section, value, [
            Problem(None, message, path=path, said=message) for path, message in found.items()],
            sources)
        return await _page(request, form, rows, extra={**typed, "checked_only": True},
                           problems=problems_by_field(
                               form, [(p.path, p.for_reader) for p in problems], len(rows)))
    try:
        await owner_settings.save_section_value(
            form.section, value, text_field(posted, "version", 64),
            [Problem(None, message, path=path, said=message) for path, message in found.items()],
            sources)
    except ChangedMeanwhile:
        # Warned now: the page holds the version stored, so that saving again is possible.
        return await _page(request, form, rows, status=409,
                           extra={"test_text": typed["test_text"]},
                           problems=Problems(elsewhere=[yaml_views.changed_meanwhile()]))
    except InvalidConfig as invalid:
        return await _page(request, form, rows, status=400, extra=typed, problems=problems_by_field(
            form, [(p.path, p.for_reader) for p in invalid.problems], len(rows)))
    await request.app[FLOW_CONFIGURATION].refresh()
    await notice_later(request, gettext("Saved; the bot uses it within seconds."))
    raise see_other(request, "panel.owner.section", section=form.section)


def _is_button(key: str) -> bool:
    return key in FORM_BUTTONS or key.endswith(ROW_BUTTONS)


def _without_buttons(posted: MultiMapping[Any]) -> MultiDict[Any]:
    """A check's fields without the form's buttons. htmx sends the check with the button
    that last had the focus: a keyboard owner tabbing from a changed field onto "Remove"
    had the row removed by the check, and onto "Add one" a row added, neither pressed."""
    return MultiDict((key, value) for key, value in posted.items() if not _is_button(key))


async def _keep_orders_file(posted: Any, rows: list[Row], sources: OrderSources
                            ) -> dict[str, str]:
    """The order lookup's CSV file, uploaded with the form: kept in the orders folder
    (core/order_lookup.py) and named in the form as the file to read. Problems by field."""
    uploaded: Any = posted.get(ORDERS_FILE_FIELD)
    if uploaded is None or isinstance(uploaded, str) or not getattr(uploaded, "filename", ""):
        return {}
    at = "$.order_lookup.csv"
    data = uploaded.file.read(MAX_ORDERS_CSV_BYTES + 1)
    if len(data) > MAX_ORDERS_CSV_BYTES:
        return {at: gettext("The file is too large.")}
    try:
        name = await sources.keep(uploaded.filename, data)
    except UnicodeDecodeError:
        return {at: gettext("The file is not UTF-8 text.")}
    rows[0] = {**rows[0], "source": "csv", "csv": name}
    return {}


async def _test(request: web.Request, form: SectionForm, rows: list[Row], text: str
                ) -> web.Response:
    """The auto-replies' test box: which of the rules on the form (saved or not) answers
    `text`, as the bot would choose on any channel."""
    found: dict[str, str] = {}
    rules = form.value(rows, found)
    answer = None
    if text.strip():
        answer = request.app[FLOW_CONFIGURATION].auto_reply_to(rules, text)
    return await _page(request, form, rows, extra={"test_text": text, "test_done": True,
                                                   "test_answer": answer})


async def try_lookup(request: web.Request) -> web.Response:
    """The order lookup's test button, on the form page."""
    posted = await request.post()
    order_id = owner_settings.order_number(text_field(posted, "order_id", 64))
    outcome = await request.app[FLOW_CONFIGURATION].look_up_order(order_id) if order_id else None
    form = FORMS["order_lookup"]
    return await _page(request, form, form.rows(await owner_config.load_stored()),
                       extra={"lookup": LookupTry.of(order_id, outcome)},
                       status=200 if order_id else 400)


MAX_PROPOSED_HOLIDAYS = 100  # more than a year has: the rest of a longer form is ignored


async def import_holidays(request: web.Request) -> web.Response:
    """The official holidays the owner kept ticked on the proposed list, each on the date
    the owner left or wrote (a lunar one may be a day off), added to a schedule. Every date
    that is not one is reported at once, and then nothing is added."""
    form = await request.post()
    days, wrong = [], []
    picked = {int(value) for value in form.getall("pick", [])
              if isinstance(value, str) and value.isdigit() and len(value) < 4}
    for index in sorted(picked):
        if index >= MAX_PROPOSED_HOLIDAYS:
            continue
        written = text_field(form, f"day.{index}", 32)
        try:
            day = jdatetime.date.fromgregorian(date=parse_jalali_date(written))
        except ValueError:
            wrong.append(gettext("“%(day)s” is not a date of the Jalali calendar, like "
                                 "1405/01/01.") % {"day": written})
            continue
        days.append(f"{day.year:04d}-{day.month:02d}-{day.day:02d}")
    if not days and not wrong:
        wrong.append(gettext("Tick at least one holiday to add."))
    if wrong:
        return await _hours_form(request, wrong, status=400)
    try:
        added = await owner_settings.add_holidays(text_field(form, "schedule", 128), days,
                                                  text_field(form, "version", 64))
    except ChangedMeanwhile:
        return await _hours_form(request, [yaml_views.changed_meanwhile()], status=409)
    except InvalidConfig as invalid:
        return await _hours_form(request, problem_lines(invalid.problems), status=400)
    await request.app[FLOW_CONFIGURATION].refresh()
    await notice_later(request, gettext("%(count)s official holidays added.") % {
        "count": format_number(added, current_language.get())})
    raise see_other(request, "panel.owner.section", section="business_hours")


async def _hours_form(request: web.Request, problems: list[str], *, status: int
                      ) -> web.Response:
    form = FORMS["business_hours"]
    return await _page(request, form, form.rows(await owner_config.load_stored()),
                       problems=Problems(elsewhere=problems), status=status)


# ------------------------------------------------------------------ the whole file as YAML


async def download(request: web.Request) -> web.Response:
    """The whole configuration as `pasokh config export` writes it (the shop key masked)."""
    document = owner_config.masked(await owner_config.load_stored())
    return web.Response(text=owner_config.dump(document), content_type="application/x-yaml",
                        charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="pasokh.yaml"'})


async def upload(request: web.Request) -> web.Response:
    """A whole configuration file, as `pasokh config load` reads it: checked whole first."""
    posted = await request.post()
    upload_field: Any = posted.get("file")
    problems: list[str] = []
    if upload_field is None or not hasattr(upload_field, "file"):
        problems = [gettext("Choose a YAML file to upload.")]
    else:
        data = upload_field.file.read(MAX_YAML_BYTES + 1)
        try:
            if len(data) > MAX_YAML_BYTES:
                problems = [gettext("The file is too large.")]
            else:
                await owner_settings.load_whole(data.decode("utf-8"),
                                                text_field(posted, "version", 64),
                                                OrderSources.of(request.app[SETTINGS]))
        except UnicodeDecodeError:
            problems = [gettext("The file is not UTF-8 text.")]
        except ChangedMeanwhile:
            problems = [yaml_views.changed_meanwhile()]
        except InvalidConfig as invalid:
            problems = problem_lines(invalid.problems)
    if problems:
        await notice_later(request, " ".join([gettext("Nothing was saved."), *problems]))
    else:
        await request.app[FLOW_CONFIGURATION].refresh()
        await notice_later(request, gettext("The configuration file is loaded."))
    raise see_other(request, "panel.owner.setup")
