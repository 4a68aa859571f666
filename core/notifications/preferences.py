"""What an agent wants to be told, and where. Kept as one small struct per agent; an agent
who never chose is told everything in the panel and nothing on the phone."""

from __future__ import annotations

import msgspec

from core.models import NotificationChoice


class Choices(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    assigned: bool = True  # a conversation was assigned to me
    customer_wrote: bool = True  # a customer wrote in one of mine
    waiting_past_target: bool = True  # one of mine waits past its response-time target
    push: bool = False  # on my phone too (Web Push to the installed panel)
    messenger: bool = False  # ... and as a message from the shop's bot to my own account
    while_offline: bool = False  # ... even while I am offline

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind, False))


async def choices_of(user_id: int) -> Choices:
    row = await NotificationChoice.get_or_none(user_id=user_id)
    if row is None:
        return Choices()
    try:
        return msgspec.convert(row.choices, Choices)
    except msgspec.ValidationError:  # written by another version: the defaults hold
        return Choices()


async def save_choices(user_id: int, choices: Choices) -> None:
    await NotificationChoice.update_or_create(
        user_id=user_id, defaults={"choices": msgspec.to_builtins(choices)})
