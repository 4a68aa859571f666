"""Issue 20 over HTTP: the status switch and the heartbeat, who is at work for the owners and
in the API, the routing form (Persian refusals), and a manual assignment recorded."""

from __future__ import annotations

from core.api_tokens import create_token
from core.models import AgentPresence, Assignment
from core.owner_config import load_stored
from tests.api.helpers import telegram_conversation
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.owner_helpers import another_browser, as_owner


async def test_the_status_switch_sets_it_in_one_click_and_owners_see_it(pasokh):
    owner = await as_owner(pasokh)
    agent = await make_user("sara@example.com", "agent")
    async with another_browser(pasokh) as browser:
        assert (await log_in(browser, "sara@example.com")).status == 303
        page = await (await browser.get("/")).text()
        assert 'hx-post="/me/heartbeat"' in page
        switch = await (await post_form(browser, "/me/heartbeat", htmx=True)).text()
        assert 'data-status="available"' in switch
        away = await post_form(browser, "/me/status", {"status": "away"}, htmx=True)
        assert 'data-status="away"' in await away.text()
        assert (await AgentPresence.get(user_id=agent)).status == "away"
        refused = await post_form(browser, "/me/status", {"status": "asleep"}, htmx=True)
        assert refused.status == 400 and "وضعیتی" in await refused.text()

    people = await (await pasokh.get("/owner/people")).text()
    assert 'hx-get="/presence"' in people
    roster = await (await pasokh.get("/presence")).text()
    assert f'data-user-id="{agent}" data-status="away"' in roster
    assert f'data-user-id="{owner}" data-status="offline"' in roster  # never sent a heartbeat

    issued = await create_token("script", "owner@example.com")
    agents = await (await pasokh.get("/api/v1/agents", headers={
        "Authorization": f"Bearer {issued.token}"})).json()
    assert {a["id"]: a["status"] for a in agents["items"]}[agent] == "away"


async def test_the_routing_form_saves_rules_and_targets_and_refuses_in_persian(pasokh):
    await as_owner(pasokh)
    await make_user("sara@example.com", "agent", "فروش")
    page = await (await pasokh.get("/owner/routing")).text()
    assert 'name="team:فروش:mode"' in page
    version = page.split('name="version" value="')[1].split('"')[0]

    refused = await post_form(pasokh, "/owner/routing", {
        "version": version, "mode": "round_robin", "max_open": "صفر", "only_available": "1",
        "team": "فروش", "team:فروش:mode": ""})
    assert refused.status == 400
    assert "عددی صحیح از ۱ تا ۱۰۰۰" in await refused.text()

    bad_target = await post_form(pasokh, "/owner/routing", {
        "version": version, "mode": "manual", "first_response": "-3"})
    assert bad_target.status == 400 and "عددی صحیح از ۱ تا ۴۳۲۰۰" in await bad_target.text()

    saved = await post_form(pasokh, "/owner/routing", {
        "version": version, "mode": "round_robin", "max_open": "۵", "only_available": "1",
        "next_response": "10", "team": "فروش", "team:فروش:mode": "manual",
        "team:فروش:max_open": "", "team:فروش:first_response": "۱۵"})
    assert saved.status == 303
    document = await load_stored()
    assert document.routing.mode == "round_robin" and document.routing.max_open_per_agent == 5
    assert document.targets.next_response_minutes == 10
    assert document.targets.first_response_minutes is None
    (team,) = document.teams
    assert team.name == "فروش" and team.members == ["sara@example.com"]
    assert team.routing.mode == "manual" and not team.routing.only_available
    assert team.targets.first_response_minutes == 15
    page = await (await pasokh.get("/owner/routing")).text()
    assert 'name="team:فروش:first_response" value="15"' in page


async def test_an_assignment_by_hand_is_recorded_with_who_made_it(pasokh, fake_telegram):
    owner = await as_owner(pasokh)
    agent = await make_user("sara@example.com", "agent")
    conversation_id = await telegram_conversation(pasokh, 77)
    response = await post_form(pasokh, f"/conversations/{conversation_id}/assign",
                               {"assignee": str(agent), "team": ""}, htmx=True)
    assert response.status == 200
    record = await Assignment.get(conversation_id=conversation_id)
    assert (record.user_id, record.reason, record.by_id) == (agent, "manual", owner)


async def test_a_handoff_is_assigned_by_the_running_service(pasokh, fake_telegram):
    from core.models import Conversation
    from core.owner_config import OwnerDocument, Routing, store
    from tests.integration.helpers import eventually

    await store(OwnerDocument(routing=Routing(mode="round_robin", max_open_per_agent=1)))
    agent = await make_user("sara@example.com", "agent")
    async with another_browser(pasokh) as browser:
        assert (await log_in(browser, "sara@example.com")).status == 303
        await post_form(browser, "/me/heartbeat", htmx=True)
    first = await telegram_conversation(pasokh, 81, "اپراتور")
    second = await telegram_conversation(pasokh, 82, "اپراتور")

    async def assigned() -> bool:
        return (await Conversation.get(id=first)).assignee_id == agent
    await eventually(assigned, what="the first handoff assigned")
    await eventually(lambda: Conversation.exists(id=second, status="pending"),
                     what="the second handed off")
    assert (await Conversation.get(id=second)).assignee_id is None  # she is at capacity
    record = await Assignment.get(conversation_id=first)
    assert (record.user_id, record.reason, record.by_id) == (agent, "round_robin", None)
