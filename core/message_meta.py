"""A message's `meta`: the facts stored beside its text, and their one codec.

One struct for every kind of message: each field says which messages carry it, and a row
holds only what applies to it (unset fields are left out of the JSON). Rows are read with
`decode_meta` and written with `encode_meta`, nowhere else. Keys an older version wrote and
this one no longer knows are ignored; a row that cannot be read at all counts as empty, so
that one odd row never stops the engine's batch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec

from core.actions import FaqMatchFact, ReplyOutcome, SystemEvent
from core.events import ChatType

log = logging.getLogger(__name__)


class MessageMeta(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    # A customer's message (core/inbox.py).
    chat_type: ChatType | None = None
    button_payload: str | None = None  # the button pressed
    ack_token: str | None = None  # a platform handle the engine acknowledges (a callback id)
    # What was sent to the customer.
    buttons: tuple[tuple[str, str], ...] = ()  # the bot's: (title, payload)
    reply_outcome: ReplyOutcome | None = None  # the bot's: what the reply was (`Reply.outcome`)
    faq_match: FaqMatchFact | None = None  # the bot's FAQ answer: why it gave it, as decided
    by: int | None = None  # the agent (user id) who wrote it, or who resolved
    template: str | None = None  # an agent's template message: the template's name
    echo: bool = False  # the business wrote it from elsewhere (e.g. the Instagram app)
    followup: str | None = None  # a proactive follow-up: the owner's rule id
    broadcast: int | None = None  # a broadcast's message: the broadcast's id
    # A system event (core/system_events.py) and its data, as the flows get it.
    event: SystemEvent | None = None
    number: int | None = None  # ticket_opened, ticket_status: the ticket's number
    status: str | None = None  # ticket_status: the ticket's; order_status: the order's
    order_id: str | None = None  # order_status
    outcome: str | None = None  # order_status: found, unknown or failed; None while looked up
    updated_at: str | None = None  # order_status: ISO 8601
    tracking_code: str | None = None  # order_status

    def event_data(self) -> Mapping[str, Any]:
        """A system event's data for the flows (`Turn.event`): the fields that are set."""
        return msgspec.to_builtins(self) if self.event is not None else {}


def decode_meta(value: Any) -> MessageMeta:
    """A stored meta: JSON text (SQLite; asyncpg without a codec), or a dict already."""
    try:
        if isinstance(value, str | bytes):
            return msgspec.json.decode(value, type=MessageMeta)
        return msgspec.convert(value or {}, MessageMeta)
    except msgspec.DecodeError as error:
        log.warning("message meta that cannot be read (%s): taken as empty", error)
        return MessageMeta()


def encode_meta(meta: MessageMeta) -> str:
    return msgspec.json.encode(meta).decode()
