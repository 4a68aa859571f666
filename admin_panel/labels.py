"""The names the panel shows for stored codes: platforms, statuses, delivery states."""

from __future__ import annotations

from core.i18n import LazyString, lazy_gettext

PLATFORMS: dict[str, LazyString] = {
    "telegram": lazy_gettext("Telegram"),
    "whatsapp": lazy_gettext("WhatsApp"),
    "instagram": lazy_gettext("Instagram"),
    "webchat": lazy_gettext("Web chat"),
}

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

TICKET_STATUSES: dict[str, LazyString] = {
    "open": lazy_gettext("Open"),
    "in_progress": lazy_gettext("In progress"),
    "solved": lazy_gettext("Solved"),
    "closed": lazy_gettext("Closed"),
}
