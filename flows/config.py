"""What an owner configures for the flows, as the flows see it.

Built by the runtime from the stored owner configuration (`pasokh config load`, see
docs/config.md); with nothing configured, the menu below is the bot. Everything a flow needs
per message is prepared here once per configuration: normalized keywords, parsed opening
times, holidays as dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from core.formats import DEFAULT_TZ
from core.i18n import gettext_noop
from flows.faq import FaqEntry, FaqIndex

HANDOFF = "handoff"
MAIN_MENU = "menu"
ORDER = "order"
TICKET = "ticket"


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuEntry:
    """One button: exactly one of reply, faq, submenu, action is set."""

    title: str  # the owner's text, or an English message id for the built-in entries
    reply: str | None = None
    faq: str | None = None
    submenu: tuple[MenuEntry, ...] = ()
    action: str | None = None  # HANDOFF, ORDER or TICKET


DEFAULT_MENU = (MenuEntry(title=gettext_noop("Talk to a person"), action=HANDOFF),)


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoReplyRule:
    id: str
    keywords: tuple[str, ...]  # normalized (core.text.normalize)
    reply: str
    match: str = "contains"  # exact | contains | starts_with, on whole words
    channels: frozenset[str] = frozenset()  # empty: every channel
    priority: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """Opening hours of a team. `week` has 7 days, Saturday first, as minute ranges."""

    name: str = "default"
    timezone: str = DEFAULT_TZ
    week: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()  # Gregorian dates of the owner's Jalali holidays
    away_message: str | None = None
    minutes_per_conversation: int = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveySettings:
    enabled: bool = True
    question: str | None = None  # None: the built-in, translated text
    comment_prompt: str | None = None
    thanks: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowConfig:
    menu: tuple[MenuEntry, ...] = DEFAULT_MENU
    faq: tuple[FaqEntry, ...] = ()
    auto_replies: tuple[AutoReplyRule, ...] = ()
    schedules: tuple[Schedule, ...] = ()  # none: a person may answer at any time
    team_hours: Mapping[str, str] = field(default_factory=dict)  # team name → schedule name
    survey: SurveySettings = SurveySettings()
    order_tracking: bool = False
    order_status_names: Mapping[str, str] = field(default_factory=dict)
    # Beyond flows.intents.asks_for_a_person, which knows how customers ask for a person
    # ("کارشناس" alone is one; "مشاوره با کارشناس پوست" is a question).
    handoff_phrases: tuple[str, ...] = (
        "اپراتور",
        "پشتیبان",
        "انسان",
        "با یک انسان صحبت کنم",
        "با یک نفر صحبت کنم",
        "operator",
        "human",
        "agent",
        "/human",
    )
    ticket_phrases: tuple[str, ...] = (
        "مشکل دارم",
        "یه مشکل دارم",
        "گزارش مشکل",
        "ثبت شکایت",
        "ثبت تیکت",
        "moshkel daram",
        "i have a problem",
        "report a problem",
        "/ticket",
    )
    order_phrases: tuple[str, ...] = (
        "پیگیری سفارش",
        "وضعیت سفارش",
        "peygiri sefaresh",
        "vaziat sefaresh",
        "track my order",
        "order status",
        "/order",
    )
    faq_by_id: dict[str, FaqEntry] = field(init=False, compare=False, repr=False)
    faq_index: FaqIndex = field(init=False, compare=False, repr=False)
    schedule_by_name: dict[str, Schedule] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Built once per configuration, not per message: the index precomputes every form.
        object.__setattr__(self, "faq_by_id", {entry.id: entry for entry in self.faq})
        object.__setattr__(self, "faq_index", FaqIndex(self.faq))
        object.__setattr__(self, "schedule_by_name", {s.name: s for s in self.schedules})
        # Highest priority first; equal priorities keep the owner's order (sorted is stable).
        object.__setattr__(self, "auto_replies",
                           tuple(sorted(self.auto_replies, key=lambda rule: -rule.priority)))

    def schedule_for(self, team: str | None) -> Schedule | None:
        """The team's hours, else the one named "default", else the first; None: always open."""
        if team is not None and team in self.team_hours:
            return self.schedule_by_name.get(self.team_hours[team])
        return self.schedule_by_name.get("default") or next(iter(self.schedules), None)
