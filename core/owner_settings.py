"""Editing the owner's configuration a piece at a time: one FAQ entry, the FAQ as CSV, or
one section as YAML.

Every change is made on the whole stored document and saved only when the whole document
passes `owner_config.parse`, the same check `pasokh config load` makes; otherwise
`InvalidConfig` lists the problems and nothing changes. The running bot picks a saved
document up within seconds (bots/flow_config.py).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import jdatetime
import msgspec
import yaml

from core import owner_config
from core.formats import jalali_month_weeks, parse_jalali_date
from core.i18n import gettext
from core.order_lookup import OrderSources
from core.owner_config import FaqItem, InvalidConfig, OwnerDocument, Problem
from core.spreadsheet import cell_from_csv, csv_bytes
from core.text import to_latin_digits

# Headers of the FAQ spreadsheet, in Persian as the owners read them; the English ones
# are accepted too. Alternative wordings go one per line inside their cell.
CSV_HEADERS = {"id": "شناسه", "question": "پرسش", "answer": "پاسخ",
               "alternatives": "پرسش‌های دیگر"}
_HEADER_FIELDS = {**{persian: field for field, persian in CSV_HEADERS.items()},
                  **{field: field for field in CSV_HEADERS}}
MAX_CSV_ROWS = 2000
_NUMBERED_ID = re.compile(r"faq-(\d+)")


class ChangedMeanwhile(Exception):
    """Someone saved the configuration after this page was opened: saving now would undo
    their change, so nothing is saved."""


class NoSuchFaqEntry(Exception):
    """The entry to teach a phrasing was deleted meanwhile, or none was picked."""


async def version() -> str:
    """The stored document's time stamp, carried by a page's form to detect ChangedMeanwhile."""
    stamp = await owner_config.stored_at()
    return stamp.isoformat() if stamp else ""


async def _load_unchanged_since(expected_version: str) -> OwnerDocument:
    if expected_version != await version():
        raise ChangedMeanwhile
    return await owner_config.load_stored()


def sections() -> tuple[str, ...]:
    """The sections this version knows, in the document's order."""
    return owner_config.SECTIONS


def _checked(document: OwnerDocument) -> OwnerDocument:
    return owner_config.parse(owner_config.dump(document))


# --------------------------------------------------------------------------- the FAQ


def next_faq_id(document: OwnerDocument) -> str:
    taken = [int(m[1]) for item in document.faq if (m := _NUMBERED_ID.fullmatch(item.id))]
    return f"faq-{max(taken, default=0) + 1}"


def with_faq_entry(document: OwnerDocument, replacing: str, item: FaqItem) -> OwnerDocument:
    """The document with `item` in place of the entry `replacing`, or added at the end
    when `replacing` is empty or names no entry."""
    faq = list(document.faq)
    at = next((i for i, old in enumerate(faq) if replacing and old.id == replacing), None)
    if at is None:
        faq.append(item)
    else:
        faq[at] = item
    return msgspec.structs.replace(document, faq=faq)


async def save_faq_entry(replacing: str, item: FaqItem, expected_version: str) -> None:
    document = await _load_unchanged_since(expected_version)
    await owner_config.store(_checked(with_faq_entry(document, replacing, item)))


async def add_faq_alternative(faq_id: str, phrasing: str, expected_version: str) -> None:
    """Teach an entry one more way customers ask it; a phrasing it has already is kept once."""
    document = await _load_unchanged_since(expected_version)
    item = next((item for item in document.faq if item.id == faq_id), None)
    phrasing = phrasing.strip()
    if item is None or not phrasing:
        raise NoSuchFaqEntry
    if phrasing == item.question or phrasing in item.alternatives:
        return
    taught = msgspec.structs.replace(item, alternatives=[*item.alternatives, phrasing])
    await owner_config.store(_checked(with_faq_entry(document, faq_id, taught)))


async def delete_faq_entry(faq_id: str, expected_version: str) -> None:
    document = await _load_unchanged_since(expected_version)
    kept = [item for item in document.faq if item.id != faq_id]
    await owner_config.store(_checked(msgspec.structs.replace(document, faq=kept)))


def faq_csv(document: OwnerDocument) -> bytes:
    """Through core/spreadsheet.py, which `faq_from_csv` undoes: an export imports back."""
    return csv_bytes([
        list(CSV_HEADERS.values()),
        *([item.id, item.question, item.answer, "\n".join(item.alternatives)]
          for item in document.faq),
    ])


