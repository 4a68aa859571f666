"""Issue 18: a script finds the ids that `assign` takes: `GET /api/v1/users` and
`GET /api/v1/teams`, with the token, over real HTTP."""

from __future__ import annotations

from core.models import User
from tests.api.helpers import owner_token, telegram_conversation
from tests.panel.helpers import make_user


async def test_users_and_teams_give_the_ids_assign_takes(pasokh):
    headers = await owner_token()
    sara = await make_user("sara@example.com", "agent", "فروش", "پشتیبانی")
    await User.filter(id=sara).update(display_name="سارا")
    omid = await make_user("omid@example.com", "agent", "فروش")
    await User.filter(id=omid).update(active=False)

    users = await pasokh.get("/api/v1/users", headers=headers)
    assert users.status == 200
    by_email = {user["email"]: user for user in (await users.json())["items"]}
    assert set(by_email) == {"owner@example.com", "sara@example.com", "omid@example.com"}
    assert by_email["sara@example.com"] == {
        "id": sara, "name": "سارا", "display_name": "سارا", "email": "sara@example.com",
        "role": "agent", "active": True, "team_ids": by_email["sara@example.com"]["team_ids"]}
    assert by_email["owner@example.com"]["name"] == "owner@example.com"  # no display name
    assert by_email["omid@example.com"]["active"] is False

    listed = await (await pasokh.get("/api/v1/teams", headers=headers)).json()
    teams = {team["name"]: team for team in listed["items"]}
    assert teams["فروش"]["member_ids"] == [sara, omid]
    assert teams["پشتیبانی"]["member_ids"] == [sara]
    assert sorted(by_email["sara@example.com"]["team_ids"]) == sorted(
        [teams["فروش"]["id"], teams["پشتیبانی"]["id"]])

    conversation = await telegram_conversation(pasokh, 7801)
    assigned = await pasokh.post(f"/api/v1/conversations/{conversation}/assign",
                                 headers=headers,
                                 json={"user_id": sara, "team_id": teams["فروش"]["id"]})
    assert assigned.status == 200, await assigned.text()
    done = await assigned.json()
    assert (done["assignee_id"], done["team_id"]) == (sara, teams["فروش"]["id"])


async def test_users_and_teams_need_a_token(pasokh):
    for path in ("/api/v1/users", "/api/v1/teams"):
        refused = await pasokh.get(path)
        assert refused.status == 401
        assert refused.content_type == "application/problem+json"


async def test_the_openapi_document_describes_both(pasokh):
    document = await (await pasokh.get("/api/v1/openapi.json")).json()
    for path, schema in (("/api/v1/users", "Users"), ("/api/v1/teams", "Teams")):
        ok = document["paths"][path]["get"]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"]["$ref"].endswith(f"/{schema}")
    assert "team_ids" in document["components"]["schemas"]["User"]["properties"]
