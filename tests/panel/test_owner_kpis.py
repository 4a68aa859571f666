"""The KPI dashboard: last seven days by default, definitions on the page, charts, CSV."""

from __future__ import annotations

from core.i18n import translation
from core.kpis import FIGURES
from core.models import Message
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.owner_helpers import as_owner


async def _one_conversation(client) -> None:
    await post_update(client, text_update(9301, "سلام"))

    async def processed() -> bool:
        return not await Message.filter(direction="in", processed=False).exists()

    await eventually(processed, what="the message processed")


async def test_the_dashboard_shows_this_weeks_figures_with_their_definitions(pasokh):
    await as_owner(pasokh)
    await _one_conversation(pasokh)
    response = await pasokh.get("/owner/kpis")
    assert response.status == 200
    page = await response.text()
    persian = translation("fa").gettext
    for figure in FIGURES:
        assert persian(figure.definition.message) in page, figure.key
    assert '<p class="kpi-value">۱</p>' in page  # one conversation, in Persian digits
    assert page.count("<svg") == 3
    assert "/owner/kpis.csv?from=" in page


async def test_the_csv_export_follows_the_chosen_range(pasokh):
    await as_owner(pasokh)
    await _one_conversation(pasokh)
    page = await (await pasokh.get("/owner/kpis")).text()
    start = page.index("/owner/kpis.csv?")
    link = page[start:page.index('"', start)].replace("&amp;", "&")
    response = await pasokh.get(link)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = (await response.read()).decode("utf-8")
    assert body.startswith("\ufeff")
    assert "گفتگوها,1" in body


async def test_a_range_typed_in_persian_digits_is_used_and_a_wrong_one_explained(pasokh):
    await as_owner(pasokh)
    chosen = await pasokh.get("/owner/kpis", params={"from": "۱۴۰۴/۰۱/۰۱", "to": "۱۴۰۴/۰۱/۳۱"})
    page = await chosen.text()
    assert 'value="۱۴۰۴/۰۱/۰۱"' in page and 'value="۱۴۰۴/۰۱/۳۱"' in page
    wrong = await (await pasokh.get("/owner/kpis", params={"from": "دیروز", "to": "x"})).text()
    assert "هفت روز گذشته" in wrong
    reversed_range = await pasokh.get("/owner/kpis", params={"from": "1404/02/01",
                                                             "to": "1404/01/01"})
    assert reversed_range.status == 200
    assert "هفت روز گذشته" in await reversed_range.text()
