"""The first flow: greet with the menu, and hand over to a person when asked.

A pure function of (state, turn, config): no clock, no I/O, no database. The state is a
small JSON-able dict stored on the conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.actions import Action, FlowResult, Handoff, Reply, Turn
from core.events import Button
from core.i18n import supported, translation
from core.models import ConversationStatus
from flows.config import HANDOFF, MAIN_MENU, FlowConfig
from flows.intents import is_command, wants_a_person

START = "start"
MENU = "menu"
WITH_AGENT = "with_agent"

Translate = Callable[[str], str]


def handle(state: dict[str, Any], turn: Turn, config: FlowConfig) -> FlowResult:
    if turn.conversation_status != ConversationStatus.OPEN:
        return FlowResult(state=state)  # a person has it: the bot stays quiet
    # Persian unless the conversation chose otherwise: many Iranian customers run Telegram
    # in English, so the app's language code says nothing about the language they write.
    language = supported(state.get("lang"))
    _ = translation(language).gettext
    step = state.get("step", START)
    if turn.is_group_chat and not is_command(turn.text, "start"):
        return FlowResult(state=state)  # groups are recorded, not chatted at
    if turn.button_payload == HANDOFF or wants_a_person(turn.text, config.handoff_phrases):
        return _hand_off(state, language, _)
    handler = _STEPS.get(step, _on_menu)
    new_step, actions = handler(turn, config, _)
    return FlowResult(state={**state, "step": new_step, "lang": language}, actions=actions)


def _on_start(turn: Turn, config: FlowConfig, _: Translate) -> tuple[str, tuple[Action, ...]]:
    return MENU, (_menu_reply(_("Hello! Welcome to our support. How can we help you? "
                                "Choose from the menu below."), config, _),)


def _on_menu(turn: Turn, config: FlowConfig, _: Translate) -> tuple[str, tuple[Action, ...]]:
    if turn.button_payload == MAIN_MENU or is_command(turn.text, "start"):
        return _on_start(turn, config, _)
    if turn.button_payload is not None:  # a button of a menu that no longer exists
        return MENU, (_menu_reply(_("That menu has changed. Here is the current one."),
                                  config, _),)
    if turn.text is None:
        return MENU, ()  # a photo or a file: kept for the agents, no need to chat about it
    return MENU, (_menu_reply(_("Sorry, I did not understand that. Please choose from the "
                                "menu, or write “operator” to talk to a person."), config, _),)


_STEPS: dict[str, Callable[[Turn, FlowConfig, Translate], tuple[str, tuple[Action, ...]]]] = {
    START: _on_start,
    MENU: _on_menu,
}


def _hand_off(state: dict[str, Any], language: str, _: Translate) -> FlowResult:
    return FlowResult(
        state={**state, "step": WITH_AGENT, "lang": language},
        actions=(
            Reply(text=_("Of course. A person from our team will answer you here soon; "
                         "you do not need to repeat your message.")),
            Handoff(reason="customer asked for a person"),
        ),
    )


def _menu_reply(text: str, config: FlowConfig, _: Translate) -> Reply:
    buttons = tuple(Button(title=_(item.title), payload=item.payload) for item in config.menu)
    return Reply(text=text, buttons=buttons)