def faq_from_csv(document: OwnerDocument, data: bytes) -> tuple[OwnerDocument, int]:
    """The document with the spreadsheet's entries: a row whose id exists replaces that
    entry, others are added (a row without an id gets a new one). Returns the document and
    the number of rows read; InvalidConfig names the row of each problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidConfig([Problem(None, "the file is not UTF-8 text")]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InvalidConfig([Problem(None, "the file is empty")])
    columns = [_HEADER_FIELDS.get(cell.strip()) for cell in rows[0]]
    if "question" not in columns or "answer" not in columns:
        raise InvalidConfig([Problem(1, "the first row must name the columns: "
                                        + ", ".join(CSV_HEADERS.values()))])
    if len(rows) - 1 > MAX_CSV_ROWS:
        raise InvalidConfig([Problem(None, f"at most {MAX_CSV_ROWS} rows at a time")])
    problems: list[Problem] = []
    count = 0
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {name: cell_from_csv(cell).strip()
                  for name, cell in zip(columns, row, strict=False) if name}
        item = FaqItem(
            id=values.get("id") or next_faq_id(document),
            question=values.get("question", ""),
            answer=values.get("answer", ""),
            alternatives=[line.strip() for line in values.get("alternatives", "").splitlines()
                          if line.strip()],
        )
        try:
            _checked(OwnerDocument(faq=[item]))
        except InvalidConfig as invalid:
            problems.extend(replace(p, line=number) for p in invalid.problems)
            continue
        document = with_faq_entry(document, item.id, item)
        count += 1
    if problems:
        raise InvalidConfig(problems)
    try:
        return _checked(document), count
    except InvalidConfig as invalid:  # lines of the dumped YAML would mean nothing here
        raise InvalidConfig([replace(p, line=None) for p in invalid.problems]) from None


async def import_faq_csv(data: bytes, expected_version: str) -> int:
    document, count = faq_from_csv(await _load_unchanged_since(expected_version), data)
    await owner_config.store(document)
    return count


# --------------------------------------------------------------------------- YAML sections


def _builtins(document: OwnerDocument) -> dict[str, Any]:
    return {name: msgspec.to_builtins(getattr(document, name)) for name in sections()}


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def section_yaml(document: OwnerDocument, section: str) -> str:
    """The section as the settings page shows it: the shop key masked."""
    return _yaml({section: _builtins(owner_config.masked(document))[section]})


def with_section(document: OwnerDocument, section: str, text: str) -> OwnerDocument:
    """The document with `section` as written in `text` (YAML naming that section alone;
    empty clears it). Problems name the line in `text`; one found elsewhere (a menu item
    naming an FAQ id this change removed) says so, with no line."""
    if section not in sections():
        raise ValueError(f"unknown section {section!r}")
    try:
        written = yaml.safe_load(text)
    except yaml.YAMLError:
        owner_config.parse(text)  # raises, naming the line
        raise
    if written is not None and (not isinstance(written, dict) or set(written) != {section}):
        raise InvalidConfig([Problem(1, f"this page edits the section {section}: start with"
                                        f" '{section}:' and name no other section")])
    others = {name: value for name, value in _builtins(document).items() if name != section}
    own_lines = text.rstrip().count("\n") + 1 if text.strip() else 0
    combined = (text.rstrip() + "\n" if text.strip() else "") + _yaml(others)
    try:
        return owner_config.with_secrets_kept(owner_config.parse(combined), document)
    except InvalidConfig as invalid:
        raise InvalidConfig([
            p if p.line is not None and p.line <= own_lines
            else replace(p, line=None, message=f"in another section: {p.message}",
                         said=gettext("in another section: %(problem)s")
                         % {"problem": p.for_reader})
            for p in invalid.problems
        ]) from None


async def save_section(section: str, text: str, expected_version: str,
                       sources: OrderSources | None = None) -> None:
    document = await _load_unchanged_since(expected_version)
    changed = with_section(document, section, text)
    await _check_sources(changed, document, sources)
    await owner_config.store(changed)


def with_section_value(document: OwnerDocument, section: str, value: Any) -> OwnerDocument:
    """The document with `section` set to `value` (plain data, as a form builds it), checked
    whole; InvalidConfig lists every problem with its path."""
    if section not in sections():
        raise ValueError(f"unknown section {section!r}")
    data = {**_builtins(document), section: value}
    checked = owner_config.from_builtins({k: v for k, v in data.items() if v is not None})
    return owner_config.with_secrets_kept(checked, document)


async def check_section_value(section: str, value: Any, found: list[Problem],
                              sources: OrderSources | None = None) -> list[Problem]:
    """Every problem saving the section would meet: the form's own (`found`), then the
    document's. Nothing is saved."""
    stored = await owner_config.load_stored()
    try:
        changed = with_section_value(stored, section, value)
    except InvalidConfig as invalid:
        return [*found, *invalid.problems]
    try:
        await _check_sources(changed, stored, sources)
    except InvalidConfig as invalid:
        return [*found, *invalid.problems]
    return found


async def save_section_value(section: str, value: Any, expected_version: str,
                             found: list[Problem], sources: OrderSources | None = None) -> None:
    """Saves the section a form built, unless the form `found` problems of its own or the
    document has any: then InvalidConfig lists them all and nothing changes."""
    document = await _load_unchanged_since(expected_version)
    try:
        changed = with_section_value(document, section, value)
        await _check_sources(changed, document, sources)
    except InvalidConfig as invalid:
        raise InvalidConfig([*found, *invalid.problems]) from None
    if found:
        raise InvalidConfig(found)
    await owner_config.store(changed)


