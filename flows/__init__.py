"""Conversation flows: pure functions (state, turn, config) → (state, actions).

`decide` is what the runtime calls for every customer message and every system event
(a resolve, a ticket's new status, an order lookup's outcome); it never does I/O.
"""

from __future__ import annotations

from typing import Any

from core.actions import FlowResult, Reply, SystemEvent, Turn
from core.events import ConversationStatus
from core.i18n import supported
from flows import opt_out, orders, survey, tickets, welcome
from flows.config import FlowConfig
from flows.intents import is_command
from flows.talk import Talk

QUIET_STATUSES = (ConversationStatus.PENDING, ConversationStatus.SNOOZED)


def decide(state: dict[str, Any], turn: Turn, config: FlowConfig) -> FlowResult:
    # Persian unless the customer chose otherwise: many Iranian customers run Telegram in
    # English, so the app's language code says nothing about the language they write.
    language = supported(state.get("lang") or turn.customer_language)
    talk = Talk(language, config, turn)
    state = {**state, "lang": language}
    if turn.system_event is not None:
        result = _system_event(state, turn, talk)
    else:
        result = _customer_turn(state, turn, talk)
    return _remember_offered(result)


def _system_event(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult:
    match turn.system_event:
        case SystemEvent.RESOLVED:
            return survey.ask(state, talk)
        case SystemEvent.TICKET_OPENED:
            return tickets.opened(state, turn, talk)
        case SystemEvent.TICKET_STATUS:
            return tickets.status_changed(state, turn, talk)
        case SystemEvent.ORDER_STATUS:
            return orders.found(state, turn, talk)
    return FlowResult(state=state)


def _customer_turn(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult:
    if turn.is_group_chat and not is_command(turn.text, "start"):
        return FlowResult(state=state)  # groups are recorded, not chatted at
    opted = opt_out.handle(state, turn, talk)
    if opted is not None:
        return opted
    if state.get("survey"):
        answered = survey.answer(state, turn, talk)
        if answered is not None:
            return answered
        state = survey.finished(state)
    away = None if state.get("away_sent") else talk.away_reply()
    if away is not None and turn.conversation_status in (ConversationStatus.OPEN,
                                                         *QUIET_STATUSES):
        state = {**state, "away_sent": True}
    else:
        away = None
    if turn.conversation_status != ConversationStatus.OPEN:
        # A person has it (or it is closed): the bot stays quiet, but for the away message.
        return FlowResult(state=state, actions=(away,) if away else ())
    result = welcome.handle(state, turn, talk)
    if away is None:
        return result
    return FlowResult(state=result.state, actions=(away, *result.actions))


def _remember_offered(result: FlowResult) -> FlowResult:
    """Keep the payloads of the last buttons sent, so that "2" can mean the second one.

    Adapters send a numbered text menu where buttons do not fit (WhatsApp above 3, Instagram
    above 13, long titles); a reply without buttons makes earlier numbers meaningless.
    """
    replies = [action for action in result.actions if isinstance(action, Reply)]
    if not replies:
        return result
    offered = [button.payload for button in replies[-1].buttons]
    state = {key: value for key, value in result.state.items() if key != "offered"}
    return FlowResult(state={**state, "offered": offered} if offered else state,
                      actions=result.actions)


__all__ = ["FlowConfig", "decide"]
