"""The API over real HTTP, with Telegram messages arriving through the webhook and replies
going out to the fake Bot API."""

from __future__ import annotations

from core.api_tokens import create_token, revoke_token
from core.models import Conversation, Message, OutboxItem, Team
from tests.api.helpers import owner_token, telegram_conversation
from tests.integration.helpers import eventually
from tests.panel.helpers import make_user

PROBLEM = "application/problem+json"


async def _problem(response, status: int) -> dict:
    assert response.status == status, await response.text()
    assert response.content_type == PROBLEM
    problem = await response.json(content_type=PROBLEM)
    assert problem["status"] == status and problem["title"]
    return problem


async def test_a_token_is_required(pasokh):
    for headers in ({}, {"Authorization": "Basic b3duZXI6cHc="}, {"Authorization": "Bearer "},
                    {"Authorization": "Bearer pasokh_not-a-token"}):
        response = await pasokh.get("/api/v1/conversations", headers=headers)
        problem = await _problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "token" in problem["detail"]
    assert "Set-Cookie" not in response.headers  # no panel session for the API


async def test_a_revoked_token_is_refused(pasokh):
    await make_user("owner@example.com", "owner")
    issued = await create_token("script", "owner@example.com")
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert (await pasokh.get("/api/v1/customers", headers=headers)).status == 200
    await revoke_token(issued.id)
    await _problem(await pasokh.get("/api/v1/customers", headers=headers), 401)


async def test_a_reply_through_the_api_reaches_telegram(pasokh, fake_telegram):
    headers = await owner_token()
    conversation_id = await telegram_conversation(pasokh, 7001)
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(7001))  # the bot's welcome
    response = await pasokh.post(f"/api/v1/conversations/{conversation_id}/replies",
                                 json={"text": "سلام، من سارا هستم"}, headers=headers)
    assert response.status == 201, await response.text()
    message = await response.json()
    assert message["text"] == "سلام، من سارا هستم"
    assert (message["direction"], message["author"]) == ("out", "agent")
    assert message["conversation_id"] == conversation_id
    await fake_telegram.wait_for(
        lambda fake: any(m["text"] == "سلام، من سارا هستم" for m in fake.sent_messages(7001)))
    assert await OutboxItem.filter(message_id=message["id"]).count() == 1

    async def delivered() -> bool:
        page = await (await pasokh.get(f"/api/v1/conversations/{conversation_id}/messages",
                                       headers=headers)).json()
        return any(m["id"] == message["id"] and m["delivery"] == "sent" for m in page["items"])

    await eventually(delivered, what="the reply recorded as sent")


async def test_conversation_with_its_customer_and_404s(pasokh):
    headers = await owner_token()
    conversation_id = await telegram_conversation(pasokh, 7002)
    response = await pasokh.get(f"/api/v1/conversations/{conversation_id}", headers=headers)
    assert response.status == 200
    conversation = await response.json()
    assert conversation["platform"] == "telegram"
    customer = conversation["customer"]
    assert customer["conversation_ids"] == [conversation_id]
    assert [i["platform"] for i in customer["identities"]] == ["telegram"]
    same = await (await pasokh.get(f"/api/v1/customers/{customer['id']}",
                                   headers=headers)).json()
    assert same == customer
    for path in ("/api/v1/conversations/999999", "/api/v1/conversations/abc",
                 "/api/v1/conversations/999999/messages", "/api/v1/customers/999999",
                 "/api/v1/no-such-thing"):
        await _problem(await pasokh.get(path, headers=headers), 404)
    await _problem(await pasokh.post("/api/v1/conversations/999999/replies",
                                     json={"text": "x"}, headers=headers), 404)
    not_allowed = await pasokh.delete(f"/api/v1/conversations/{conversation_id}",
                                      headers=headers)
    await _problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]


async def test_bad_bodies_are_refused_and_change_nothing(pasokh):
    headers = await owner_token()
    conversation_id = await telegram_conversation(pasokh, 7003)
    replies = f"/api/v1/conversations/{conversation_id}/replies"
    for body in ({}, {"text": ""}, {"text": 5}, {"text": "x" * 4097},
                 {"text": "hi", "html": True}, ["hi"]):
        problem = await _problem(await pasokh.post(replies, json=body, headers=headers), 422)
        assert problem["detail"]
    problem = await _problem(await pasokh.post(replies, data=b"{not json", headers=headers), 400)
    assert "JSON" in problem["detail"]
    await _problem(await pasokh.post(replies, data=b"x" * (1024 * 1024 + 1), headers=headers),
                   413)
    problem = await _problem(await pasokh.post(replies, json={"text": "   "}, headers=headers),
                             422)
    assert problem["detail"] == "Write a reply first."
    assign = f"/api/v1/conversations/{conversation_id}/assign"
    await _problem(await pasokh.post(assign, json={}, headers=headers), 422)
    await _problem(await pasokh.post(assign, json={"user_id": "1"}, headers=headers), 422)
    problem = await _problem(await pasokh.post(assign, json={"user_id": 999}, headers=headers),
                             422)
    assert problem["detail"] == "There is no such agent."
    assert not await Message.exists(author="agent")
    assert (await Conversation.get(id=conversation_id)).assignee_id is None


