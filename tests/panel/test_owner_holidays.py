"""The holiday calendar on the business hours page: Jalali months, a day toggled."""

from __future__ import annotations

from core import owner_config
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner

HOURS = """\
business_hours:
  - name: default
    week:
      saturday: ["09:00-17:00"]
    holidays: ["1405-01-01"]
"""


async def test_the_month_shows_holidays_and_a_pressed_day_toggles(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(HOURS))
    page = await (await pasokh.get("/owner/settings/business_hours?month=1405-01")).text()
    assert "فروردین" in page and "۱۴۰۵" in page and "شنبه" in page
    assert page.count('aria-pressed="true"') == 1  # Nowruz, 1 Farvardin

    response = await post_form(pasokh, "/owner/settings/business_hours/holiday",
                               {"schedule": "default", "day": "1405-01-13", "version": await _v()})
    assert response.status == 303
    (hours,) = (await owner_config.load_stored()).business_hours
    assert hours.holidays == ["1405-01-01", "1405-01-13"]

    await post_form(pasokh, "/owner/settings/business_hours/holiday",
                    {"schedule": "default", "day": "1405-01-01", "version": await _v()})
    (hours,) = (await owner_config.load_stored()).business_hours
    assert hours.holidays == ["1405-01-13"]


async def test_a_day_the_calendar_lacks_or_an_unknown_schedule_changes_nothing(pasokh):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(HOURS))
    for schedule, day in (("default", "1405-07-31"), ("night", "1405-01-02")):
        response = await post_form(pasokh, "/owner/settings/business_hours/holiday",
                                   {"schedule": schedule, "day": day, "version": await _v()})
        assert response.status == 400
    (hours,) = (await owner_config.load_stored()).business_hours
    assert hours.holidays == ["1405-01-01"]


async def _v() -> str:
    from core import owner_settings

    return await owner_settings.version()
