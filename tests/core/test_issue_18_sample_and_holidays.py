"""Issue 18: the sample shop a fresh install starts with, and Iran's fixed official holidays
offered for import."""

from __future__ import annotations

from datetime import date

import jdatetime

from core import holidays, owner_config, sample_shop
from tests.test_cli import pasokh


def test_the_coming_twelve_months_of_fixed_official_holidays():
    found = holidays.coming(date(2026, 12, 2))  # 11 Azar 1405
    assert [h.key for h in found] == [
        "1405-11-22", "1405-12-29", "1406-01-01", "1406-01-02", "1406-01-03", "1406-01-04",
        "1406-01-12", "1406-01-13", "1406-03-14", "1406-03-15"]
    assert found[2].names == {"fa": "عید نوروز", "en": "Nowruz"}


def test_a_holiday_today_is_offered_and_next_years_same_day_is_not():
    nowruz = jdatetime.date(1406, 1, 1).togregorian()
    keys = [h.key for h in holidays.coming(nowruz)]
    assert keys[0] == "1406-01-01" and "1407-01-01" not in keys and len(keys) == 10


def test_the_sample_shop_is_a_valid_persian_configuration():
    document = sample_shop.sample()
    assert owner_config.parse(owner_config.dump(document)) == document
    assert len(document.faq) == 5 and len(document.menu) == 4
    assert document.business_hours[0].week.saturday == ["09:00-13:00", "16:00-20:00"]
    assert any("{name}" in reply.text for reply in document.canned_replies)


async def test_the_sample_is_installed_only_where_nothing_was_ever_configured(database):
    assert await sample_shop.install_if_fresh()
    assert await sample_shop.in_use()
    await owner_config.store(owner_config.OwnerDocument())  # the owner cleared it
    assert not await sample_shop.install_if_fresh()
    assert (await owner_config.load_stored()).faq == []


def test_the_first_owner_added_gets_the_sample_shop(tmp_path):
    first = pasokh("user", "add", "owner@shop.ir", "--role", "owner", cwd=tmp_path,
                   PASOKH_PASSWORD="a-long-passphrase")
    assert first.returncode == 0, first.stderr
    assert "sample shop" in first.stdout
    second = pasokh("user", "add", "two@shop.ir", "--role", "owner", cwd=tmp_path,
                    PASOKH_PASSWORD="a-long-passphrase")
    assert "sample shop" not in second.stdout
    exported = pasokh("config", "export", cwd=tmp_path)
    assert "سفارشم کی می‌رسد؟" in exported.stdout
