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
    "routing": lazy_gettext("Routing (configuration)"),
    "targets": lazy_gettext("Response-time targets (configuration)"),
    "canned_replies": lazy_gettext("Canned replies"),
    "whatsapp_templates": lazy_gettext("WhatsApp templates"),
    "agent_replies": lazy_gettext("Agents' replies"),
    "followups": lazy_gettext("Follow-ups"),
    "followup_limits": lazy_gettext("Follow-up limits"),
}

# Why a broadcast leaves a customer out (core.proactive.Skip).
BROADCAST_SKIPS: dict[str, LazyString] = {
    "opted_out": lazy_gettext("Opted out of our news on every channel they use"),
    "no_channel": lazy_gettext("No channel may carry it now (outside the platform's window, "
                               "or no way to reach them)"),
    "needs_template": lazy_gettext("Past the platform's 24 hours: choose an approved template "
                                   "to reach them"),
}

ROLES: dict[str, LazyString] = {
    "owner": lazy_gettext("Owner"),
    "agent": lazy_gettext("Agent"),
}

# Outgoing webhooks: what each event type means, and the states of a delivery.
WEBHOOK_EVENTS: dict[str, LazyString] = {
    "message.created": lazy_gettext("A message is written (customer, bot or agent)"),
    "conversation.created": lazy_gettext("A conversation starts"),
    "conversation.status_changed": lazy_gettext("A conversation's status changes"),
    "conversation.assigned": lazy_gettext("A conversation is assigned"),
    "csat.submitted": lazy_gettext("A customer rates the support"),
    "customer.opted_out": lazy_gettext("A customer opts out of proactive messages"),
    "webhook.test": lazy_gettext("Test event"),
}

DELIVERY_STATES: dict[str, LazyString] = {
    "pending": lazy_gettext("Waiting"),
    "sending": lazy_gettext("Sending"),
    "delivered": lazy_gettext("Delivered"),
    "failed": lazy_gettext("Failed"),
}
