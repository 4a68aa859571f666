"""Issue 17, item 12: the owners' page for API tokens: make one (shown once), see its name
and when it was last used, revoke it."""

from __future__ import annotations

import re

from core.models import ApiToken
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.owner_helpers import as_owner

TOKEN = re.compile(r'<code id="new-token">(pasokh_[A-Za-z0-9_-]+)</code>')


async def test_issue_17_an_owner_makes_uses_and_revokes_a_token(pasokh):
    await as_owner(pasokh)
    made = await post_form(pasokh, "/owner/api-tokens", {"name": "وب‌سایت فروشگاه"})
    assert made.status == 200
    assert made.headers["Cache-Control"] == "no-store"
    match = TOKEN.search(await made.text())
    assert match, "the new token is shown"
    token = match[1]
    stored = await ApiToken.get(name="وب‌سایت فروشگاه")
    assert token not in stored.token_hash

    page = await (await pasokh.get("/owner/api-tokens")).text()
    assert token not in page  # shown that once only
    assert "وب‌سایت فروشگاه" in page and "هرگز" in page

    bearer = {"Authorization": f"Bearer {token}"}
    assert (await pasokh.get("/api/v1/labels", headers=bearer)).status == 200
    page = await (await pasokh.get("/owner/api-tokens")).text()
    assert "هرگز" not in page  # last used: now

    revoked = await post_form(pasokh, "/owner/api-tokens/revoke", {"token": str(stored.id)})
    assert revoked.status == 303
    assert (await pasokh.get("/api/v1/labels", headers=bearer)).status == 401
    page = await (await pasokh.get("/owner/api-tokens")).text()
    assert "باطل" in page


async def test_issue_17_a_token_needs_a_name_and_an_existing_id(pasokh):
    await as_owner(pasokh)
    for name in ("", "   ", "x" * 129):
        response = await post_form(pasokh, "/owner/api-tokens", {"name": name})
        assert response.status == 400
        assert TOKEN.search(await response.text()) is None
    for token_id in ("", "abc", "999999", "9" * 30):
        response = await post_form(pasokh, "/owner/api-tokens/revoke", {"token": token_id})
        assert response.status == 400
    assert not await ApiToken.exists()


async def test_issue_17_an_agent_has_no_tokens_page(pasokh):
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    assert (await pasokh.get("/owner/api-tokens")).status == 404
    assert (await post_form(pasokh, "/owner/api-tokens", {"name": "x"})).status == 404
    assert not await ApiToken.exists()


async def test_issue_17_making_a_token_needs_the_csrf_token(pasokh):
    await as_owner(pasokh)
    response = await pasokh.post("/owner/api-tokens", data={"name": "x"},
                                 allow_redirects=False)
    assert response.status == 403
    assert not await ApiToken.exists()
