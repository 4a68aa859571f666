"""Telling agents: a conversation assigned to them, a customer writing in one of theirs, one
waiting past its target. In the open panel (sound, tab badge, the browser's notification),
and, by the agent's own choice, on their phone by Web Push to the installed panel.

- `preferences.py`: what each agent wants to be told, and where;
- `claims.py`: which notification is due, claimed once across processes;
- `webpush.py`: the server's VAPID key, the agents' push subscriptions, sending (pywebpush).
"""

from __future__ import annotations

from core.notifications.claims import (
    NOTIFY_TOPIC,
    Notification,
    NotificationKind,
    claim,
    for_assignment,
    for_breaches,
    for_customer_message,
)
from core.notifications.preferences import Choices, choices_of, save_choices

__all__ = [
    "NOTIFY_TOPIC",
    "Choices",
    "Notification",
    "NotificationKind",
    "choices_of",
    "claim",
    "for_assignment",
    "for_breaches",
    "for_customer_message",
    "save_choices",
]
