"""What adding a channel looks like from above the adapters: the forms an owner fills in,
the outcome, and the one service the panel calls to add or check a channel.

Each adapter describes its own form (adapters/base.py); the runtime offers them to the
panel through `ChannelSetup`, so the panel shows and forwards without knowing any platform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from core.i18n import LazyString


class SetupRefused(Exception):
    """The channel was not added or does not answer. `str()` is an English message id;
    `detail` is the platform's own words, when it gave any, shown as they are."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class FieldKind(StrEnum):
    SECRET = "secret"  # noqa: S105 (a kind of field: a token, left to right, not autocompleted)  # nosec B105
    NUMBER = "number"  # an id made of digits
    TEXT = "text"  # a name in any script


@dataclass(frozen=True, slots=True, kw_only=True)
class FormField:
    name: str
    label: LazyString
    kind: FieldKind
    max_chars: int
    required: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelForm:
    """How an owner adds a channel in the panel. Adapters that are set up alike (one Meta
    app for WhatsApp and Instagram) share one form and the owner picks the platform."""

    slug: str  # the form's address under /owner/channels/
    title: LazyString
    fields: tuple[FormField, ...]
    submit: LazyString
    # Shown above the fields; `%(url)s` is replaced by where the platform reaches Pasokh.
    intro: LazyString | None = None
    note: LazyString | None = None  # shown below the fields
    wrong_platform: LazyString | None = None  # when a shared form gets a platform it lacks


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferedForm:
    """A form as the panel shows it: which platforms it adds and where their webhooks go."""

    form: ChannelForm
    platforms: tuple[str, ...]
    webhook_url: str  # empty for a channel that needs no public address


@dataclass(frozen=True, slots=True, kw_only=True)
class Connected:
    channel_id: int
    name: str
    answer: str  # the platform's words (Telegram's setWebhook description), or ""
    notice: str  # an English message id, may use %(name)s


def own_address(public_url: str, scheme: str, host: str) -> str:
    """Pasokh's own address (`scheme://host[:port]`) as a page on it has it:
    PASOKH_PUBLIC_URL's when set (behind a proxy, the request's own scheme is not the
    browser's), else the request's."""
    if public_url:
        parts = urlsplit(public_url)
        return f"{parts.scheme}://{parts.netloc}"
    return f"{scheme}://{host}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Preview:
    """A site channel shown in the panel as its visitors see it, on a page of Pasokh's own
    address that the channel allows: the script to load there and the channel's key."""

    channel_id: int
    script: str  # a path on Pasokh's own address
    key: str


class ChannelSetup(Protocol):
    """The runtime's channel life-cycle, as the owners' panel uses it."""

    def forms(self) -> Sequence[OfferedForm]: ...

    def testable(self) -> frozenset[str]:
        """The platforms whose channels have a connection test."""

    async def add(self, slug: str, platform: str, values: Mapping[str, str]) -> Connected:
        """Check, set up and store a channel, and start answering for it; or SetupRefused."""

    async def check(self, channel_id: int) -> str:
        """The platform's description of a stored channel; or SetupRefused."""

    def snippets(self) -> Mapping[int, str]:
        """By channel id, what the owner pastes where the channel lives (a website's script
        line), for the channels that have one."""


@dataclass(frozen=True, slots=True)
class ButtonStyle:
    """One way a platform shows a message's buttons: at most `most` of them, with distinct
    titles of at most `title_most` characters."""

    name: LazyString
    most: int
    title_most: int

    def fits(self, titles: Sequence[str]) -> bool:
        return (len(titles) <= self.most and len(set(titles)) == len(titles)
                and all(0 < len(title) <= self.title_most for title in titles))


@dataclass(frozen=True, slots=True)
class ButtonRules:
    """How a platform shows buttons: the first of its styles they fit, else the numbered
    text menu (adapters/numbered.py). Each adapter's transport applies the same limits."""

    styles: tuple[ButtonStyle, ...]

    def style_for(self, titles: Sequence[str]) -> ButtonStyle | None:
        return next((style for style in self.styles if style.fits(titles)), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformLook:
    """How the panel shows a platform: its name, and its round badge: the adapter's own SVG
    icon (`icon_svg`, vendored in its folder), or else its letters on its colour."""

    name: LazyString
    letters: str
    colour: str  # a CSS colour
    # The platform reaches any phone number (its chats are phone keys, core.text.phone_key)
    # with texts billed per part: the reply box counts the parts and their cost.
    counts_parts: bool = False
    icon_svg: str = ""  # a whole <svg> document, drawn in a circle of the badge's size

    @staticmethod
    def icon_beside(module_file: str) -> str:
        """The `icon.svg` in the folder of the adapter module `module_file` (its __file__)."""
        return (Path(module_file).parent / "icon.svg").read_text(encoding="utf-8").strip()

    def secrets(self) -> Mapping[int, str]:
        """By channel id, the secret the owner gives their site's server (a site
        channel's, which signs visitors' identities), for the channels that have one."""

    async def rotate_secret(self, channel_id: int) -> None:
        """A new secret for a site channel: the old one stops working (OwnerError for a
        channel that has none to show)."""

    def previews(self, address: str) -> Sequence[Preview]:
        """The site channels that allow a page on Pasokh's own address (own_address), in
        the order they were added."""
