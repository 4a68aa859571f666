"""Bar charts drawn on the server as inline SVG: no script, no chart library, no CDN.

Pure functions from figures to markup. Right to left by default: the first bar (the first
day, midnight, the score 1) stands on the right, as a Persian reader starts there, and
labels use Persian digits. Every piece of text is escaped. A chart is one image to
assistive technology: its <title> names it and its <desc> reads out every value, while each
bar's own <title> is the tooltip a mouse shows. The title is also written over the chart,
and a chart with nothing to show says so («هنوز داده‌ای نیست») instead of an empty axis.
Colours come from `currentColor` and the `kpi-bar` class, so the page's stylesheet can
restyle them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from core.formats import format_jalali_date, format_number
from core.i18n import current_language, gettext
from core.kpis import CSAT_SCORES, Csat, DayVolume
from core.text import to_persian_digits

WIDTH = 640
HEIGHT = 220
_HEADING = 22  # room for the chart's title
_TOP = _HEADING + 22  # and for the value over the tallest bar
_BOTTOM = 26  # room for the labels under the bars
_SIDE = 8
_BAR_SHARE = 0.7  # of each bar's slot; the rest is the gap
_MAX_LABELS = 16  # more bars than this: label every k-th one so labels do not collide
_DIRECTIONS = ("rtl", "ltr")
_LIST_SEPARATORS = {"fa": "؛ ", "en": "; "}


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar:
    label: str  # under the bar; short
    value: float
    description: str  # the bar's tooltip and its line in the chart's <desc>


def bar_chart(
    bars: Sequence[Bar], *, title: str, lang: str = "fa", direction: str = "rtl"
) -> str:
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {_DIRECTIONS}, not {direction!r}")
    plot_width = WIDTH - 2 * _SIDE
    plot_height = HEIGHT - _TOP - _BOTTOM
    baseline = HEIGHT - _BOTTOM
    tallest = max((bar.value for bar in bars), default=0)
    slot = plot_width / max(len(bars), 1)
    label_every = math.ceil(len(bars) / _MAX_LABELS) if bars else 1
    show_values = len(bars) <= _MAX_LABELS * 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="100%" role="img" direction="{direction}" class="kpi-chart"'
        f' aria-label="{escape(title)}" font-size="11" fill="currentColor">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(_LIST_SEPARATORS[lang].join(bar.description for bar in bars))}</desc>",
        f'<text class="kpi-chart-title" x="{WIDTH // 2}" y="{_HEADING - 6}"'
        f' text-anchor="middle" font-size="14" font-weight="700">{escape(title)}</text>',
        f'<line x1="{_SIDE}" y1="{baseline}" x2="{WIDTH - _SIDE}" y2="{baseline}"'
        ' stroke="currentColor" stroke-opacity="0.3"/>',
    ]
    for index, bar in enumerate(bars):
        slot_start = (
            WIDTH - _SIDE - (index + 1) * slot if direction == "rtl" else _SIDE + index * slot
        )
        centre = slot_start + slot / 2
        height = plot_height * bar.value / tallest if tallest > 0 else 0
        width = slot * _BAR_SHARE
        parts.append(
            f"<g><title>{escape(bar.description)}</title>"
            f'<rect class="kpi-bar" x="{_n(centre - width / 2)}" y="{_n(baseline - height)}"'
            f' width="{_n(width)}" height="{_n(height)}" fill="#2f6fb3"/>'
        )
        if show_values and bar.value > 0:
            parts.append(
                f'<text x="{_n(centre)}" y="{_n(baseline - height - 4)}"'
                f' text-anchor="middle">{escape(format_number(bar.value, lang))}</text>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{_n(centre)}" y="{HEIGHT - 8}" text-anchor="middle"'
                f' fill-opacity="0.7">{escape(bar.label)}</text>'
            )
        parts.append("</g>")
    if tallest <= 0:
        nothing = gettext("No data yet")
        parts.append(
            f'<text class="kpi-chart-empty" x="{WIDTH // 2}" y="{_n(_TOP + plot_height / 2)}"'
            f' text-anchor="middle" font-size="13" fill-opacity="0.7">'
            f"{escape(nothing)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def daily_volume_chart(per_day: Sequence[DayVolume]) -> str:
    """Conversations started on each day of the range, in the current language."""
    lang = current_language.get()
    bars = [
        Bar(
            label=format_number(volume.day.day, lang),
            value=volume.conversations,
            description=gettext("Conversations on %(day)s: %(count)s") % {
                "day": format_jalali_date(volume.day.togregorian(), lang),
                "count": format_number(volume.conversations, lang),
            },
        )
        for volume in per_day
    ]
    return bar_chart(bars, title=gettext("Conversations per day"), lang=lang,
                     direction=_reading_direction(lang))


def hourly_volume_chart(per_hour: Sequence[int]) -> str:
    """Conversations started in each hour of the day (0 to 23), over the whole range."""
    lang = current_language.get()
    bars = [
        Bar(
            label=format_number(hour, lang),
            value=count,
            description=gettext("Conversations from %(start)s to %(end)s: %(count)s") % {
                "start": _clock(hour, lang),
                "end": _clock((hour + 1) % 24, lang),
                "count": format_number(count, lang),
            },
        )
        for hour, count in enumerate(per_hour)
    ]
    return bar_chart(bars, title=gettext("Conversations by hour of the day"), lang=lang,
                     direction=_reading_direction(lang))


def csat_chart(csat: Csat) -> str:
    """How many survey answers gave each score, 1 to 5."""
    lang = current_language.get()
    bars = [
        Bar(
            label=format_number(score, lang),
            value=count,
            description=gettext("Answers scoring %(score)s: %(count)s") % {
                "score": format_number(score, lang),
                "count": format_number(count, lang),
            },
        )
        for score, count in zip(CSAT_SCORES, csat.distribution, strict=True)
    ]
    return bar_chart(bars, title=gettext("Survey scores"), lang=lang,
                     direction=_reading_direction(lang))


def _reading_direction(lang: str) -> str:
    return "rtl" if lang == "fa" else "ltr"


def _clock(hour: int, lang: str) -> str:
    text = f"{hour:02d}:00"
    return to_persian_digits(text) if lang == "fa" else text


def _n(coordinate: float) -> str:
    """Coordinates to two decimals, without trailing zeros: "12.5", "40"."""
    return f"{coordinate:.2f}".rstrip("0").rstrip(".")
