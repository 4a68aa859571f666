"""Driving the panel over HTTP as a browser would: cookies, CSRF tokens, forms."""

from __future__ import annotations

import re

from core.models import Team, TeamMember, User
from core.users import add_user

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def make_user(email: str, role: str = "agent", *teams: str) -> int:
    await add_user(email, PASSWORD, role)
    user = await User.get(email=email)
    for name in teams:
        team, _ = await Team.get_or_create(name=name)
        await TeamMember.create(team=team, user=user)
    return user.id


async def csrf_token(client, path: str = "/") -> str:
    response = await client.get(path)
    match = _CSRF.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match[1]


async def log_in(client, email: str, password: str = PASSWORD):
    token = await csrf_token(client)
    return await client.post("/login", data={"email": email, "password": password,
                                             "csrf_token": token}, allow_redirects=False)


async def post_form(client, path: str, data: dict | None = None, *, htmx: bool = False):
    token = await csrf_token(client)
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(path, data={**(data or {}), "csrf_token": token},
                             headers=headers, allow_redirects=False)
