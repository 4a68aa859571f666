"""Issue 17, item 1, over HTTP: the per-client limit counts the address a local reverse
proxy forwards, and a busy answer is a 429 in Persian that says when to try again."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from admin_panel.views.auth import client_address
from core import users
from core.desk.login import CLIENT_LOCKOUT_AFTER_FAILURES
from core.users import PasswordChecks
from tests.panel.helpers import PASSWORD, csrf_token, make_user


async def _log_in(client, email: str, password: str, forwarded_for: str):
    token = await csrf_token(client)
    return await client.post("/login", data={"email": email, "password": password,
                                             "csrf_token": token},
                             headers={"X-Forwarded-For": forwarded_for}, allow_redirects=False)


async def test_issue_17_the_client_behind_a_local_proxy_is_limited(pasokh):
    await make_user("agent@example.com")
    for n in range(CLIENT_LOCKOUT_AFTER_FAILURES):
        refused = await _log_in(pasokh, f"guess{n}@example.com", "wrong", "203.0.113.5")
        assert refused.status == 401
    locked = await _log_in(pasokh, "agent@example.com", PASSWORD, "203.0.113.5")
    assert locked.status == 429
    other = await _log_in(pasokh, "agent@example.com", PASSWORD, "10.0.0.1, 203.0.113.6")
    assert other.status == 303


def test_issue_17_a_remote_peer_cannot_choose_its_address():
    request = make_mocked_request("POST", "/login", headers={"X-Forwarded-For": "1.2.3.4"})
    # make_mocked_request's peer is not loopback: the header is not believed.
    assert client_address(request) != "1.2.3.4"


async def test_issue_17_a_busy_login_answers_429_in_persian(pasokh, monkeypatch):
    await make_user("agent@example.com")
    monkeypatch.setattr(users, "password_checks", PasswordChecks(parallel=0, waiting=0))
    busy = await _log_in(pasokh, "agent@example.com", PASSWORD, "203.0.113.7")
    assert busy.status == 429
    assert busy.headers["Retry-After"] == "5"
    assert "دوباره امتحان کنید" in await busy.text()