async def test_bad_query_strings_get_400(pasokh):
    headers = await owner_token()
    for query in ("limit=0", "limit=101", "limit=ten", "status=lost", "assignee=bob",
                  "colour=red", "cursor=%%%", "cursor=WzFd", "limit=1&limit=2"):
        await _problem(await pasokh.get(f"/api/v1/conversations?{query}", headers=headers), 400)
    await _problem(await pasokh.get("/api/v1/customers?cursor=bm9wZQ", headers=headers), 400)


async def _walk(client, path: str, headers: dict, limit: int) -> list[dict]:
    """Every item of a list, page by page; a cursor that never ends fails the test."""
    items, cursor = [], None
    for _ in range(50):
        query = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=query, headers=headers)
        assert response.status == 200, await response.text()
        page = await response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{path} did not end after 50 pages")


async def test_pages_of_conversations_messages_and_customers(pasokh):
    headers = await owner_token()
    ids = [await telegram_conversation(pasokh, 7100 + n, f"پیام {n}") for n in range(5)]
    conversations = await _walk(pasokh, "/api/v1/conversations", headers, 2)
    assert sorted(c["id"] for c in conversations) == sorted(ids)
    assert len(conversations) == len(ids)

    customers = await _walk(pasokh, "/api/v1/customers", headers, 3)
    assert len(customers) == 5
    assert [c["id"] for c in customers] == sorted(c["id"] for c in customers)

    await eventually(lambda: Message.exists(conversation_id=ids[0], author="bot"),
                     what="the bot's reply")
    total = await Message.filter(conversation_id=ids[0]).count()
    messages = await _walk(pasokh, f"/api/v1/conversations/{ids[0]}/messages", headers, 1)
    collected = [m["id"] for m in messages]
    assert collected == sorted(collected) and len(collected) == total >= 2


async def test_filters_and_actions_like_the_panel(pasokh):
    headers = await owner_token()
    agent_id = await make_user("agent@example.com", "agent", "Sales")
    team_id = (await Team.get(name="Sales")).id
    first = await telegram_conversation(pasokh, 7201, "قیمت کفش")
    second = await telegram_conversation(pasokh, 7202, "ارسال سفارش", first_name="علی")

    async def listed(**query: str) -> list[int]:
        page = await (await pasokh.get("/api/v1/conversations", params=query,
                                       headers=headers)).json()
        return [item["id"] for item in page["items"]]

    assert await listed(q="كفش") == [first]  # Arabic kaf finds the Persian one
    path = f"/api/v1/conversations/{first}"
    assigned = await (await pasokh.post(f"{path}/assign", json={"user_id": agent_id},
                                        headers=headers)).json()
    assert (assigned["assignee_id"], assigned["team_id"]) == (agent_id, None)
    assigned = await (await pasokh.post(f"{path}/assign", json={"team_id": team_id},
                                        headers=headers)).json()
    assert (assigned["assignee_id"], assigned["team_id"]) == (agent_id, team_id)
    assert await listed(team=str(team_id)) == [first]
    assert await listed(assignee="unassigned") == [second]

    resolved = await pasokh.post(f"{path}/resolve", headers=headers)
    assert resolved.status == 200
    assert (await resolved.json())["status"] == "resolved"
    assert await listed(status="resolved") == [first]
    reopened = await (await pasokh.post(f"{path}/reopen", headers=headers)).json()
    assert (reopened["status"], reopened["reopen_count"]) == ("pending", 1)
    unassigned = await (await pasokh.post(f"{path}/assign", json={"user_id": None},
                                          headers=headers)).json()
    assert (unassigned["assignee_id"], unassigned["team_id"]) == (None, team_id)

    customers = await (await pasokh.get("/api/v1/customers", params={"q": "علي"},
                                        headers=headers)).json()
    assert [c["conversation_ids"] for c in customers["items"]] == [[second]]
