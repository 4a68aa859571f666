"""The names the panel shows for stored codes: platforms, statuses, delivery states.

Platforms name themselves (each adapter's `look`, handed to the panel by the runtime)."""

from __future__ import annotations

from collections.abc import Mapping

from core.channel_setup import PlatformLook
from core.i18n import LazyString, lazy_gettext

STATUSES: dict[str, LazyString] = {
    "open": lazy_gettext("Open (bot)"),
    "pending": lazy_gettext("Pending"),
    "resolved": lazy_gettext("Resolved"),
    "snoozed": lazy_gettext("Snoozed"),
}

DELIVERY: dict[str, LazyString] = {
    "queued": lazy_gettext("Queued"),
    "sent": lazy_gettext("Sent"),
    "delivered": lazy_gettext("Delivered"),
    "read": lazy_gettext("Read"),
    "played": lazy_gettext("Played"),
    "failed": lazy_gettext("Failed"),
}

AUTHORS: dict[str, LazyString] = {
    "customer": lazy_gettext("Customer"),
    "bot": lazy_gettext("Bot"),
    "agent": lazy_gettext("Agent"),
    "system": lazy_gettext("System"),
    "note": lazy_gettext("Private note"),
}

EVENTS: dict[str, LazyString] = {
    "resolved": lazy_gettext("Resolved the conversation"),
}


def label(table: dict[str, LazyString], code: str) -> str:
    """The translated name, or the code itself for one the panel does not know yet."""
    name = table.get(code)
    return str(name) if name is not None else code


def platform_name(platforms: Mapping[str, PlatformLook], code: str) -> str:
    look = platforms.get(code)
    return str(look.name) if look is not None else code

TICKET_STATUSES: dict[str, LazyString] = {
    "open": lazy_gettext("Open"),
    "in_progress": lazy_gettext("In progress"),
    "solved": lazy_gettext("Solved"),
    "closed": lazy_gettext("Closed"),
}
