"""Asking the provider, for a line it does not call back: delivery reports of the texts
still "sent" (Kavenegar's status call when its delivery callback is not set up, Ghasedak's
always) and, from a provider that takes no callbacks at all, the texts customers send.

- Pace: one round every SMS_POLL_SECONDS (30 by default), at most STATUS_CALLS_PER_ROUND
  status calls of `provider.status_batch` ids each, so a line with thousands of texts in
  flight is gone through over several rounds (a cursor goes round them) rather than in a
  burst that meets the provider's rate limit. A refusal or a rate limit is PollFailed: the
  runtime's loop (bots/polling.py) waits longer after each.
- Stop: a text leaves the round at its final status (delivered, failed) or once it is
  older than SMS_POLL_MAX_AGE_HOURS (24 by default): a provider that has said nothing for
  that long will not.
- What is learnt goes through the inbox as a callback's would: a status moves the message
  forward only, and "blocked by the recipient" opts them out (core/opt_outs.py).
- Received texts: the poll offset is the next provider id expected, so a text fetched again
  after a crash is recognised (and the inbox's unique key stores it once in any case).
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from adapters.base import Polled
from adapters.sms.events import received_event, report_event
from adapters.sms.provider import Line, Provider, TextsByPolling
from core.clock import SYSTEM_CLOCK, Clock
from core.events import InboundEvent
from core.receipts import awaiting_receipt

DEFAULT_INTERVAL_SECONDS = 30.0
DEFAULT_MAX_AGE = timedelta(hours=24)
STATUS_CALLS_PER_ROUND = 3


class SmsPoller:
    def __init__(self, provider: Provider, line: Line, session: aiohttp.ClientSession, *,
                 channel_id: int, interval: float = DEFAULT_INTERVAL_SECONDS,
                 max_age: timedelta = DEFAULT_MAX_AGE, clock: Clock = SYSTEM_CLOCK) -> None:
        self._provider = provider
        self._line = line
        self._session = session
        self._channel_id = channel_id
        self._interval = interval
        self._max_age = max_age
        self._clock = clock
        self._cursor = 0  # the last message of ours asked about; 0 starts a new pass

    async def start(self) -> None:
        """Nothing to prepare: polling a provider takes no callback down."""

    async def poll(self, offset: int) -> Polled:
        await self._clock.sleep(self._interval)
        events: list[InboundEvent] = []
        next_offset = offset
        if isinstance(self._provider, TextsByPolling):
            events, next_offset = await self._texts(self._provider, offset)
        return Polled(events=events + await self._reports(), next_offset=next_offset)

    async def _texts(self, provider: TextsByPolling, offset: int
                     ) -> tuple[list[InboundEvent], int]:
        now = self._clock.now()
        events: list[InboundEvent] = []
        next_offset = offset
        for text in await provider.received(self._session, self._line):
            number = int(text.message_id)
            if number < offset:
                continue  # stored in an earlier round
            next_offset = max(next_offset, number + 1)
            event = received_event(text, self._channel_id, now)
            if event is not None:
                events.append(event)
        return events, next_offset

    async def _reports(self) -> list[InboundEvent]:
        batch = self._provider.status_batch
        now = self._clock.now()
        waiting = await awaiting_receipt(self._channel_id, sent_since=now - self._max_age,
                                         after=self._cursor,
                                         limit=batch * STATUS_CALLS_PER_ROUND)
        # A short page means the pass reached the newest text: the next round starts over.
        self._cursor = waiting[-1].message_id if len(waiting) == batch * STATUS_CALLS_PER_ROUND \
            else 0
        events: list[InboundEvent] = []
        for start in range(0, len(waiting), batch):
            ids = [message.external_id for message in waiting[start:start + batch]]
            for report in await self._provider.statuses(self._session, self._line, ids):
                if report.state != "sent":  # "sent" is what the message says already
                    events.append(report_event(report, self._channel_id, now))
        return events
