"""What the bot says, in the conversation's language: the pieces every flow shares.

Owner texts (answers, titles, the away message) are sent as written and never formatted;
only our own translated messages have `{named}` placeholders, filled with our own values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.actions import FaqMatchFact, FlowResult, Handoff, Reply, Turn
from core.events import Button
from core.formats import format_jalali_datetime, format_number, weekday_name
from core.i18n import translation
from core.text import to_persian_digits
from flows.config import HANDOFF, MAIN_MENU, FlowConfig, MenuEntry, Schedule
from flows.hours import answer_estimate, is_open, next_opening

MENU_PREFIX = "m:"
FAQ_PREFIX = "faq:"
WITH_AGENT = "with_agent"
IN_MENU = "menu"


class Talk:
    def __init__(self, language: str, config: FlowConfig, turn: Turn) -> None:
        self.language = language
        self._ = translation(language).gettext
        self.config = config
        self.turn = turn
        self.schedule: Schedule | None = config.schedule_for(turn.team)

    # --- numbers and dates, as the customer reads them -------------------------------------

    def number(self, value: int) -> str:
        return format_number(value, self.language)

    def identifier(self, value: str) -> str:
        """An identifier, not a quantity: Persian digits, never grouped ("۱۲۳۴۵")."""
        return to_persian_digits(value) if self.language == "fa" else value

    def moment(self, moment: datetime) -> str:
        """"شنبه ۱ فروردین ۱۴۰۵، ساعت ۰۹:۰۰" in the schedule's time zone."""
        tz = self.schedule.timezone if self.schedule else "Asia/Tehran"
        return (f"{weekday_name(moment, self.language, tz)} "
                f"{format_jalali_datetime(moment, self.language, tz)}")

    # --- menus ------------------------------------------------------------------------------

    def main_menu(self, *, greet: bool) -> Reply:
        _ = self._
        text = (_("Hello! Welcome to our support. How can we help you? Choose from the menu "
                  "below, or write your question.") if greet else _("How can we help you?"))
        buttons = self.buttons(self.config.menu, path=())
        if greet:
            buttons += (self.other_language_button(),)
        return Reply(text=text, buttons=buttons)

    def buttons(self, entries: tuple[MenuEntry, ...], path: tuple[str, ...]) -> tuple[Button, ...]:
        _ = self._
        buttons = tuple(Button(title=_(entry.title),
                               payload=MENU_PREFIX + ".".join((*path, str(index))))
                        for index, entry in enumerate(entries))
        if not path:
            return buttons
        back = MENU_PREFIX + ".".join(path[:-1]) if len(path) > 1 else MAIN_MENU
        return buttons + (Button(title=_("Back"), payload=back), self.main_menu_button())

    def person_button(self) -> Button:
        return Button(title=self._("Talk to a person"), payload=HANDOFF)

    def main_menu_button(self) -> Button:
        return Button(title=self._("Main menu"), payload=MAIN_MENU)

    def other_language_button(self) -> Button:
        return (Button(title="English", payload="lang:en") if self.language == "fa"
                else Button(title="فارسی", payload="lang:fa"))

    def answered(self, state: dict[str, Any], text: str,
                 faq_match: FaqMatchFact | None = None) -> FlowResult:
        return FlowResult(state={**state, "step": IN_MENU, "unanswered": 0}, actions=(
            Reply(text=text, buttons=(self.main_menu_button(), self.person_button()),
                  faq_match=faq_match),))

    # --- a person -----------------------------------------------------------------------------

    def hand_off(self, state: dict[str, Any], reason: str, *, upset: bool = False) -> FlowResult:
        _ = self._
        opening = _("I am sorry about this.") + " " if upset else ""
        estimate = answer_estimate(self.schedule, self.turn.now, self.turn.waiting_ahead)
        if estimate.minutes is not None:
            when = _("A person from our team will answer you here in about {minutes} minutes; "
                     "you do not need to repeat your message.").format(
                         minutes=self.number(estimate.minutes))
        elif estimate.at is not None:
            when = _("Our team is not at work right now. A person will answer you here when "
                     "we are back, on {moment}; you do not need to repeat your message.").format(
                         moment=self.moment(estimate.at))
        else:
            when = _("A person from our team will answer you here; you do not need to repeat "
                     "your message.")
        return FlowResult(state={**state, "step": WITH_AGENT, "unanswered": 0}, actions=(
            Reply(text=opening + when), Handoff(reason=reason)))

    def away_reply(self) -> Reply | None:
        """The owner's away message and when the team is back, when the team is away now."""
        if self.schedule is None or is_open(self.schedule, self.turn.now):
            return None
        _ = self._
        parts = [self.schedule.away_message or _("Our team is not at work right now. The bot "
                                                 "can still answer many questions.")]
        opening = next_opening(self.schedule, self.turn.now)
        if opening is not None:
            parts.append(_("We are back on {moment}.").format(moment=self.moment(opening)))
        return Reply(text="\n\n".join(parts))


def title(text: str, limit: int = 60) -> str:
    """Buttons show a short title; a long FAQ question is cut at a word."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
