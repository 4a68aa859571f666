"""What a notification says, in Persian first (the agent's panel language is not known
outside their session). It names the conversation by number, never the customer's words:
a push crosses Google's or Apple's servers."""

from __future__ import annotations

from core.i18n import DEFAULT_LANGUAGE, gettext_noop, translation
from core.notifications.claims import Notification, NotificationKind
from core.text import to_persian_digits

TITLES = {
    NotificationKind.ASSIGNED: gettext_noop("A conversation is yours"),
    NotificationKind.CUSTOMER_WROTE: gettext_noop("A customer wrote"),
    NotificationKind.WAITING_PAST_TARGET: gettext_noop("A customer waits past the target"),
}
LINKED = gettext_noop("This chat is linked to your Pasokh account: your notifications come "
                      "here now. You can turn them off on the panel's notifications page.")
BODIES = {
    NotificationKind.ASSIGNED: gettext_noop("Conversation %(number)s was assigned to you."),
    NotificationKind.CUSTOMER_WROTE: gettext_noop(
        "The customer of conversation %(number)s wrote again."),
    NotificationKind.WAITING_PAST_TARGET: gettext_noop(
        "Conversation %(number)s has waited longer than its target."),
}


def push_payload(notification: Notification, language: str = DEFAULT_LANGUAGE) -> dict:
    """The JSON the service worker shows (admin_panel/static/sw.js)."""
    texts = translation(language)
    number = str(notification.conversation_id)
    if language == "fa":
        number = to_persian_digits(number)
    return {
        "title": texts.gettext(TITLES[notification.kind]),
        "body": texts.gettext(BODIES[notification.kind]) % {"number": number},
        "url": f"/conversations/{notification.conversation_id}",
        "tag": f"conversation-{notification.conversation_id}",
        "kind": notification.kind.value,
    }
