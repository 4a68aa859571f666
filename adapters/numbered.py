"""Buttons a platform cannot show, written out as a numbered list instead.

The flows understand a reply of "1", "۱" or "١" as the first offered button, so the
customer can still choose; the numbers are written in Persian digits like the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.events import Button
from core.text import to_persian_digits


def numbered_menu(text: str, buttons: Sequence[Button]) -> str:
    lines = [f"{to_persian_digits(str(number))}. {button.title}"
             for number, button in enumerate(buttons, start=1)]
    return "\n".join([text, "", *lines]) if text else "\n".join(lines)


def split_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """`text` in as few pieces as fit, cut at line or word ends where possible."""
    pieces: list[str] = []
    rest = text
    while rest and not fits(rest):
        cut = _longest_prefix(rest, fits)
        for separator in ("\n", " "):
            at = rest.rfind(separator, 0, cut)
            if at > cut // 2:
                cut = at
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _longest_prefix(text: str, fits: Callable[[str], bool]) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle]):
            low = middle
        else:
            high = middle - 1
    return low
