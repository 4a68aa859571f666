"""Names the owners' pages show for configuration sections and roles. A section this
table does not know yet is shown by its own name."""

from __future__ import annotations

from core.i18n import LazyString, lazy_gettext

SECTIONS: dict[str, LazyString] = {
    "faq": lazy_gettext("Frequently asked questions"),
    "menu": lazy_gettext("Menu"),
    "auto_replies": lazy_gettext("Auto-replies"),
    "business_hours": lazy_gettext("Business hours and holidays"),
    "order_lookup": lazy_gettext("Order lookup"),
    "survey": lazy_gettext("Survey"),
    "teams": lazy_gettext("Teams (configuration)"),
    "canned_replies": lazy_gettext("Canned replies"),
    "whatsapp_templates": lazy_gettext("WhatsApp templates"),
    "followups": lazy_gettext("Follow-ups"),
    "followup_limits": lazy_gettext("Follow-up limits"),
}

ROLES: dict[str, LazyString] = {
    "owner": lazy_gettext("Owner"),
    "agent": lazy_gettext("Agent"),
}
