"""The flows' configuration, built from the owner's stored document and kept current.

`pasokh config load` may run in another process, so the runtime looks at the stored
document's time stamp every few seconds and rebuilds the flows' view when it changed.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from core import owner_config
from core.actions import FlowResult, Reply, Turn
from core.events import ConversationStatus, MessageKind, Platform
from core.formats import parse_jalali_date
from core.order_lookup import OrderLookups
from core.suggestions import Suggestion
from core.text import normalize
from flows import FlowConfig, decide
from flows.assist import suggestions
from flows.auto_replies import first_match
from flows.config import (
    DEFAULT_MENU,
    HANDOFF,
    AutoReplyRule,
    MenuEntry,
    Schedule,
    SurveySettings,
)
from flows.faq import FaqEntry
from flows.talk import MENU_PREFIX

log = logging.getLogger(__name__)


def flow_config(document: owner_config.OwnerDocument) -> FlowConfig:
    faq = tuple(FaqEntry(id=item.id, question=item.question, answer=item.answer,
                         alternatives=tuple(item.alternatives)) for item in document.faq)
    menu = tuple(_menu_entry(item) for item in document.menu) or DEFAULT_MENU
    survey = document.survey or owner_config.Survey()
    return FlowConfig(
        menu=menu,
        faq=faq,
        auto_replies=tuple(_rule(rule) for rule in document.auto_replies),
        schedules=tuple(_schedule(hours) for hours in document.business_hours),
        team_hours={team.name: team.hours for team in document.teams if team.hours},
        survey=SurveySettings(enabled=survey.enabled, question=survey.question,
                              comment_prompt=survey.comment_prompt, thanks=survey.thanks),
        order_tracking=document.order_lookup is not None,
        order_status_names=dict(document.order_lookup.status_names
                                if document.order_lookup else {}),
    )


def _menu_entry(item: owner_config.MenuItem) -> MenuEntry:
    return MenuEntry(
        title=item.title,
        reply=item.reply,
        faq=item.faq,
        submenu=tuple(_menu_entry(child) for child in item.submenu or ()),
        action=item.action,
    )


def _rule(rule: owner_config.AutoReply) -> AutoReplyRule:
    return AutoReplyRule(id=rule.id, keywords=tuple(normalize(word) for word in rule.keywords),
                         reply=rule.reply, match=rule.match, channels=frozenset(rule.channels),
                         priority=rule.priority)


def _schedule(hours: owner_config.BusinessHours) -> Schedule:
    week = tuple(
        tuple(sorted(r for text in getattr(hours.week, day)
                     if (r := owner_config.time_range(text)) is not None))
        for day in owner_config.Week.__struct_fields__
    )
    return Schedule(name=hours.name, timezone=hours.timezone, week=week,
                    holidays=frozenset(parse_jalali_date(day) for day in hours.holidays),
                    away_message=hours.away_message,
                    minutes_per_conversation=hours.minutes_per_conversation)


class LiveFlowConfig:
    def __init__(self, order_lookups: OrderLookups | None = None, interval: float = 3.0) -> None:
        self.current = FlowConfig()
        self.document = owner_config.OwnerDocument()
        self._order_lookups = order_lookups
        self._interval = interval
        self._seen: datetime | None = None

    def decide(self, state: dict[str, Any], turn: Turn) -> FlowResult:
        return decide(state, turn, self.current)

    async def look_up_order(self, order_id: str) -> dict[str, Any]:
        if self._order_lookups is None:
            return {"order_id": order_id, "outcome": "failed"}
        return await self._order_lookups.look_up(self.document.order_lookup, order_id)

    def suggest(self, text: str, canned: Sequence[tuple[str, str]]) -> tuple[Suggestion, ...]:
        return suggestions(text, self.current, canned)

    def faq_candidates(self, text: str, limit: int) -> tuple[str, ...]:
        return tuple(match.entry.id for match in self.current.faq_index.rank(text, limit=limit))

    def auto_reply_to(self, rules: Sequence[Mapping[str, Any]], text: str
                      ) -> tuple[str, str] | None:
        """The id and reply of the first of `rules` (as a form holds them, saved or not)
        that answers `text` on any channel; rules that are not whole yet are passed over."""
        usable = []
        for rule in rules:
            try:
                usable.append(_rule(msgspec.convert({**rule, "channels": []},
                                                    owner_config.AutoReply)))
            except msgspec.ValidationError:
                continue
        ordered = tuple(sorted(usable, key=lambda rule: -rule.priority))
        found = first_match(ordered, text, "")
        return (found.id, found.reply) if found is not None else None

    def welcome_with(self, titles: Sequence[str]) -> Reply | None:
        """The bot's first message to a new customer if the menu had these buttons: the
        same greeting and extra buttons (the language switch) it sends now."""
        config = copy.copy(self.current)
        # A private copy with another menu; rebuilt properly, the FAQ index would cost
        # seconds on a large FAQ for a preview that never reads it.
        object.__setattr__(config, "menu", tuple(MenuEntry(title=title, action=HANDOFF)
                                                 for title in titles) or DEFAULT_MENU)
        turn = Turn(message_kind=MessageKind.TEXT, text="/start", button_payload=None,
                    is_group_chat=False, conversation_status=ConversationStatus.OPEN,
                    now=datetime.now(UTC), channel=next(iter(Platform)))
        replies = [action for action in decide({}, turn, config).actions
                   if isinstance(action, Reply)]
        # Outside business hours the away message comes first; the menu is the one with buttons.
        return next((reply for reply in replies if reply.buttons), None)

    def submenu_with(self, title: str, titles: Sequence[str]) -> Reply | None:
        """What the bot sends when a customer presses a button opening a submenu with
        these items: the same decide as for a real press, on a private one-button menu."""
        if not titles:
            return None
        config = copy.copy(self.current)
        opening = MenuEntry(title=title, submenu=tuple(MenuEntry(title=item, action=HANDOFF)
                                                       for item in titles))
        object.__setattr__(config, "menu", (opening,))
        turn = Turn(message_kind=MessageKind.BUTTON, text=None,
                    button_payload=f"{MENU_PREFIX}0", is_group_chat=False,
                    conversation_status=ConversationStatus.OPEN, now=datetime.now(UTC),
                    channel=next(iter(Platform)))
        return next((action for action in decide({}, turn, config).actions
                     if isinstance(action, Reply) and action.buttons), None)

    def faq_answer_now(self, text: str) -> str | None:
        answer = self.current.faq_index.decide(text).answer
        return answer.question if answer is not None else None

    async def refresh(self) -> None:
        stamp = await owner_config.stored_at()
        if stamp is None or stamp == self._seen:
            return
        document = await owner_config.load_stored()
        # Indexing a large FAQ (its phrasings embedded) takes seconds: off the event loop,
        # which meanwhile answers with the configuration in use.
        self.current = await asyncio.to_thread(flow_config, document)
        self.document = document
        self._seen = stamp
        log.info("flows: configuration of %s in use", stamp.isoformat())

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.refresh()
            except Exception:
                log.exception("flows: could not read the configuration; keeping the old one")
