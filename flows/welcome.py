"""The support conversation: greeting, the owner's menu, FAQ answers, handoff to a person.

A pure function of (state, turn, config): no clock, no I/O, no database. The state is a
small JSON-able dict stored on the conversation. Every button carries its own meaning in
its payload (`m:1.2` is the third item of the second item's submenu), so an old button still
means what it said, and the state holds no menu position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.actions import FlowResult, Handoff, Reply, Turn
from core.events import Button
from core.i18n import gettext_noop, supported, translation
from core.models import ConversationStatus
from flows.config import HANDOFF, MAIN_MENU, FlowConfig, MenuEntry
from flows.faq import FaqDecision
from flows.intents import is_command, wants_a_person

WITH_AGENT = "with_agent"
MENU_PREFIX = "m:"
FAQ_PREFIX = "faq:"
UNANSWERED_BEFORE_HANDOFF = 2  # two questions in a row the bot could not answer
# Named, so the owners' "what the bot could not answer" page can find this reply.
COULD_NOT_ANSWER = gettext_noop("Sorry, I do not know the answer to that. You can choose from "
                                "the menu, or a person from our team can help you.")

Translate = Callable[[str], str]


def handle(state: dict[str, Any], turn: Turn, config: FlowConfig) -> FlowResult:
    if turn.conversation_status != ConversationStatus.OPEN:
        return FlowResult(state=state)  # a person has it: the bot stays quiet
    if turn.is_group_chat and not is_command(turn.text, "start"):
        return FlowResult(state=state)  # groups are recorded, not chatted at
    # Persian unless the conversation chose otherwise: many Iranian customers run Telegram
    # in English, so the app's language code says nothing about the language they write.
    language = supported(state.get("lang"))
    talk = _Talk(translation(language).gettext, config)
    state = {**state, "lang": language}
    if turn.button_payload == HANDOFF or wants_a_person(turn.text, config.handoff_phrases):
        return talk.hand_off(state, "customer asked for a person")
    first_turn = "step" not in state
    asked = None if is_command(turn.text, "start") or not (turn.text or "").strip() else turn.text
    decision = config.faq_index.decide(asked) if asked and turn.button_payload is None else None
    if first_turn and decision is not None and (decision.answer or decision.choices):
        # A first message that is already a question gets its answer, not a greeting.
        return talk.answer({**state, "step": "menu", "unanswered": 0}, decision)
    if first_turn or turn.button_payload == MAIN_MENU or is_command(turn.text, "start"):
        return FlowResult(state={**state, "step": "menu", "unanswered": 0},
                          actions=(talk.main_menu(greet=first_turn),))
    if turn.button_payload is not None:
        return talk.pressed(state, turn.button_payload)
    if decision is None:
        return FlowResult(state=state)  # a photo or a file: kept for the agents
    return talk.answer(state, decision)


class _Talk:
    """What the bot says, in the conversation's language."""

    def __init__(self, gettext: Translate, config: FlowConfig) -> None:
        self._ = gettext
        self.config = config

    def main_menu(self, *, greet: bool) -> Reply:
        _ = self._
        text = (_("Hello! Welcome to our support. How can we help you? Choose from the menu "
                  "below, or write your question.") if greet else _("How can we help you?"))
        return Reply(text=text, buttons=self._buttons(self.config.menu, path=()))

    def pressed(self, state: dict[str, Any], payload: str) -> FlowResult:
        if payload.startswith(FAQ_PREFIX):
            entry = self.config.faq_by_id.get(payload.removeprefix(FAQ_PREFIX))
            if entry is not None:
                return self._answered(state, entry.answer)
        elif payload.startswith(MENU_PREFIX):
            found = _entry_at(self.config.menu, payload.removeprefix(MENU_PREFIX))
            if found is not None:
                return self._choose(state, *found)
        _ = self._
        return FlowResult(state=state, actions=(Reply(
            text=_("That menu has changed. Here is the current one."),
            buttons=self._buttons(self.config.menu, path=())),))

    def answer(self, state: dict[str, Any], decision: FaqDecision) -> FlowResult:
        _ = self._
        if decision.answer is not None:
            return self._answered(state, decision.answer.answer)
        if decision.choices:
            buttons = tuple(Button(title=_title(entry.question), payload=FAQ_PREFIX + entry.id)
                            for entry in decision.choices)
            return FlowResult(state=state, actions=(Reply(
                text=_("Did you mean one of these?"),
                buttons=buttons + (self._person_button(),)),))
        unanswered = state.get("unanswered", 0) + 1
        if unanswered >= UNANSWERED_BEFORE_HANDOFF:
            return self.hand_off({**state, "unanswered": 0}, "the bot could not answer twice")
        return FlowResult(state={**state, "unanswered": unanswered}, actions=(Reply(
            text=_(COULD_NOT_ANSWER),
            buttons=(self._person_button(), self._main_menu_button())),))

    def hand_off(self, state: dict[str, Any], reason: str) -> FlowResult:
        _ = self._
        return FlowResult(state={**state, "step": WITH_AGENT}, actions=(
            Reply(text=_("Of course. A person from our team will answer you here soon; "
                         "you do not need to repeat your message.")),
            Handoff(reason=reason),
        ))

    def _choose(self, state: dict[str, Any], entry: MenuEntry, path: str) -> FlowResult:
        if entry.action == HANDOFF:
            return self.hand_off(state, "customer chose a person from the menu")
        if entry.submenu:
            return FlowResult(state=state, actions=(Reply(
                text=_title(entry.title),
                buttons=self._buttons(entry.submenu, path=tuple(path.split(".")))),))
        if entry.faq is not None and entry.faq in self.config.faq_by_id:
            return self._answered(state, self.config.faq_by_id[entry.faq].answer)
        return self._answered(state, entry.reply or "")

    def _answered(self, state: dict[str, Any], text: str) -> FlowResult:
        return FlowResult(state={**state, "unanswered": 0}, actions=(
            Reply(text=text, buttons=(self._main_menu_button(), self._person_button())),))

    def _buttons(self, entries: tuple[MenuEntry, ...], path: tuple[str, ...]) -> tuple[Button, ...]:
        _ = self._
        buttons = tuple(Button(title=_(entry.title),
                               payload=MENU_PREFIX + ".".join((*path, str(index))))
                        for index, entry in enumerate(entries))
        if not path:
            return buttons
        back = MENU_PREFIX + ".".join(path[:-1]) if len(path) > 1 else MAIN_MENU
        return buttons + (Button(title=_("Back"), payload=back), self._main_menu_button())

    def _person_button(self) -> Button:
        return Button(title=self._("Talk to a person"), payload=HANDOFF)

    def _main_menu_button(self) -> Button:
        return Button(title=self._("Main menu"), payload=MAIN_MENU)


def _entry_at(menu: tuple[MenuEntry, ...], path: str) -> tuple[MenuEntry, str] | None:
    entries, entry = menu, None
    for step in path.split("."):
        if not step.isdigit() or int(step) >= len(entries):
            return None
        entry = entries[int(step)]
        entries = entry.submenu
    return (entry, path) if entry is not None else None


def _title(text: str, limit: int = 60) -> str:
    """Buttons show a short title; a long FAQ question is cut at a word."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
