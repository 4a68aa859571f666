"""The owners' pages exist for owners only: an agent gets the 404 of a page that is not there."""

from __future__ import annotations

import re

from admin_panel.owner_routes import OWNER_ROUTES
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.owner_helpers import as_owner

_PARAMS = re.compile(r"\{[^}]+\}")


def _path(path: str, ids: dict[str, str] | None = None) -> str:
    """The path with its {parameters} filled: a seeded thing's id where `ids` has one."""
    return _PARAMS.sub(lambda found: (ids or {}).get(found.group(0)[1:-1], "menu"), path)


async def _seeded() -> dict[str, str]:
    """Things whose pages are visited by id: a broadcast (to nobody yet)."""
    from adapters import ADAPTERS
    from core import broadcasts
    from core.clock import utcnow
    from core.segments import PartBilling

    broadcast_id = await broadcasts.start(
        broadcasts.Audience(), "{name} عزیز، سلام", utcnow(),
        lambda platform: ADAPTERS[platform].proactive, PartBilling(), user_id=None)
    return {"broadcast_id": str(broadcast_id)}


# Pages of one thing that must exist first (an endpoint's page: tests/panel/
# test_issue_17_webhooks_page.py; a web chat channel's preview frame:
# tests/adapters/webchat/test_issue_14_webchat_http.py) are left out of the loops over every
# page below.


async def test_an_agent_gets_404_on_every_owner_page_and_action(pasokh):
    await make_user("agent@example.com", "agent", "sales")
    await log_in(pasokh, "agent@example.com")
    for method, path, _, _ in OWNER_ROUTES:
        if method == "GET":
            response = await pasokh.get(_path(path), allow_redirects=False)
        else:
            response = await post_form(pasokh, _path(path), {"name": "x", "user": "1"})
        assert response.status == 404, (method, path)
    inbox = await (await pasokh.get("/")).text()
    assert "/owner/kpis" not in inbox


async def test_an_owner_sees_every_owner_page_in_persian(pasokh):
    await as_owner(pasokh)
    inbox = await (await pasokh.get("/")).text()
    assert "/owner/kpis" in inbox
    ids = await _seeded()
    for method, path, _, name in OWNER_ROUTES:
        if method != "GET" or name in ("kpis_csv", "faq_csv", "webhook", "targets_csv",
                                       "config_download", "try_widget"):
            continue
        response = await pasokh.get(_path(path, ids))
        assert response.status == 200, path
        page = await response.text()
        assert '<html lang="fa" dir="rtl">' in page, path


async def test_a_visitor_is_sent_to_the_login_form(pasokh):
    response = await pasokh.get("/owner/faq", allow_redirects=False)
    assert response.status == 303


async def test_every_owner_page_reads_in_english_too(pasokh):
    await as_owner(pasokh)
    await post_form(pasokh, "/language", {"lang": "en", "next": "/owner"})
    ids = await _seeded()
    for method, path, _, name in OWNER_ROUTES:
        if method != "GET" or name in ("kpis_csv", "faq_csv", "webhook", "targets_csv",
                                       "config_download", "try_widget"):
            continue
        page = await (await pasokh.get(_path(path, ids))).text()
        assert '<html lang="en" dir="ltr">' in page, path
    kpis = await (await pasokh.get("/owner/kpis")).text()
    assert "Conversations that started in the chosen days" in kpis
