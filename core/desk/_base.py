"""What every part of the desk shares: its wiring to the rest of the process, and the rule
of the channel's reply window that both the conversation's view and a reply obey.

After a command has committed, the desk tells the others: the outbox worker is woken for a
reply, the conversation engine gets the ids of system messages to run through the flows,
and the bus tells every open panel that something changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.bus import Bus
from core.clock import utcnow
from core.delivery import FileRules
from core.events import (
    MediaRef,
    OutboundAuthor,
    OutboundKind,
    OutboundMessage,
    Platform,
    Template,
)
from core.reply_window import last_customer_messages
from core.segments import PartBilling
from core.sqlvalues import from_json

UPDATED_TOPIC = "conversation.updated"
NO_PART_BILLING = PartBilling()  # no channel texts phone numbers


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyWindow:
    """Whether the platform still takes a free reply, and what to do when it does not."""

    closed: bool = False
    hours: int = 0  # the window's length, when there is one
    templates_allowed: bool = False  # the platform takes a template once it is closed


async def publish_updated(bus: Bus, conversation_id: int, status: str | None) -> None:
    """Tells the open panels that a conversation changed (and its new status, if it did)."""
    notice: dict[str, Any] = {"conversation_id": conversation_id}
    if status is not None:
        notice["status"] = status
    await bus.publish(UPDATED_TOPIC, notice)


def outbound(row: dict[str, Any], **fields: Any) -> OutboundMessage:
    """An agent's message to the conversation of `row` (core/desk/_scope.py `visible`)."""
    return OutboundMessage(platform=Platform(row["platform"]), channel_id=row["channel_id"],
                           chat_id=row["chat_id"], route=from_json(row["route"]) or {},
                           author=OutboundAuthor.AGENT, **fields)


class DeskBase:
    def __init__(
        self,
        bus: Bus,
        wake_outbox: Callable[[], None],
        submit_to_engine: Callable[[Iterable[int]], None],
        reply_window: Callable[[OutboundMessage], timedelta | None] = lambda message: None,
        part_billing: PartBilling = NO_PART_BILLING,
        *,
        file_rules: Callable[[int], FileRules | None] = lambda channel_id: None,
        store_file: Callable[[bytes, str, str | None], MediaRef] | None = None,
    ) -> None:
        """`submit_to_engine` takes the ids of stored system messages
        (`ConversationEngine.submit_ids`). `reply_window` is the channel's transport's rule
        (core/delivery.py): how long after the customer's last message the platform takes
        this message, or None. `part_billing` names the channels that text phone numbers
        (core/segments.py). `file_rules` says which files a channel gives its customers (None:
        it sends none), and `store_file` keeps an agent's file in the media store before it is
        sent (core/media.py `store_upload`; blocking, run in a thread)."""
        self._bus = bus
        self._file_rules = file_rules
        self._store_file = store_file
        self._part_billing = part_billing
        self._wake_outbox = wake_outbox
        self._submit_to_engine = submit_to_engine
        self._reply_window = reply_window

    @property
    def part_billing(self) -> PartBilling:
        """Which platforms bill texts per part, and a part's price per channel."""
        return self._part_billing

    async def _updated(self, conversation_id: int, status: str | None) -> None:
        await publish_updated(self._bus, conversation_id, status)

    @staticmethod
    async def _within(conn: BaseDBAsyncClient, row: dict[str, Any], window: timedelta) -> bool:
        """Whether the customer wrote on this identity within `window` (the outbox's rule)."""
        wrote_at = (await last_customer_messages(conn, {row["identity_id"]})).get(
            row["identity_id"])
        return wrote_at is not None and utcnow() - wrote_at <= window

    async def _window(self, conn: BaseDBAsyncClient, row: dict[str, Any]) -> ReplyWindow:
        """Whether a free reply from an agent would still be taken, from the customer's
        own last message on this identity (an agent's or the bot's words do not count)."""
        window = self._reply_window(outbound(row, text="-"))
        if window is None:
            return ReplyWindow()
        if await self._within(conn, row, window):
            return ReplyWindow(hours=int(window.total_seconds() // 3600))
        return ReplyWindow(closed=True, hours=int(window.total_seconds() // 3600),
                           templates_allowed=self._takes_templates(row))

    def _takes_templates(self, row: dict[str, Any]) -> bool:
        """A template is what reaches a customer past the window a free reply must keep
        (WhatsApp's); a channel with no such window has no templates."""
        template = outbound(row, kind=OutboundKind.TEMPLATE,
                            template=Template(name="-", language="-"))
        return (self._reply_window(outbound(row, text="-")) is not None
                and self._reply_window(template) is None)
