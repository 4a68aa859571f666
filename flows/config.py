"""What an owner configures for the flows, as the flows see it.

Built by the runtime from the stored owner configuration (`pasokh config load`, see
docs/config.md); with nothing configured, the menu below is the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.i18n import gettext_noop
from flows.faq import FaqEntry, FaqIndex

HANDOFF = "handoff"
MAIN_MENU = "menu"


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuEntry:
    """One button: exactly one of reply, faq, submenu, action is set."""

    title: str  # the owner's text, or an English message id for the built-in entries
    reply: str | None = None
    faq: str | None = None
    submenu: tuple[MenuEntry, ...] = ()
    action: str | None = None


DEFAULT_MENU = (MenuEntry(title=gettext_noop("Talk to a person"), action=HANDOFF),)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowConfig:
    menu: tuple[MenuEntry, ...] = DEFAULT_MENU
    faq: tuple[FaqEntry, ...] = ()
    handoff_phrases: tuple[str, ...] = (
        "اپراتور",
        "پشتیبان",
        "کارشناس",
        "انسان",
        "با یک انسان صحبت کنم",
        "با یک نفر صحبت کنم",
        "operator",
        "human",
        "agent",
        "/human",
    )
    faq_by_id: dict[str, FaqEntry] = field(init=False, compare=False, repr=False)
    faq_index: FaqIndex = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Built once per configuration, not per message: the index precomputes every form.
        object.__setattr__(self, "faq_by_id", {entry.id: entry for entry in self.faq})
        object.__setattr__(self, "faq_index", FaqIndex(self.faq))
