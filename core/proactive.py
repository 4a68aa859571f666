"""The rules of writing first: pure functions over values, with the time passed in.

What a platform allows (`ProactiveRules`, which each adapter declares), which of a
customer's channels may carry a follow-up now (`choose_channel`), when quiet hours end
(`next_allowed`), and the placeholders of a follow-up's text (`placeholders`, `render`).
No I/O here; core/followups.py reads and writes the rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class ProactiveRules:
    """How a platform lets a business write first; every adapter declares its own.

    `window`: free messages only this long after the customer last wrote (Meta's 24 hours);
    None when a customer who started the chat may be written to at any time (Telegram, Bale).
    `reaches_phone_numbers`: the channel can write to a customer known only by
    a phone number (SMS, Bale's business API); such a channel is the fallback.
    `opt_out_suffix`: appended to every proactive text (SMS: «لغو۱۱»).
    `templates_outside_window`: past the window, an approved template still goes (WhatsApp).
    """

    window: timedelta | None = None
    templates_outside_window: bool = False
    reaches_phone_numbers: bool = False
    opt_out_suffix: str = ""


NO_PROACTIVE_RULES = ProactiveRules(window=timedelta(0))  # a channel that never writes first
# The route of a conversation that a proactive message started from a phone number alone
# (its chat id is the number): the channel's transport sends by number, not to a chat.
BY_PHONE_ROUTE = "by_phone"


class Skip(StrEnum):
    """Why a follow-up was not sent; stored on it and answered by the API."""

    MISSING_VALUE = "missing_value"
    OPTED_OUT = "opted_out"
    NO_CHANNEL = "no_channel"
    WEEKLY_CAP = "weekly_cap"
    WITH_AGENT = "with_agent"
    RULE_REMOVED = "rule_removed"
    NEEDS_TEMPLATE = "needs_template"  # a broadcast past WhatsApp's window without a template


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One way to reach the customer: an identity on a channel, with what we know of it."""

    channel_id: int
    identity_id: int | None
    chat_id: str
    rules: ProactiveRules
    last_wrote: datetime | None  # the customer's own last message there
    opted_out: bool
    unreachable: bool = False
    by_phone: bool = False  # a phone-number route (the fallback), not an identity they used


def choose_channel(routes: Sequence[Route], now: datetime, *, phone_fallback: bool = True,
                   template: bool = False) -> Route | None:
    """The customer's most recently used channel that may carry a proactive message now
    (past its window only when the rule has a template and the channel takes one), then a
    channel that reaches their phone number (when the rule allows it); None when no channel
    may. An opted-out channel is never chosen."""
    used = sorted((r for r in routes if not r.by_phone),
                  key=lambda r: r.last_wrote or datetime.min.replace(tzinfo=UTC), reverse=True)
    for route in used:
        if route.opted_out or route.unreachable:
            continue
        if not outside_window(route, now) or (template and route.rules.templates_outside_window):
            return route
    if phone_fallback:
        for route in routes:
            if route.by_phone and route.rules.reaches_phone_numbers and not route.opted_out:
                return route
    return None


def outside_window(route: Route, now: datetime) -> bool:
    """Whether a free text to this route is past the platform's window now."""
    window = route.rules.window
    if window is None:
        return False
    return route.last_wrote is None or now - route.last_wrote > window


@dataclass(frozen=True, slots=True, kw_only=True)
class QuietHours:
    """No proactive send from `start` to `end` (local time); the send waits for `end`."""

    start: time = time(22, 0)
    end: time = time(8, 0)
    timezone: str = "Asia/Tehran"


def next_allowed(moment: datetime, quiet: QuietHours) -> datetime:
    """`moment` itself when it is outside quiet hours, else the end of these quiet hours."""
    zone = ZoneInfo(quiet.timezone)
    local = moment.astimezone(zone)
    now = local.time()
    if quiet.start == quiet.end:
        return moment
    if quiet.start < quiet.end:
        inside = quiet.start <= now < quiet.end
    else:  # across midnight, e.g. 22:00–08:00
        inside = now >= quiet.start or now < quiet.end
    if not inside:
        return moment
    end = datetime.combine(local.date(), quiet.end, tzinfo=zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=zone)
    return end.astimezone(UTC)


_FIELD = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class BadPlaceholder(ValueError):
    """The text's braces are not placeholders like {order_id}; the message names why."""


def placeholders(text: str) -> tuple[str, ...]:
    """The names in the text's {placeholders}, in order; BadPlaceholder for a stray brace or
    a field that is not a plain name (no {0}, {a.b}, {a[0]} or {a:>5}: text is never code)."""
    names: list[str] = []
    for match in _FIELD.finditer(text):
        name = match.group(1).strip()
        if not _NAME.fullmatch(name):
            raise BadPlaceholder(match.group(0))
        names.append(name)
    rest = _FIELD.sub("", text)
    if "{" in rest or "}" in rest:
        raise BadPlaceholder("{" if "{" in rest else "}")
    return tuple(dict.fromkeys(names))


def missing_values(text: str, values: Mapping[str, str]) -> tuple[str, ...]:
    """The placeholders that have no value (or an empty one): such a text is never sent."""
    return tuple(name for name in placeholders(text) if not str(values.get(name, "")).strip())


def render(text: str, values: Mapping[str, str]) -> str:
    """The text with each {name} replaced by its value, once: a value that itself holds
    braces stays as it is. Call only when `missing_values` is empty."""
    return _FIELD.sub(lambda match: str(values[match.group(1).strip()]), text)
