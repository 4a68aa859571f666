"""The owner's configuration sections as forms made for people: what each field is called,
how a stored section becomes the form's rows of text, and how a posted form becomes the
section again.

A field's input is named after the place it fills in the document (`menu[2].title`), the
same path core/owner_config.py gives a problem, so every problem is shown beside the field
it is about. What the form itself can tell is wrong (a number that is not one, a shift with
an end but no start) is a problem too, and the rest of the form is still checked, so every
mistake is reported at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from multidict import MultiMapping

from core.events import Platform
from core.followup_config import FollowupLimits, FollowupRule, FollowupTemplate
from core.i18n import LazyString, gettext, lazy_gettext
from core.owner_config import MenuItem, OwnerDocument, Week, masked
from core.text import to_latin_digits

Row = dict[str, Any]  # field name → the text shown (a list for a multiple choice)
MAX_ROWS = 200
MAX_TEXT_CHARS = 10_000
SHIFTS_PER_DAY = 3
DAYS = tuple(Week.__struct_fields__)  # Saturday first, as the Iranian week
_INDEX = re.compile(r"^([a-z_]+)\[(\d{1,3})\]\.")


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: LazyString
    kind: str = "text"  # text | textarea | lines | select | number | checkbox | multiple
    ltr: bool = False  # ids, addresses, codes: written left to right
    hint: LazyString | None = None
    # Problems at these paths inside the row are shown at this field too.
    also: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Problems:
    """Problems by the path of the field they are about, and those that belong to none."""

    at: Mapping[str, list[str]] = field(default_factory=dict)
    elsewhere: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.at or self.elsewhere)

    def every(self) -> list[str]:
        return [message for messages in self.at.values() for message in messages] + list(
            self.elsewhere)


@dataclass(frozen=True, slots=True)
class SectionForm:
    section: str
    fields: tuple[Field, ...]
    repeated: bool  # a list of rows (menu items, rules) or one object (survey)
    rows: Callable[[OwnerDocument], list[Row]]
    value: Callable[[list[Row], dict[str, str]], Any]  # rows → the section's plain data
    blank: Callable[[OwnerDocument, int], Row]  # a new row, numbered after `int` rows
    ordered: bool = False  # rows carry a position the owner can change
    normalize: Callable[[Row], Row] | None = None  # a posted row's parts gathered (submenus)

    def prefix(self, index: int) -> str:
        return f"{self.section}[{index}]" if self.repeated else self.section


# ------------------------------------------------------------------------ reading a form


def read_rows(form: SectionForm, posted: MultiMapping[Any]) -> list[Row]:
    """The rows as posted, in the order the owner gave them; removed rows left out."""
    by_index: dict[int, Row] = {}
    for key in posted:
        if form.repeated:
            match = _INDEX.match(key)
            if match is None or match[1] != form.section:
                continue
            index, name = int(match[2]), key[match.end():]
        else:
            if not key.startswith(form.section + "."):
                continue
            index, name = 0, key[len(form.section) + 1:]
        if index >= MAX_ROWS:
            continue
        values = [v[:MAX_TEXT_CHARS] for v in posted.getall(key) if isinstance(v, str)]
        row = by_index.setdefault(index, {})
        row[name] = values if len(values) > 1 or name in _multiple(form) else (
            values[0] if values else "")
    rows = [row for _, row in sorted(by_index.items()) if not row.get("remove")]
    if form.normalize is not None:
        rows = [form.normalize(row) for row in rows]
    if form.ordered:
        rows = [row for _, _, row in sorted(
            (_position(row, index), index, row) for index, row in enumerate(rows))]
    return rows if form.repeated or rows else [{}]


def _multiple(form: SectionForm) -> set[str]:
    return {f.name for f in form.fields if f.kind == "multiple"}


def _position(row: Row, index: int) -> float:
    try:
        return float(to_latin_digits(str(row.get("position", ""))).strip())
    except ValueError:
        return index + 1


class _Reading:
    """Turns one form's text into values, keeping a problem for each field that is not
    what it should be (a default stands in, so the rest can still be checked)."""

    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def number(self, row: Row, name: str, at: str, default: int) -> int:
        text = to_latin_digits(str(row.get(name, ""))).strip()
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            self.problems[f"{at}.{name}"] = gettext("Write a whole number.")
            return default

    def decimal(self, row: Row, name: str, at: str, default: float) -> float:
        text = to_latin_digits(str(row.get(name, ""))).strip()
        if not text:
            return default
        try:
            return float(text)
        except ValueError:
            self.problems[f"{at}.{name}"] = gettext("Write a number.")
            return default

    def pairs(self, row: Row, name: str, at: str, separator: str) -> dict[str, str]:
        """`key SEP value` lines (headers "Name: value", statuses "code = name")."""
        pairs: dict[str, str] = {}
        for line in _lines(row.get(name, "")):
            key, found, value = line.partition(separator)
            if not found or not key.strip():
                self.problems[f"{at}.{name}"] = gettext(
                    "Write one pair per line, like: %(example)s") % {
                    "example": f"key {separator} value"}
                continue
            pairs[key.strip()] = value.strip()
        return pairs


def _lines(text: object) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def _text(row: Row, name: str) -> str:
    return str(row.get(name, "")).strip()


def _or_none(row: Row, name: str) -> str | None:
    return _text(row, name) or None


# ------------------------------------------------------------------------ the menu

MENU_CHOICES = ("reply", "faq", "handoff", "order", "ticket", "submenu")
MAX_SUBMENU_ITEMS = 30
# A submenu's item is a row inside its button's row: `menu[2].submenu[0].title`, the path
# owner_config gives its problems. A submenu deeper than that stays as it is stored (kept in
# the item's hidden `nested` field) and is edited in the advanced view.
_CHILD = re.compile(r"^submenu\[(\d{1,2})\]\.([a-z_]+)$")


def _does(item: MenuItem) -> str:
    return ("reply" if item.reply is not None else "faq" if item.faq is not None
            else "submenu" if item.submenu is not None else item.action or "reply")


def _menu_item_row(position: int, item: MenuItem) -> Row:
    return {"position": str(position), "title": item.title, "does": _does(item),
            "reply": item.reply or "", "faq": item.faq or ""}


def _menu_rows(document: OwnerDocument) -> list[Row]:
    rows = []
    for position, item in enumerate(document.menu, start=1):
        row = _menu_item_row(position, item)
        row["children"] = [
            {**_menu_item_row(number, child), "nested": json.dumps(
                msgspec.to_builtins(child.submenu), ensure_ascii=False)
             if child.submenu is not None else ""}
            for number, child in enumerate(item.submenu or [], start=1)]
        rows.append(row)
    return rows


def _blank_child(count: int) -> Row:
    return {"position": str(count + 1), "title": "", "does": "reply", "reply": "", "faq": "",
            "nested": ""}


def _menu_children(row: Row) -> Row:
    """A posted button's submenu items, from its `submenu[N].field` inputs, in the order the
    owner gave them; removed ones left out, and an empty one added when asked for."""
    by_index: dict[int, Row] = {}
    for key in list(row):
        if match := _CHILD.match(key):
            by_index.setdefault(int(match[1]), {})[match[2]] = row.pop(key)
    children = [child for _, child in sorted(by_index.items()) if not child.get("remove")]
    children = [child for _, _, child in sorted(
        (_position(child, index), index, child) for index, child in enumerate(children))]
    if row.pop("add_child", "") and len(children) < MAX_SUBMENU_ITEMS:
        row["does"] = "submenu"
        children.append(_blank_child(len(children)))
    return {**row, "children": children}


def _menu_item_value(row: Row, at: str, problems: dict[str, str], *,
                     children: list[dict[str, Any]] | None) -> dict[str, Any]:
    item: dict[str, Any] = {"title": _text(row, "title")}
    does = _text(row, "does")
    if does == "reply":
        item["reply"] = _text(row, "reply")
    elif does == "faq":
        item["faq"] = _text(row, "faq")
    elif does == "submenu":
        if children is not None:
            item["submenu"] = children
        else:
            try:  # a deeper submenu, kept from the stored menu; checked with the rest
                item["submenu"] = json.loads(str(row.get("nested") or "[]"))
            except (ValueError, RecursionError):
                item["submenu"] = []
    elif does in MENU_CHOICES:
        item["action"] = does
    else:
        problems[f"{at}.does"] = gettext("Choose what this button does.")
    return item


def _menu_value(rows: list[Row], problems: dict[str, str]) -> list[dict[str, Any]]:
    items = []
    for index, row in enumerate(rows):
        at = f"$.menu[{index}]"
        children = [_menu_item_value(child, f"{at}.submenu[{number}]", problems, children=None)
                    for number, child in enumerate(row.get("children") or [])]
        items.append(_menu_item_value(row, at, problems, children=children))
    return items


MENU = SectionForm(
    section="menu",
    fields=(
        Field("title", lazy_gettext("Button title"), hint=lazy_gettext(
            "Keep it short: some platforms cut long titles (see the preview).")),
        Field("does", lazy_gettext("What it does"), kind="select", also=("action", "submenu")),
        Field("reply", lazy_gettext("Reply text (for “answer with a text”)"), kind="textarea"),
        Field("faq", lazy_gettext("FAQ entry (for “answer with an FAQ entry”)"), kind="select"),
    ),
    repeated=True,
    ordered=True,
    rows=_menu_rows,
    value=_menu_value,
    blank=lambda document, count: {"position": str(count + 1), "title": "", "does": "reply",
                                   "reply": "", "faq": "", "children": []},
    normalize=_menu_children,
)

MENU_ACTION_NAMES: dict[str, LazyString] = {
    "reply": lazy_gettext("Answer with a text"),
    "faq": lazy_gettext("Answer with an FAQ entry"),
    "handoff": lazy_gettext("Hand over to a person"),
    "order": lazy_gettext("Track an order"),
    "ticket": lazy_gettext("Open a ticket"),
    "submenu": lazy_gettext("Open a submenu (its items below)"),
}

# ------------------------------------------------------------------------ auto-replies

MATCH_NAMES: dict[str, LazyString] = {
    "contains": lazy_gettext("The message contains a keyword"),
    "exact": lazy_gettext("The message is exactly a keyword"),
    "starts_with": lazy_gettext("The message starts with a keyword"),
}


def _auto_reply_rows(document: OwnerDocument) -> list[Row]:
    return [{"id": rule.id, "keywords": "\n".join(rule.keywords), "match": rule.match,
             "reply": rule.reply, "channels": [str(c) for c in rule.channels],
             "priority": str(rule.priority)} for rule in document.auto_replies]


def _auto_reply_value(rows: list[Row], problems: dict[str, str]) -> list[dict[str, Any]]:
    reading = _Reading()
    rules = []
    for index, row in enumerate(rows):
        at = f"$.auto_replies[{index}]"
        channels = [c for c in row.get("channels") or [] if c in _PLATFORM_CODES]
        match = _text(row, "match")
        rules.append({"id": _text(row, "id"), "keywords": _lines(row.get("keywords")),
                      "reply": str(row.get("reply", "")).strip(),
                      "match": match if match in MATCH_NAMES else "contains",
                      "channels": channels,
                      "priority": reading.number(row, "priority", at, 0)})
    problems.update(reading.problems)
    return rules


_PLATFORM_CODES = {platform.value for platform in Platform}

AUTO_REPLIES = SectionForm(
    section="auto_replies",
    fields=(
        Field("keywords", lazy_gettext("Keywords, one per line"), kind="lines"),
        Field("match", lazy_gettext("When"), kind="select"),
        Field("reply", lazy_gettext("Reply"), kind="textarea"),
        Field("channels", lazy_gettext("Only on these channels (none: every channel)"),
              kind="multiple"),
        Field("priority", lazy_gettext("Priority (higher is tried first)"), kind="number"),
        Field("id", lazy_gettext("Id"), ltr=True),
    ),
    repeated=True,
    rows=_auto_reply_rows,
    value=_auto_reply_value,
    blank=lambda document, count: {"id": _free_id("rule", {
        r.id for r in document.auto_replies}, count), "keywords": "", "match": "contains",
        "reply": "", "channels": [], "priority": "0"},
)


def _free_id(stem: str, taken: set[str], count: int) -> str:
    number = count + 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


# ------------------------------------------------------------------------ business hours


def _hours_rows(document: OwnerDocument) -> list[Row]:
    rows = []
    for hours in document.business_hours:
        row: Row = {"name": hours.name, "timezone": hours.timezone,
                    "away_message": hours.away_message or "",
                    "minutes_per_conversation": str(hours.minutes_per_conversation),
                    "holidays": "\n".join(hours.holidays)}
        for day in DAYS:
            for shift, text in enumerate(getattr(hours.week, day)):
                start, _, end = text.partition("-")
                row[f"week.{day}[{shift}].start"] = start.strip()
                row[f"week.{day}[{shift}].end"] = end.strip()
        rows.append(row)
    return rows


def _hours_value(rows: list[Row], problems: dict[str, str]) -> list[dict[str, Any]]:
    reading = _Reading()
    schedules = []
    for index, row in enumerate(rows):
        at = f"$.business_hours[{index}]"
        week: dict[str, list[str]] = {}
        for day in DAYS:
            shifts = []
            for shift in range(SHIFTS_PER_DAY):
                start = to_latin_digits(_text(row, f"week.{day}[{shift}].start"))
                end = to_latin_digits(_text(row, f"week.{day}[{shift}].end"))
                if start and end:
                    shifts.append(f"{start}-{end}")
                elif start or end:
                    reading.problems[f"{at}.week.{day}[{len(shifts)}]"] = gettext(
                        "A shift needs both a start and an end.")
            if shifts:
                week[day] = shifts
        schedules.append({
            "name": _text(row, "name"), "timezone": _text(row, "timezone") or "Asia/Tehran",
            "week": week, "holidays": [to_latin_digits(h) for h in _lines(row.get("holidays"))],
            "away_message": _or_none(row, "away_message"),
            "minutes_per_conversation": reading.number(row, "minutes_per_conversation", at, 5),
        })
    problems.update(reading.problems)
    return [{k: v for k, v in s.items() if v is not None} for s in schedules]


BUSINESS_HOURS = SectionForm(
    section="business_hours",
    fields=(
        Field("name", lazy_gettext("Name (teams choose hours by it)")),
        Field("timezone", lazy_gettext("Time zone"), ltr=True),
        Field("away_message", lazy_gettext("Away message (empty: the built-in one)"),
              kind="textarea"),
        Field("minutes_per_conversation",
              lazy_gettext("Minutes an agent needs per conversation (for the wait estimate)"),
              kind="number"),
    ),
    repeated=True,
    rows=_hours_rows,
    value=_hours_value,
    blank=lambda document, count: {
        "name": "default" if not document.business_hours and count == 0 else "",
        "timezone": "Asia/Tehran", "away_message": "", "minutes_per_conversation": "5",
        "holidays": "",
        **{f"week.{day}[0].{end}": time for day in DAYS[:6]
           for end, time in (("start", "09:00"), ("end", "17:00"))}},
)

# ------------------------------------------------------------------------ order lookup

SOURCE_NAMES: dict[str, LazyString] = {
    "none": lazy_gettext("No order lookup"),
    "url": lazy_gettext("The shop's web address (API)"),
    "csv": lazy_gettext("A CSV file (uploaded here)"),
}
_ORDER_FIELDS = ("status", "updated_at", "tracking_code", "order_id")


def _lookup_rows(document: OwnerDocument) -> list[Row]:
    lookup = masked(document).order_lookup
    if lookup is None:
        return [{"source": "none", "timeout_seconds": "5"}]
    row: Row = {
        "source": "url" if lookup.url is not None else "csv",
        "url": lookup.url or "", "csv": lookup.csv or "",
        "headers": "\n".join(f"{k}: {v}" for k, v in lookup.headers.items()),
        "status_names": "\n".join(f"{k} = {v}" for k, v in lookup.status_names.items()),
        "timeout_seconds": f"{lookup.timeout_seconds:g}",
    }
    for name in _ORDER_FIELDS:
        row[f"fields.{name}"] = getattr(lookup.fields, name) if lookup.fields else ""
    return [row]


def _lookup_value(rows: list[Row], problems: dict[str, str]) -> dict[str, Any] | None:
    row, at = rows[0], "$.order_lookup"
    source = _text(row, "source")
    if source not in ("url", "csv"):
        return None
    reading = _Reading()
    value: dict[str, Any] = {
        source: _text(row, source),
        "headers": reading.pairs(row, "headers", at, ":"),
        "status_names": reading.pairs(row, "status_names", at, "="),
        "timeout_seconds": reading.decimal(row, "timeout_seconds", at, 5.0),
    }
    fields = {name: _text(row, f"fields.{name}") for name in _ORDER_FIELDS
              if _text(row, f"fields.{name}")}
    if fields:
        value["fields"] = fields
    problems.update(reading.problems)
    return value


ORDER_LOOKUP = SectionForm(
    section="order_lookup",
    fields=(
        Field("source", lazy_gettext("Where orders are looked up"), kind="select"),
        Field("url", lazy_gettext("Web address, with {order_id} where the number goes"),
              ltr=True),
        Field("headers", lazy_gettext("Headers, one “Name: value” per line (the shop's key)"),
              kind="lines", ltr=True),
        Field("csv", lazy_gettext("Name of the CSV file"), ltr=True, hint=lazy_gettext(
            "Files are read only from the orders folder of Pasokh's data directory: upload "
            "the file below, or put it there and give its name.")),
        Field("fields.status", lazy_gettext("Name of the status field"), ltr=True),
        Field("fields.updated_at", lazy_gettext("Name of the update time field"), ltr=True),
        Field("fields.tracking_code", lazy_gettext("Name of the tracking code field"),
              ltr=True),
        Field("fields.order_id", lazy_gettext("CSV column of the order number"), ltr=True),
        Field("status_names", lazy_gettext(
            "What customers read for each status, one “code = text” per line"), kind="lines"),
        Field("timeout_seconds", lazy_gettext("Seconds to wait for the shop"), kind="number"),
    ),
    repeated=False,
    rows=_lookup_rows,
    value=_lookup_value,
    blank=lambda document, count: {"source": "none"},
)

# ------------------------------------------------------------------------ survey


def _survey_rows(document: OwnerDocument) -> list[Row]:
    survey = document.survey
    if survey is None:
        return [{"enabled": "on", "question": "", "comment_prompt": "", "thanks": ""}]
    return [{"enabled": "on" if survey.enabled else "", "question": survey.question or "",
             "comment_prompt": survey.comment_prompt or "", "thanks": survey.thanks or ""}]


def _survey_value(rows: list[Row], problems: dict[str, str]) -> dict[str, Any]:
    row = rows[0]
    value: dict[str, Any] = {"enabled": bool(row.get("enabled"))}
    for name in ("question", "comment_prompt", "thanks"):
        if text := _or_none(row, name):
            value[name] = text
    return value


SURVEY = SectionForm(
    section="survey",
    fields=(
        Field("enabled", lazy_gettext("Ask customers for a score after a conversation is "
                                      "resolved"), kind="checkbox"),
        Field("question", lazy_gettext("Question (empty: the built-in one)"), kind="textarea"),
        Field("comment_prompt", lazy_gettext("Asking for a comment (empty: the built-in one)"),
              kind="textarea"),
        Field("thanks", lazy_gettext("Thanks (empty: the built-in one)"), kind="textarea"),
    ),
    repeated=False,
    rows=_survey_rows,
    value=_survey_value,
    blank=lambda document, count: {"enabled": "on"},
)

# ------------------------------------------------------------------------ teams


def _team_rows(document: OwnerDocument) -> list[Row]:
    return [{"name": team.name, "members": "\n".join(team.members), "hours": team.hours or ""}
            for team in document.teams]


def _team_value(rows: list[Row], problems: dict[str, str]) -> list[dict[str, Any]]:
    teams = []
    for row in rows:
        team: dict[str, Any] = {"name": _text(row, "name"), "members": _lines(row.get("members"))}
        if hours := _or_none(row, "hours"):
            team["hours"] = hours
        teams.append(team)
    return teams


TEAMS = SectionForm(
    section="teams",
    fields=(
        Field("name", lazy_gettext("Team name")),
        Field("members", lazy_gettext("Members' e-mail addresses, one per line"),
              kind="lines", ltr=True),
        Field("hours", lazy_gettext("Business hours"), kind="select"),
    ),
    repeated=True,
    rows=_team_rows,
    value=_team_value,
    blank=lambda document, count: {"name": "", "members": "", "hours": ""},
)

# ------------------------------------------------------------------------ canned replies


def _canned_rows(document: OwnerDocument) -> list[Row]:
    return [{"shortcut": reply.shortcut, "text": reply.text}
            for reply in document.canned_replies]


def _canned_value(rows: list[Row], problems: dict[str, str]) -> list[dict[str, Any]]:
    return [{"shortcut": _text(row, "shortcut").lstrip("/"), "text": _text(row, "text")}
            for row in rows]


CANNED_REPLIES = SectionForm(
    section="canned_replies",
    fields=(
        Field("shortcut", lazy_gettext("Shortcut (agents type / and this)")),
        Field("text", lazy_gettext("Text"), kind="textarea"),
    ),
    repeated=True,
    rows=_canned_rows,
    value=_canned_value,
    blank=lambda document, count: {"shortcut": "", "text": ""},
)

# ------------------------------------------------------------------------ message templates


def _template_rows(document: OwnerDocument) -> list[Row]:
    return [{"name": t.name, "language": t.language, "parameters": str(t.parameters),
             "description": t.description} for t in document.whatsapp_templates]


def _template_value(rows: list[Row], problems: dict[str, str]) -> list[dict[str, Any]]:
    reading = _Reading()
    templates = [{"name": _text(row, "name"), "language": _text(row, "language"),
                  "parameters": reading.number(row, "parameters",
                                               f"$.whatsapp_templates[{index}]", 0),
                  "description": _text(row, "description")}
                 for index, row in enumerate(rows)]
    problems.update(reading.problems)
    return templates


WHATSAPP_TEMPLATES = SectionForm(
    section="whatsapp_templates",
    fields=(
        Field("name", lazy_gettext("Name, exactly as approved by Meta"), ltr=True),
        Field("language", lazy_gettext("Language code (fa, en_US…)"), ltr=True),
        Field("parameters", lazy_gettext("How many {{1}}, {{2}}… the text has"),
              kind="number"),
        Field("description", lazy_gettext("What agents read: what it says, when to use it"),
              kind="textarea"),
    ),
    repeated=True,
    rows=_template_rows,
    value=_template_value,
    blank=lambda document, count: {"name": "", "language": "fa", "parameters": "0",
                                   "description": ""},
)

# ------------------------------------------------------------------------ agents' replies


def _agent_replies_rows(document: OwnerDocument) -> list[Row]:
    replies = document.agent_replies
    return [{"show_name_to_customers": "on" if replies and replies.show_name_to_customers
             else ""}]


def _agent_replies_value(rows: list[Row], problems: dict[str, str]) -> dict[str, Any]:
    return {"show_name_to_customers": bool(rows[0].get("show_name_to_customers"))}


AGENT_REPLIES = SectionForm(
    section="agent_replies",
    fields=(
        Field("show_name_to_customers", lazy_gettext(
            "Start each agent's reply with their display name (“Sara from support:”)"),
            kind="checkbox", hint=lazy_gettext(
                "Off: customers see the reply alone. Each agent sets their display name on "
                "their profile; the owner can set anyone's on Teams and agents.")),
    ),
    repeated=False,
    rows=_agent_replies_rows,
    value=_agent_replies_value,
    blank=lambda document, count: {"show_name_to_customers": ""},
)

# ------------------------------------------------------------------------ follow-ups

TEMPLATE_CATEGORY_NAMES = {"utility": lazy_gettext("Utility"),
                           "marketing": lazy_gettext("Marketing")}


def _followup_rows(document: OwnerDocument) -> list[Row]:
    return [{"id": rule.id, "event": rule.event, "delay": rule.delay, "text": rule.text,
             "phone_fallback": "on" if rule.sms else "",
             "template_name": rule.template.name if rule.template else "",
             "template_language": rule.template.language if rule.template else "",
             "template_category": rule.template.category if rule.template else "utility",
             "template_parameters": "\n".join(rule.template.parameters)
             if rule.template else ""}
            for rule in document.followups]


def _followup_value(rows: list[Row], problems: dict[str, str]) -> list[dict[str, Any]]:
    rules = []
    for row in rows:
        template = FollowupTemplate(
            name=_text(row, "template_name"),
            language=_text(row, "template_language") or "fa",
            category=_text(row, "template_category") or "utility",  # type: ignore[arg-type]
            parameters=_lines(row.get("template_parameters"))) \
            if _text(row, "template_name") else None
        rules.append(msgspec.to_builtins(FollowupRule(
            id=_text(row, "id"), event=_text(row, "event"),
            delay=to_latin_digits(_text(row, "delay")) or "0s", text=_text(row, "text"),
            sms=bool(row.get("phone_fallback")), template=template)))
    return rules


FOLLOWUPS = SectionForm(
    section="followups",
    fields=(
        Field("id", lazy_gettext("Rule id (letters, digits, - or _)"), ltr=True),
        Field("event", lazy_gettext("Event (e.g. order.shipped, conversation.resolved)"),
              ltr=True),
        Field("delay", lazy_gettext("Delay after the event (0s, 30m, 2h, 3d)"), ltr=True),
        Field("text", lazy_gettext("Text"), kind="textarea", hint=lazy_gettext(
            "{name} is the customer's name; other {placeholders} come from the event's data, "
            "e.g. {order_id}.")),
        Field("phone_fallback", lazy_gettext("Send by text message to the customer's phone when no "
                                  "chat may carry it"), kind="checkbox"),
        Field("template_name", lazy_gettext(
            "Approved template past the 24-hour window (optional: its name)"), ltr=True,
            also=("template.name",)),
        Field("template_language", lazy_gettext("Template language"), ltr=True,
              also=("template.language",)),
        Field("template_category", lazy_gettext("Template category"), kind="select"),
        Field("template_parameters", lazy_gettext("Template parameters, one per line"),
              kind="lines", also=("template.parameters",)),
    ),
    repeated=True,
    rows=_followup_rows,
    value=_followup_value,
    blank=lambda document, count: {"id": _free_id("followup",
                                                  {r.id for r in document.followups}, count),
                                   "event": "order.shipped", "delay": "0s", "text": "",
                                   "phone_fallback": "on", "template_category": "utility"},
)


def _limits_rows(document: OwnerDocument) -> list[Row]:
    limits = document.followup_limits or FollowupLimits()
    return [{"quiet_hours": limits.quiet_hours, "timezone": limits.timezone,
             "per_customer_per_week": str(limits.per_customer_per_week)}]


def _limits_value(rows: list[Row], problems: dict[str, str]) -> dict[str, Any]:
    reading = _Reading()
    value = {"quiet_hours": to_latin_digits(_text(rows[0], "quiet_hours")),
             "timezone": _text(rows[0], "timezone") or "Asia/Tehran",
             "per_customer_per_week": reading.number(rows[0], "per_customer_per_week",
                                                     "$.followup_limits", 3)}
    problems.update(reading.problems)
    return value


FOLLOWUP_LIMITS = SectionForm(
    section="followup_limits",
    fields=(
        Field("quiet_hours", lazy_gettext(
            "Quiet hours: nothing proactive is sent (22:00-08:00; empty: none)"), ltr=True),
        Field("timezone", lazy_gettext("Time zone of the quiet hours"), ltr=True),
        Field("per_customer_per_week", lazy_gettext("Follow-ups per customer per week, at most"),
              kind="number"),
    ),
    repeated=False,
    rows=_limits_rows,
    value=_limits_value,
    blank=lambda document, count: _limits_rows(document)[0],
)

FORMS: dict[str, SectionForm] = {form.section: form for form in (
    MENU, AUTO_REPLIES, BUSINESS_HOURS, ORDER_LOOKUP, SURVEY, TEAMS, CANNED_REPLIES,
    WHATSAPP_TEMPLATES, AGENT_REPLIES, FOLLOWUPS, FOLLOWUP_LIMITS)}

# Sections whose form is a page of its own (admin_panel/views/owner_routing.py): their
# settings page leads there.
FORM_PAGES: dict[str, str] = {"routing": "panel.owner.routing", "targets": "panel.owner.routing"}


def problems_by_field(form: SectionForm, found: list[tuple[str, str]],
                      row_count: int) -> Problems:
    """Each (path, message) at the field it is about; the rest, by themselves."""
    known: set[str] = set()
    for index in range(row_count):
        prefix = "$." + form.prefix(index)
        known.add(prefix)
        for each in form.fields:
            known.add(f"{prefix}.{each.name}")
    if form.section == "menu":
        known |= {f"$.menu[{i}].submenu[{j}]{name}" for i in range(row_count)
                  for j in range(MAX_SUBMENU_ITEMS)
                  for name in ("", ".title", ".does", ".reply", ".faq")}
    if form.section == "business_hours":
        known |= {f"$.business_hours[{i}].week.{day}[{s}]" for i in range(row_count)
                  for day in DAYS for s in range(SHIFTS_PER_DAY)}
        known |= {f"$.business_hours[{i}].holidays" for i in range(row_count)}
    at: dict[str, list[str]] = {}
    elsewhere: list[str] = []
    for path, message in found:
        if path in known:
            at.setdefault(path, []).append(message)
        elif (owner := _field_of(form, path)) in known:
            at.setdefault(owner, []).append(message)
        else:
            elsewhere.append(message)
    return Problems(at, elsewhere)


_PATH = re.compile(r"^(\$\.[a-z_]+(?:\[\d+\])?)\.?(.*)$")
_CHILD_PATH = re.compile(r"^(\$\.menu\[\d+\]\.submenu\[\d+\])\.([a-z_]+)")


def _field_of(form: SectionForm, path: str) -> str:
    """The field a deeper path is about: `$.teams[0].members[2]` → `$.teams[0].members`;
    `$.menu[0].action` → `$.menu[0].does` (a path another field names in its `also`)."""
    if form.section == "menu" and (child := _CHILD_PATH.match(path)):
        # A submenu item's own field; deeper (its action, its own submenu) at "what it does".
        return f"{child[1]}.{child[2] if child[2] in ('title', 'reply', 'faq') else 'does'}"
    match = _PATH.match(path)
    if match is None:
        return path
    prefix, rest = match.groups()
    base = re.sub(r"\[\d+\].*$", "", rest)
    owner = next((each.name for each in form.fields if rest in each.also or base in each.also),
                 base)
    return f"{prefix}.{owner}"


def row_problems(problems: Problems, form: SectionForm, index: int) -> list[str]:
    """The problems of a row as a whole (a menu item with no action, no lookup source)."""
    return problems.at.get("$." + form.prefix(index), [])
