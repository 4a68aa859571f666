"""The support conversation while the bot has it: greeting, the owner's menu, keyword rules,
FAQ answers, order tracking, tickets, and handoff to a person.

A pure function of (state, turn, talk): no clock, no I/O, no database. The state is a small
JSON-able dict stored on the conversation. Every button carries its own meaning in its payload
(`m:1.2` is the third item of the second item's submenu), so an old button still means what
it said, and the state holds no menu position.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import Any

from core.actions import FaqMatchFact, FlowResult, Reply, ReplyOutcome, SetLanguage, Turn
from core.events import Button
from core.i18n import LANGUAGES, gettext_noop
from flows import auto_replies, intents, orders, routing, tickets
from flows.config import HANDOFF, MAIN_MENU, ORDER, TICKET, MenuEntry
from flows.faq import FaqDecision
from flows.intents import chosen_language, is_command, picked_number
from flows.routing import Route
from flows.survey import SCORE_PREFIX
from flows.talk import FAQ_PREFIX, IN_MENU, MENU_PREFIX, Talk, title

LANGUAGE_PREFIX = "lang:"
UNANSWERED_BEFORE_HANDOFF = 2  # two questions in a row the bot could not answer
# Marked ReplyOutcome.COULD_NOT_ANSWER: the owners' "what the bot could not answer" page
# finds it by that fact, whatever the language (migration 0012 marked the earlier ones).
COULD_NOT_ANSWER = gettext_noop("Sorry, I do not know the answer to that. You can choose from "
                                "the menu, or a person from our team can help you.")


def handle(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult:
    return _Turn(state, turn, talk).result()


class _Turn:
    def __init__(self, state: dict[str, Any], turn: Turn, talk: Talk) -> None:
        self.state = state
        self.turn = turn
        self.talk = talk
        self.config = talk.config

    @cached_property
    def question(self) -> str | None:
        text = self.turn.text
        if self.turn.button_payload is not None or is_command(text, "start"):
            return None
        return text if text and text.strip() else None

    @cached_property
    def route(self) -> Route | None:
        return routing.route(self.question, self.config) if self.question else None

    def result(self) -> FlowResult:
        state, turn, talk = self.state, self.turn, self.talk
        language = _language_asked(turn)
        if language is not None:
            return _switch_language(state, language, turn, talk)
        route = self.route
        if turn.button_payload == HANDOFF or (route and route.kind == routing.HANDOFF
                                              and not route.upset):
            return talk.hand_off(state, "customer asked for a person")
        if route and route.kind == routing.HANDOFF:
            return talk.hand_off(state, "customer is upset", upset=True)
        step = state.get("step")
        if is_command(turn.text, "start") or turn.button_payload == MAIN_MENU:
            return self._menu(greet=step is None)
        if turn.button_payload is None and step == orders.ASKING:
            answered = orders.number_given(state, turn, talk, route)
            if answered is not None:
                return answered
        picked = self._picked()
        if picked is not None:  # from here on, exactly as if the button had been pressed
            return _Turn(state, replace(turn, text=None, button_payload=picked), talk).result()
        if turn.button_payload is not None:
            return self._pressed(turn.button_payload)
        if step == tickets.DESCRIBING:
            return tickets.described(state, turn, talk)
        return self._free_text(first_turn=step is None)

    def _picked(self) -> str | None:
        """A number typed for a numbered menu (where buttons did not fit) is that button."""
        offered = self.state.get("offered") or []
        number = picked_number(self.turn.text) if self.turn.button_payload is None else None
        if number is None or not 1 <= number <= len(offered):
            return None
        return offered[number - 1]

    def _free_text(self, *, first_turn: bool) -> FlowResult:
        """An order number first, then the owner's keyword rules, then where the message
        routes (flows.routing: small talk, the FAQ, an order or a ticket asked for in words),
        else the menu on a first message, else "I do not know"."""
        state, turn, talk, config = self.state, self.turn, self.talk, self.config
        route = self.route
        if route is not None and route.kind == routing.ORDER and route.order_id is not None:
            return orders.look_up(state, route.order_id, talk)
        rule = auto_replies.first_match(config.auto_replies, turn.text, turn.channel)
        if rule is not None and not auto_replies.fired_recently(state, rule, turn.now):
            return talk.answered(auto_replies.remember(state, rule, turn.now), rule.reply)
        if route is None:
            return self._menu(greet=True) if first_turn else FlowResult(state=state)
        if route.kind == routing.SMALLTALK and route.small_talk is not None:
            return self._small_talk(route.small_talk, first_turn=first_turn)
        if route.kind in (routing.ANSWER, routing.CHOICES) and route.faq is not None:
            return self._answer(route.faq)
        if route.kind == routing.ORDER:
            return orders.ask(state, talk)
        if route.kind == routing.TICKET:
            return tickets.ask(state, talk)
        if first_turn:
            return self._menu(greet=True)
        return self._not_known()

    def _small_talk(self, kind: str, *, first_turn: bool) -> FlowResult:
        """A short, friendly word back; a greeting that opens the conversation gets the menu."""
        if first_turn and kind in (intents.GREETING, intents.HOW_ARE_YOU):
            return self._menu(greet=True)
        _ = self.talk._
        state = {**self.state, "step": IN_MENU}
        if kind == intents.BOT:
            return FlowResult(state=state, actions=(Reply(
                text=_("I am this shop's automatic assistant. Write your question, or talk to "
                       "a person from our team."),
                buttons=(self.talk.person_button(), self.talk.main_menu_button())),))
        text = {
            intents.GREETING: _("Hello again! How can I help you?"),
            intents.HOW_ARE_YOU: _("I am well, thank you! How can I help you?"),
            intents.THANKS: _("You are welcome! If you have another question, just write it."),
            intents.BYE: _("Goodbye! We are here whenever you need us."),
            intents.COMPLIMENT: _("Thank you, that is kind of you!"),
        }.get(kind, _("Good. If there is anything else, just write it."))
        return FlowResult(state=state, actions=(Reply(text=text),))

    def _menu(self, *, greet: bool) -> FlowResult:
        state = {**self.state, "step": IN_MENU, "unanswered": 0}
        return FlowResult(state=state, actions=(self.talk.main_menu(greet=greet),))

    def _pressed(self, payload: str) -> FlowResult:
        talk, config = self.talk, self.config
        state = {**self.state, "step": IN_MENU}
        if payload == ORDER and config.order_tracking:
            return orders.ask(state, talk)
        if payload == TICKET:
            return tickets.ask(state, talk)
        if payload.startswith(SCORE_PREFIX):
            return FlowResult(state=self.state)  # a survey button pressed again: answered
        if payload.startswith(FAQ_PREFIX):
            entry = config.faq_by_id.get(payload.removeprefix(FAQ_PREFIX))
            if entry is not None:
                return talk.answered(state, entry.answer)
        elif payload.startswith(MENU_PREFIX):
            found = _entry_at(config.menu, payload.removeprefix(MENU_PREFIX))
            if found is not None:
                return self._choose(state, *found)
        _ = talk._
        return FlowResult(state=state, actions=(Reply(
            text=_("That menu has changed. Here is the current one."),
            buttons=talk.buttons(config.menu, path=())),))

    def _choose(self, state: dict[str, Any], entry: MenuEntry, path: str) -> FlowResult:
        talk = self.talk
        if entry.action == HANDOFF:
            return talk.hand_off(state, "customer chose a person from the menu")
        if entry.action == ORDER and self.config.order_tracking:
            return orders.ask(state, talk)
        if entry.action == TICKET:
            return tickets.ask(state, talk)
        if entry.submenu:
            return FlowResult(state=state, actions=(Reply(
                text=title(entry.title),
                buttons=talk.buttons(entry.submenu, path=tuple(path.split(".")))),))
        if entry.faq is not None and entry.faq in self.config.faq_by_id:
            return talk.answered(state, self.config.faq_by_id[entry.faq].answer)
        return talk.answered(state, entry.reply or "")

    def _answer(self, decision: FaqDecision) -> FlowResult:
        talk = self.talk
        state = {**self.state, "step": IN_MENU}
        if decision.answer is not None:
            return talk.answered(state, decision.answer.answer, faq_match=FaqMatchFact(
                entry_id=decision.answer.id, question=decision.answer.question,
                confidence=decision.confidence, phrase=decision.phrase, words=decision.words))
        _ = talk._
        buttons = tuple(Button(title=title(entry.question), payload=FAQ_PREFIX + entry.id)
                        for entry in decision.choices)
        return FlowResult(state=state, actions=(Reply(
            text=_("Did you mean one of these?"),
            buttons=buttons + (talk.person_button(), talk.main_menu_button())),))

    def _not_known(self) -> FlowResult:
        talk = self.talk
        unanswered = self.state.get("unanswered", 0) + 1
        state = {**self.state, "step": IN_MENU, "unanswered": unanswered}
        if unanswered >= UNANSWERED_BEFORE_HANDOFF:
            return talk.hand_off(state, "the bot could not answer twice")
        _ = talk._
        return FlowResult(state=state, actions=(Reply(
            text=_(COULD_NOT_ANSWER), outcome=ReplyOutcome.COULD_NOT_ANSWER,
            buttons=(talk.person_button(), talk.main_menu_button())),))


def _language_asked(turn: Turn) -> str | None:
    payload = turn.button_payload or ""
    if payload.startswith(LANGUAGE_PREFIX):
        language = payload.removeprefix(LANGUAGE_PREFIX)
        return language if language in LANGUAGES else None
    return chosen_language(turn.text) if turn.button_payload is None else None


def _switch_language(state: dict[str, Any], language: str, turn: Turn, talk: Talk
                     ) -> FlowResult:
    spoken = Talk(language, talk.config, turn)
    state = {**state, "lang": language, "step": IN_MENU, "unanswered": 0}
    return FlowResult(state=state, actions=(SetLanguage(language=language),
                                            spoken.main_menu(greet=False)))


def _entry_at(menu: tuple[MenuEntry, ...], path: str) -> tuple[MenuEntry, str] | None:
    entries, entry = menu, None
    for step in path.split("."):
        if not step.isdigit() or int(step) >= len(entries):
            return None
        entry = entries[int(step)]
        entries = entry.submenu
    return (entry, path) if entry is not None else None
