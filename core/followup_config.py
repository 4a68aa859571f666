"""The owner's follow-up rules: the `followups` and `followup_limits` sections of the
configuration file (docs/config.md), and their checks.

A rule's placeholders are checked when the file is loaded: a stray brace or a field that is
not a plain name is refused, and so is a placeholder that the rule's event can never give
(a resolved conversation gives only {name}). The problems are said in the reader's language
(core/owner_config.py); a value an event leaves out is caught when the event arrives.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from core.i18n import gettext_noop as _
from core.proactive import BadPlaceholder, QuietHours, placeholders

RESOLVED_EVENT = "conversation.resolved"  # scheduled by the desk's resolve, not by the shop
CUSTOMER_VALUES = ("name",)  # placeholders every follow-up can fill from the customer
EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
RULE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
DELAY = re.compile(r"(\d{1,6})([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DELAY = timedelta(days=365)
MAX_TEXT = 4000
# A problem: (path like $.followups[0].text, English message id, the values it names)
Found = tuple[str, str, dict[str, object]]


class FollowupTemplate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True,
                       omit_defaults=True):
    """The approved template that carries the follow-up past a platform's window
    (WhatsApp's 24 hours): one of `whatsapp_templates`, its parameters as placeholders."""

    name: str
    language: str
    category: Literal["utility", "marketing"] = "utility"
    parameters: list[str] = msgspec.field(default_factory=list)  # e.g. ["{name}", "{order_id}"]


class FollowupRule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    id: str
    event: str
    text: str
    delay: str = "0s"  # "0s", "30m", "2h", "3d"
    sms: bool = True  # may fall back to a channel that reaches the customer's phone
    template: FollowupTemplate | None = None


class FollowupLimits(msgspec.Struct, kw_only=True, forbid_unknown_fields=True,
                     omit_defaults=True):
    quiet_hours: str = "22:00-08:00"  # local time; "" for none
    timezone: str = "Asia/Tehran"
    per_customer_per_week: int = 3


def delay_of(text: str) -> timedelta | None:
    match = DELAY.fullmatch(text.strip())
    if match is None:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def quiet_hours_of(limits: FollowupLimits | None) -> QuietHours:
    limits = limits or FollowupLimits()
    if not limits.quiet_hours:
        return QuietHours(start=time(0), end=time(0), timezone=limits.timezone)
    start, end = _clock_range(limits.quiet_hours) or ((22, 0), (8, 0))
    return QuietHours(start=time(*start), end=time(*end), timezone=limits.timezone)


_CLOCK_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


def _clock_range(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    match = _CLOCK_RANGE.fullmatch(text.strip())
    if match is None:
        return None
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    return (h1, m1), (h2, m2)


def template_texts(rule: FollowupRule) -> tuple[str, ...]:
    """Every text of the rule that has placeholders: its text and its template's parameters."""
    return (rule.text, *(rule.template.parameters if rule.template else ()))


def check_followups(rules: list[FollowupRule], limits: FollowupLimits | None,
                    templates: Collection[tuple[str, str, int]] = ()
                    ) -> list[Found]:
    """(path, English message id, its values) for every rule and limit that is wrong; the
    configuration's checks say it in the reader's language. `templates`: the approved
    WhatsApp templates listed, as (name, language, number of parameters)."""
    problems: list[Found] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        at = f"$.followups[{index}]"
        if not RULE_ID.fullmatch(rule.id):
            problems.append((f"{at}.id", _("A rule id is 1 to 64 letters, digits, - or _."), {}))
        elif rule.id in seen:
            problems.append((f"{at}.id", _("The id %(id)s is used twice."), {"id": rule.id}))
        seen.add(rule.id)
        if not EVENT_TYPE.fullmatch(rule.event) or len(rule.event) > 64:
            problems.append((f"{at}.event", _("An event is a name like order.shipped."), {}))
        delay = delay_of(rule.delay)
        if delay is None or delay > MAX_DELAY:
            problems.append((f"{at}.delay",
                             _("A delay is a number and a unit, like 0s, 30m, 2h or 3d, "
                               "at most a year."), {}))
        if not rule.text.strip() or len(rule.text) > MAX_TEXT:
            problems.append((f"{at}.text", _("A follow-up text needs 1 to %(count)s "
                                             "characters."), {"count": MAX_TEXT}))
            continue
        if rule.template is not None:
            listed = {(name, language): count for name, language, count in templates}
            count = listed.get((rule.template.name, rule.template.language))
            if count is None:
                problems.append((f"{at}.template.name",
                                 _("No entry of whatsapp_templates has this name and "
                                   "language."), {}))
            elif count != len(rule.template.parameters):
                problems.append((f"{at}.template.parameters",
                                 _("The template has %(count)s parameters."),
                                 {"count": count}))
        try:
            names = tuple(name for text in template_texts(rule) for name in placeholders(text))
        except BadPlaceholder as error:
            problems.append((f"{at}.text",
                             _("%(field)s is not a placeholder: write a name in braces, like "
                               "{order_id}, and nothing else in braces."),
                             {"field": str(error)}))
            continue
        if rule.event == RESOLVED_EVENT:
            unknown = [name for name in names if name not in CUSTOMER_VALUES]
            if unknown:
                problems.append((f"{at}.text",
                                 _("A resolved conversation gives only {name}; it has no "
                                   "value for {%(field)s}."), {"field": unknown[0]}))
    if limits is not None:
        if limits.quiet_hours and _clock_range(limits.quiet_hours) is None:
            problems.append(("$.followup_limits.quiet_hours",
                             _("Quiet hours look like 22:00-08:00."), {}))
        try:
            ZoneInfo(limits.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(("$.followup_limits.timezone",
                             _("Unknown time zone (e.g. Asia/Tehran)."), {}))
        if not 0 <= limits.per_customer_per_week <= 100:
            problems.append(("$.followup_limits.per_customer_per_week", _("Use 0 to 100."), {}))
    return problems
