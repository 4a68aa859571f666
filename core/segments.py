"""How many parts a text message takes, and what it costs, before it is sent.

A text message carries 140 bytes. Text that fits GSM 03.38's 7-bit alphabet takes 160
characters (153 per part once a header joins the parts; the extension characters such as
`{` and `€` count twice); any other character (Persian, an emoji) switches the whole text
to UCS-2: 70 characters, 67 per part, and a character outside the Basic Multilingual Plane
counts as two. Pure arithmetic: the reply box shows it, the tests pin it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


# (characters in one lone message, characters per part of a joined one)
_CAPACITY = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Segments:
    encoding: Encoding
    units: int  # characters as the encoding counts them (septets, or UTF-16 code units)
    parts: int  # messages the network delivers, each billed on its own
    left: int  # how many more units fit in the last part

    def cost(self, price_per_part: int) -> int:
        return self.parts * price_per_part


def encoding_of(text: str) -> Encoding:
    allowed = _GSM7_BASIC | _GSM7_EXTENDED
    return Encoding.GSM7 if all(ch in allowed for ch in text) else Encoding.UCS2


def count_segments(text: str) -> Segments:
    """The parts `text` is sent in. An empty text is one (empty) part: nothing to send, but
    the box shows how much room the first part has."""
    encoding = encoding_of(text)
    if encoding is Encoding.GSM7:
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
    else:
        units = len(text.encode("utf-16-le")) // 2
    single, joined = _CAPACITY[encoding]
    if units <= single:
        return Segments(encoding=encoding, units=units, parts=1, left=single - units)
    parts = -(-units // joined)
    return Segments(encoding=encoding, units=units, parts=parts, left=parts * joined - units)


def _unknown_price(channel_id: int) -> int:
    return 0


@dataclass(frozen=True, slots=True)
class PartBilling:
    """Which platforms reach any phone number with texts billed per part, and what a part
    costs on each of their channels (0 when the owner did not say). The runtime fills it
    from the adapters; the desk uses it for the reply box and for replies by text."""

    platforms: frozenset[str] = frozenset()
    price: Callable[[int], int] = field(default=_unknown_price)
