"""Which of a channel's messages still wait for the platform's word on their delivery: for
an adapter that has to ask (an SMS line whose delivery callback is not set up) rather than
be told. What it learns comes back as STATUS events through the inbox, like a callback's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.models import Direction, Message


@dataclass(frozen=True, slots=True, kw_only=True)
class AwaitingReceipt:
    message_id: int  # ours: the order in which a poller goes through them
    external_id: str  # the platform's, which its status call is asked about


async def awaiting_receipt(channel_id: int, *, sent_since: datetime, after: int,
                           limit: int) -> list[AwaitingReceipt]:
    """Outbound messages of the channel that are "sent" and no further (no final status
    yet), sent since `sent_since`, with our id above `after`, in the order they were sent.
    Older ones are given up: a platform that has said nothing for that long will not."""
    rows = await (Message.filter(channel_id=channel_id, direction=Direction.OUTBOUND.value,
                                 delivery="sent", created_at__gte=sent_since, id__gt=after,
                                 external_id__isnull=False)
                  .order_by("id").limit(limit).values_list("id", "external_id"))
    return [AwaitingReceipt(message_id=row_id, external_id=external_id)
            for row_id, external_id in rows]