async def load_whole(text: str, expected_version: str,
                     sources: OrderSources | None = None) -> None:
    """A whole configuration file, as `pasokh config load` reads it; a masked shop key in
    it keeps the stored one."""
    document = await _load_unchanged_since(expected_version)
    changed = owner_config.with_secrets_kept(owner_config.parse(text), document)
    await _check_sources(changed, document, sources)
    await owner_config.store(changed)


async def _check_sources(changed: OwnerDocument, stored: OwnerDocument,
                         sources: OrderSources | None) -> None:
    """InvalidConfig when a changed order lookup names an address or file `sources` does
    not allow (core/order_lookup.py); an unchanged one was checked when it was saved."""
    if sources is None or changed.order_lookup == stored.order_lookup:
        return
    problems = await sources.problems(changed.order_lookup)
    if problems:
        raise InvalidConfig([Problem(None, english, path=path, said=said)
                             for path, english, said in problems])


async def replace_whole(document: OwnerDocument | None, expected_version: str) -> None:
    """The whole configuration replaced by `document` (None: an empty one)."""
    await _load_unchanged_since(expected_version)
    await owner_config.store(_checked(document or OwnerDocument()))


_ORDER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


def order_number(typed: str) -> str:
    """An order number as a customer may type it (Persian digits, a leading #), or ""."""
    match = _ORDER_NUMBER.fullmatch(to_latin_digits(typed).strip().lstrip("#").strip())
    return match.group(0) if match else ""


@dataclass(frozen=True, slots=True)
class LookupTry:
    """What a test of the order lookup found, for the owner to read."""

    order_id: str
    outcome: str  # found, unknown, failed, or "" when no number was given
    status: str = ""
    updated_at: datetime | None = None
    tracking_code: str = ""

    @classmethod
    def of(cls, order_id: str, outcome: dict[str, Any] | None) -> LookupTry:
        if outcome is None:
            return cls(order_id=order_id, outcome="")
        updated = outcome.get("updated_at")
        return cls(order_id=order_id, outcome=outcome["outcome"],
                   status=outcome.get("status") or "",
                   updated_at=datetime.fromisoformat(updated) if updated else None,
                   tracking_code=outcome.get("tracking_code") or "")


@dataclass(frozen=True, slots=True)
class HolidayMonth:
    """One Jalali month of one business_hours schedule, for the holiday calendar."""

    schedule: str
    year: int
    month: int
    weeks: list[list[int | None]]
    holidays: frozenset[int]  # days of this month that are holidays

    @classmethod
    def of(cls, document: OwnerDocument, schedule: str, year: int, month: int) -> HolidayMonth:
        days: set[int] = set()
        for hours in document.business_hours:
            if hours.name == schedule:
                for holiday in hours.holidays:
                    moment = jdatetime.date.fromgregorian(date=parse_jalali_date(holiday))
                    if (moment.year, moment.month) == (year, month):
                        days.add(moment.day)
        return cls(schedule, year, month, jalali_month_weeks(year, month), frozenset(days))


def holiday_months(document: OwnerDocument, year: int, month: int) -> list[HolidayMonth]:
    return [HolidayMonth.of(document, hours.name, year, month)
            for hours in document.business_hours]


async def add_holidays(schedule: str, days: list[str], expected_version: str) -> int:
    """Adds the Jalali `days` a schedule does not have yet; returns how many were new."""
    document = await _load_unchanged_since(expected_version)
    found = next((h for h in document.business_hours if h.name == schedule), None)
    if found is None:
        raise InvalidConfig([Problem(None, f"no business_hours entry is named {schedule!r}",
                                     said=gettext("There is no schedule named %(name)s.")
                                     % {"name": schedule})])
    have = {jdatetime.date.fromgregorian(date=parse_jalali_date(h)) for h in found.holidays}
    new = [day for day in days
           if jdatetime.date.fromgregorian(date=parse_jalali_date(day)) not in have]
    added = msgspec.structs.replace(found, holidays=sorted([*found.holidays, *new]))
    changed = [added if h is found else h for h in document.business_hours]
    await owner_config.store(_checked(msgspec.structs.replace(document, business_hours=changed)))
    return len(new)


async def toggle_holiday(schedule: str, day: str, expected_version: str) -> bool:
    """Makes `day` (Jalali) a holiday of `schedule`, or a working day again if it was one;
    returns whether it is a holiday now. The whole document is checked before it is kept."""
    document = await _load_unchanged_since(expected_version)
    wanted = jdatetime.date.fromgregorian(date=parse_jalali_date(day))
    key = f"{wanted.year:04d}-{wanted.month:02d}-{wanted.day:02d}"
    found = next((h for h in document.business_hours if h.name == schedule), None)
    if found is None:
        raise InvalidConfig([Problem(None, f"no business_hours entry is named {schedule!r}")])
    kept = [h for h in found.holidays
            if jdatetime.date.fromgregorian(date=parse_jalali_date(h)) != wanted]
    now_holiday = len(kept) == len(found.holidays)
    toggled = msgspec.structs.replace(found, holidays=sorted(kept + [key]) if now_holiday
                                      else kept)
    changed = [toggled if h is found else h for h in document.business_hours]
    await owner_config.store(_checked(msgspec.structs.replace(document, business_hours=changed)))
    return now_holiday
