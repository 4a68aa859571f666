"""Server-side SVG charts: well-formed, right to left, Persian digits, escaped, accessible."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jdatetime
import pytest

from admin_panel.charts import (
    Bar,
    bar_chart,
    csat_chart,
    daily_volume_chart,
    hourly_volume_chart,
)
from core.i18n import current_language
from core.kpis import Csat, DayVolume

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def bars_of(root: ET.Element) -> list[tuple[float, float, float, str]]:
    """(x, height, y, tooltip) of every bar, in the order the chart drew them."""
    found = []
    for group in root.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        found.append((float(rect.get("x")), float(rect.get("height")), float(rect.get("y")),
                      group.find(f"{SVG}title").text))
    return found


@pytest.fixture
def english():
    token = current_language.set("en")
    yield
    current_language.reset(token)


def test_heights_are_proportional_and_rtl_puts_the_first_bar_on_the_right():
    root = parse(bar_chart(
        [Bar(label="a", value=1, description="one"), Bar(label="b", value=4, description="four"),
         Bar(label="c", value=2, description="two")],
        title="t",
    ))
    drawn = bars_of(root)
    heights = [height for _, height, _, _ in drawn]
    assert heights[1] == max(heights)
    assert heights[0] * 4 == pytest.approx(heights[1])
    assert heights[2] * 2 == pytest.approx(heights[1])
    xs = [x for x, _, _, _ in drawn]
    assert xs[0] > xs[1] > xs[2]
    # Every bar stands on the same baseline.
    assert len({round(y + height, 6) for _, height, y, _ in drawn}) == 1


def test_ltr_puts_the_first_bar_on_the_left():
    root = parse(bar_chart(
        [Bar(label="a", value=1, description="x"), Bar(label="b", value=1, description="y")],
        title="t", direction="ltr",
    ))
    xs = [x for x, _, _, _ in bars_of(root)]
    assert xs[0] < xs[1]
    assert root.get("direction") == "ltr"


def test_all_zero_and_empty_charts_draw_without_dividing_by_zero():
    zero = bars_of(parse(bar_chart([Bar(label="a", value=0, description="z")], title="t")))
    assert [height for _, height, _, _ in zero] == [0.0]
    empty = parse(bar_chart([], title="nothing"))
    assert empty.find(f"{SVG}title").text == "nothing"
    assert bars_of(empty) == []


def test_issue_18_every_chart_shows_its_title_and_an_empty_one_says_there_is_no_data():
    def texts(root: ET.Element, kind: str) -> list[str]:
        return [t.text for t in root.iter(f"{SVG}text") if t.get("class") == kind]

    empty = parse(bar_chart([Bar(label="a", value=0, description="z")], title="گفتگوها"))
    assert texts(empty, "kpi-chart-title") == ["گفتگوها"]
    assert texts(empty, "kpi-chart-empty") == ["هنوز داده‌ای نیست"]
    drawn = parse(bar_chart([Bar(label="a", value=3, description="z")], title="گفتگوها"))
    assert texts(drawn, "kpi-chart-title") == ["گفتگوها"]
    assert texts(drawn, "kpi-chart-empty") == []
    for chart in (daily_volume_chart([]), hourly_volume_chart([0] * 24)):
        assert texts(parse(chart), "kpi-chart-title")[0]


def test_text_is_escaped_everywhere():
    hostile = '<script>alert(1)</script>" onload="x'
    svg = bar_chart([Bar(label=hostile, value=1, description=hostile)], title=hostile)
    root = parse(svg)
    assert "<script>" not in svg
    assert root.get("onload") is None
    assert root.get("aria-label") == hostile
    assert root.find(f"{SVG}title").text == hostile
    assert bars_of(root)[0][3] == hostile
    assert not list(root.iter(f"{SVG}script"))


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        bar_chart([], title="t", direction="up")


def test_daily_chart_in_persian_has_persian_digits_jalali_dates_and_a_description():
    days = [DayVolume(day=jdatetime.date(1405, 1, d), conversations=n)
            for d, n in ((10, 3), (11, 12), (12, 0))]
    root = parse(daily_volume_chart(days))
    assert root.get("direction") == "rtl"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "گفتگوها در هر روز"
    tooltips = [tooltip for _, _, _, tooltip in bars_of(root)]
    assert tooltips == [
        "گفتگوهای ۱۰ فروردین ۱۴۰۵: ۳",
        "گفتگوهای ۱۱ فروردین ۱۴۰۵: ۱۲",
        "گفتگوهای ۱۲ فروردین ۱۴۰۵: ۰",
    ]
    assert root.find(f"{SVG}desc").text == "؛ ".join(tooltips)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "۱۰" in labels and "۱۲" in labels  # value 12 and day 12
    assert not any(ch.isascii() and ch.isdigit() for label in labels for ch in label)


def test_long_ranges_label_every_kth_bar_and_drop_the_values():
    days = [DayVolume(day=jdatetime.date(1405, 1, 1) + jdatetime.timedelta(days=i),
                      conversations=i) for i in range(90)]
    root = parse(daily_volume_chart(days))
    assert len(bars_of(root)) == 90
    labels = [text for text in root.iter(f"{SVG}text") if text.get("class") is None]
    assert len(labels) == 15  # every 6th of 90 (16 at most), and no values over the bars


def test_hourly_chart_has_24_bars(english):
    per_hour = tuple(range(24))
    root = parse(hourly_volume_chart(per_hour))
    drawn = bars_of(root)
    assert len(drawn) == 24
    assert root.get("direction") == "ltr"
    assert drawn[0][3] == "Conversations from 00:00 to 01:00: 0"
    assert drawn[23][3] == "Conversations from 23:00 to 00:00: 23"


def test_csat_chart_in_persian():
    root = parse(csat_chart(Csat(distribution=(1, 0, 0, 2, 5))))
    drawn = bars_of(root)
    assert [tooltip for _, _, _, tooltip in drawn] == [
        "پاسخ‌های با امتیاز ۱: ۱", "پاسخ‌های با امتیاز ۲: ۰", "پاسخ‌های با امتیاز ۳: ۰",
        "پاسخ‌های با امتیاز ۴: ۲", "پاسخ‌های با امتیاز ۵: ۵",
    ]
    assert drawn[4][1] == 5 * drawn[0][1]
