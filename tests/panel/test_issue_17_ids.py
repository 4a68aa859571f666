"""Issue 17, item 3: a number no id of ours can be (past 64 bits, past PostgreSQL's
integer, zero, negative) is a 4xx wherever an id is taken — panel filters, forms and
paths; the API's query, bodies, paths and cursors — never a 500.
"""

from __future__ import annotations

import base64
import json

import pytest

from core.ids import MAX_ID, NotAnId, parse_id
from tests.api.helpers import owner_token, telegram_conversation
from tests.panel.helpers import log_in, make_user, post_form

PROBLEM = "application/problem+json"
NOT_IDS = [str(2**70), str(2**64), str(2**63), str(MAX_ID + 1), "0", "-1", "1e3", "۱۲x"]


@pytest.mark.parametrize("raw", NOT_IDS)
def test_issue_17_parse_id_refuses_what_no_column_holds(raw):
    with pytest.raises(NotAnId):
        parse_id(raw)


def test_issue_17_parse_id_takes_persian_digits_and_blank():
    assert parse_id("۴۲") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(" ") is None
    assert parse_id(None) is None


@pytest.fixture
async def owner(pasokh):
    await make_user("owner@example.com", "owner")
    assert (await log_in(pasokh, "owner@example.com")).status == 303
    return pasokh


@pytest.mark.parametrize("raw", NOT_IDS)
async def test_issue_17_panel_filters_with_no_id_are_400(owner, raw):
    for path in ("/", "/inbox/rows"):
        for name in ("team", "channel"):
            response = await owner.get(path, params={name: raw})
            assert response.status == 400, (path, name, raw)


async def test_issue_17_panel_paths_with_huge_ids_are_404(owner):
    huge = str(2**70)
    for path in (f"/conversations/{huge}", f"/conversations/{MAX_ID + 1}",
                 f"/customers/{huge}", f"/customers/1/tickets/{huge}", f"/media/{huge}",
                 f"/media/{2**63}"):
        assert (await owner.get(path)).status in (404, 405), path
    for action in ("assign", "resolve", "reply"):
        response = await post_form(owner, f"/conversations/{huge}/{action}", {"text": "x"})
        assert response.status == 404, action
    response = await post_form(owner, f"/customers/{huge}/merge", {"other": "1"})
    assert response.status == 404


async def test_issue_17_panel_assign_form_with_huge_ids_is_400(owner):
    conversation_id = await telegram_conversation(owner, 7101)
    for field in ("team", "assignee"):
        response = await post_form(owner, f"/conversations/{conversation_id}/assign",
                                   {field: str(2**70)})
        assert response.status == 400, field
    merge = await post_form(owner, "/customers/1/merge", {"other": str(2**70)})
    assert merge.status == 404


async def test_issue_17_owner_filters_with_huge_ids_show_everything(owner):
    response = await owner.get("/owner/kpis", params={"channel": str(2**70),
                                                      "team": str(MAX_ID + 1)})
    assert response.status == 200


# --- the API: its problem format ---------------------------------------------------------


async def _problem(response, *statuses: int) -> dict:
    assert response.status in statuses, await response.text()
    assert response.content_type == PROBLEM
    return await response.json(content_type=PROBLEM)


def _cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


# The API reads "1e3" as the number 1000, which may be an id.
@pytest.mark.parametrize("raw", [raw for raw in NOT_IDS if raw != "1e3"])
async def test_issue_17_api_query_ids_are_400(pasokh, raw):
    headers = await owner_token()
    for name in ("team", "channel"):
        response = await pasokh.get("/api/v1/conversations", params={name: raw},
                                    headers=headers)
        await _problem(response, 400)


async def test_issue_17_api_paths_bodies_and_cursors(pasokh):
    headers = await owner_token()
    conversation_id = await telegram_conversation(pasokh, 7102)
    huge = 2**70
    for path in (f"/api/v1/conversations/{huge}", f"/api/v1/conversations/{MAX_ID + 1}",
                 f"/api/v1/conversations/{huge}/messages", f"/api/v1/customers/{huge}"):
        await _problem(await pasokh.get(path, headers=headers), 404)
    assign = f"/api/v1/conversations/{conversation_id}/assign"
    for body in ({"team_id": huge}, {"user_id": huge}, {"user_id": 2**63},
                 {"team_id": MAX_ID + 1}, {"user_id": 0}, {"team_id": -5}):
        await _problem(await pasokh.post(assign, json=body, headers=headers), 422)
    pages = (
        ("/api/v1/conversations", _cursor("2026-01-01T00:00:00Z", huge)),
        ("/api/v1/conversations", _cursor("2026-01-01T00:00:00Z", MAX_ID + 1)),
        (f"/api/v1/conversations/{conversation_id}/messages", _cursor(huge)),
        (f"/api/v1/conversations/{conversation_id}/messages", _cursor(2**63)),
        (f"/api/v1/conversations/{conversation_id}/notes", _cursor(MAX_ID + 1)),
        ("/api/v1/customers", _cursor(huge)),
        ("/api/v1/customers", _cursor(-1)),
    )
    for path, cursor in pages:
        response = await pasokh.get(path, params={"cursor": cursor}, headers=headers)
        await _problem(response, 400)
    for limit in (str(huge), "0", "-1", "x"):
        response = await pasokh.get("/api/v1/customers", params={"limit": limit},
                                    headers=headers)
        await _problem(response, 400)
