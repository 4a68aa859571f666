"""The flows' configuration, built from the owner's stored document and kept current.

`pasokh config load` may run in another process, so the runtime looks at the stored
document's time stamp every few seconds and rebuilds the flows' view when it changed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from core import owner_config
from core.actions import FlowResult, Turn
from flows import FlowConfig, decide
from flows.config import DEFAULT_MENU, HANDOFF, MenuEntry
from flows.faq import FaqEntry

log = logging.getLogger(__name__)


def flow_config(document: owner_config.OwnerDocument) -> FlowConfig:
    faq = tuple(FaqEntry(id=item.id, question=item.question, answer=item.answer,
                         alternatives=tuple(item.alternatives)) for item in document.faq)
    menu = tuple(_menu_entry(item) for item in document.menu) or DEFAULT_MENU
    return FlowConfig(menu=menu, faq=faq)


def _menu_entry(item: owner_config.MenuItem) -> MenuEntry:
    return MenuEntry(
        title=item.title,
        reply=item.reply,
        faq=item.faq,
        submenu=tuple(_menu_entry(child) for child in item.submenu or ()),
        action=HANDOFF if item.action == "handoff" else None,
    )


class LiveFlowConfig:
    def __init__(self, interval: float = 3.0) -> None:
        self.current = FlowConfig()
        self._interval = interval
        self._seen: datetime | None = None

    def decide(self, state: dict[str, Any], turn: Turn) -> FlowResult:
        return decide(state, turn, self.current)

    async def refresh(self) -> None:
        stamp = await owner_config.stored_at()
        if stamp is None or stamp == self._seen:
            return
        self.current = flow_config(await owner_config.load_stored())
        self._seen = stamp
        log.info("flows: configuration of %s in use", stamp.isoformat())

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.refresh()
            except Exception:
                log.exception("flows: could not read the configuration; keeping the old one")
