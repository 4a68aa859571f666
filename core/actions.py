"""What a flow may ask for. Flows return these; `core.conversations` carries them out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.events import Button


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Handoff:
    """Move the conversation to the agents' queue; the bot stays quiet until resolved."""

    reason: str


Action = Reply | Handoff


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One thing the customer did, as a flow sees it: no ids, no platform objects."""

    message_kind: str
    text: str | None
    button_payload: str | None
    is_group_chat: bool
    conversation_status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowResult:
    state: dict[str, Any]
    actions: tuple[Action, ...] = ()
