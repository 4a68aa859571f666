"""Teams and agents: an owner creates a team, invites an agent who logs in with the
one-time password, moves people between teams and deactivates them."""

from __future__ import annotations

import re

from core.models import Team, TeamMember, User
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.owner_helpers import another_browser, as_owner

_PASSWORD = re.compile(r'id="one-time-password">([^<]+)<')


async def test_an_invited_agent_logs_in_with_the_password_shown_once(pasokh):
    await as_owner(pasokh)
    assert (await post_form(pasokh, "/owner/teams", {"name": "فروش"})).status == 303
    team = await Team.get(name="فروش")
    response = await post_form(pasokh, "/owner/people/invite", {
        "email": "Sara@Example.com", "name": "سارا", "team": str(team.id)})
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    password = _PASSWORD.search(page)[1]
    agent = await User.get(email="sara@example.com")
    assert (agent.role, agent.display_name) == ("agent", "سارا")
    assert password not in agent.password_hash
    assert await TeamMember.exists(team=team, user=agent)
    assert password not in await (await pasokh.get("/owner/people")).text()

    async with another_browser(pasokh) as browser:
        assert (await log_in(browser, "sara@example.com", password)).status == 303
        inbox = await (await browser.get("/")).text()
    assert 'id="logout"' in inbox and "سارا" in inbox


async def test_a_second_invitation_to_one_address_is_refused(pasokh):
    await as_owner(pasokh)
    await make_user("agent@example.com")
    response = await post_form(pasokh, "/owner/people/invite", {"email": "agent@example.com"})
    assert response.status == 400
    assert "کاربری با این نشانی از قبل هست" in await response.text()
    bad = await post_form(pasokh, "/owner/people/invite", {"email": "not an address"})
    assert bad.status == 400 and "این نشانی ایمیل نیست" in await bad.text()
    no_team = await post_form(pasokh, "/owner/people/invite",
                              {"email": "new@example.com", "team": "999"})
    assert no_team.status == 400
    assert not await User.exists(email="new@example.com")  # nothing half-made


async def test_members_are_added_and_removed_and_team_names_are_unique(pasokh):
    await as_owner(pasokh)
    agent_id = await make_user("agent@example.com")
    await post_form(pasokh, "/owner/teams", {"name": "پشتیبانی"})
    again = await post_form(pasokh, "/owner/teams", {"name": "پشتیبانی"})
    assert again.status == 400 and "تیمی با این نام از قبل هست" in await again.text()
    team = await Team.get(name="پشتیبانی")
    form = {"team": str(team.id), "user": str(agent_id)}
    assert (await post_form(pasokh, "/owner/teams/members/add", form)).status == 303
    assert (await post_form(pasokh, "/owner/teams/members/add", form)).status == 303
    assert await TeamMember.filter(team=team).count() == 1
    assert (await post_form(pasokh, "/owner/teams/members/remove", form)).status == 303
    assert not await TeamMember.exists(team=team)
    missing = await post_form(pasokh, "/owner/teams/members/add",
                              {"team": "999", "user": str(agent_id)})
    assert missing.status == 400
    huge = await post_form(pasokh, "/owner/teams/members/add",
                           {"team": "9" * 19, "user": str(agent_id)})
    assert huge.status == 400


async def test_a_deactivated_agent_is_logged_out_and_an_owner_cannot_deactivate_themself(
        pasokh):
    owner_id = await as_owner(pasokh)
    agent_id = await make_user("agent@example.com")
    async with another_browser(pasokh) as agent:
        await log_in(agent, "agent@example.com")
        response = await post_form(pasokh, "/owner/people/active",
                                   {"user": str(agent_id), "active": "0"})
        assert response.status == 303
        assert 'type="password"' in await (await agent.get("/")).text()
        assert (await log_in(agent, "agent@example.com")).status == 401

        await post_form(pasokh, "/owner/people/active", {"user": str(agent_id), "active": "1"})
        assert (await log_in(agent, "agent@example.com")).status == 303
    myself = await post_form(pasokh, "/owner/people/active",
                             {"user": str(owner_id), "active": "0"})
    assert myself.status == 400
    assert (await User.get(id=owner_id)).active
