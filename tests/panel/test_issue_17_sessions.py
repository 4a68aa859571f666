"""Issue 17, items 5 and 6: Secure session cookies, logout that ends every copy of the
cookie, no caching of private answers, and redirect targets that stay on this site."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from yarl import URL

from admin_panel.redirects import local_path
from admin_panel.views import live
from core.settings import Settings, SettingsError, load_settings
from tests.api.helpers import owner_token
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.owner_helpers import another_browser

OFF_SITE = [
    "//evil.example", "/\t/evil.example", "/\r\n/evil.example", "/\n/evil.example",
    "/\\evil.example", "\\\\evil.example", "https://evil.example/", "http:evil.example",
    "javascript:alert(1)", " //evil.example", "\t//evil.example", "/%09/evil.example",
    "///evil.example", "/\x00/evil.example", "",
]


@pytest.mark.parametrize("raw", OFF_SITE)
def test_issue_17_a_redirect_target_never_leaves_the_site(raw):
    target = local_path(raw, "/")
    assert target.startswith("/") and not target.startswith(("//", "/\\"))
    assert URL(target).host is None
    assert all(char >= " " for char in target)


@pytest.mark.parametrize(("raw", "expected"), [
    ("/owner/kpis?first=1403-01-01", "/owner/kpis?first=1403-01-01"),
    ("/conversations/7", "/conversations/7"),
])
def test_issue_17_a_local_target_is_kept(raw, expected):
    assert local_path(raw, "/") == expected


@pytest.mark.parametrize("raw", ["/\t/evil.example", "/\r\n/evil.example", "//evil.example"])
async def test_issue_17_the_language_switch_stays_on_the_site(pasokh, raw):
    response = await post_form(pasokh, "/language", {"lang": "en", "next": raw})
    assert response.status == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\r" not in location and "\n" not in location and "\t" not in location


@pytest.mark.parametrize(("env", "secure"), [
    ({}, False),  # make run: http://127.0.0.1
    ({"PASOKH_HOST": "0.0.0.0"}, True),
    ({"PASOKH_PUBLIC_URL": "https://support.example.com"}, True),
    ({"PASOKH_PUBLIC_URL": "http://127.0.0.1:8080"}, False),
    ({"PASOKH_PUBLIC_URL": "http://support.example.com"}, True),  # say so to go without
    ({"PASOKH_COOKIE_SECURE": "false", "PASOKH_HOST": "0.0.0.0"}, False),
    ({"PASOKH_COOKIE_SECURE": "true"}, True),
])
def test_issue_17_cookies_are_secure_unless_served_plainly_on_loopback(monkeypatch, env,
                                                                        secure):
    for name in ("PASOKH_HOST", "PASOKH_PUBLIC_URL", "PASOKH_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings(env_file=None).cookies_secure is secure


def test_issue_17_a_cookie_setting_must_be_true_or_false(monkeypatch):
    monkeypatch.setenv("PASOKH_COOKIE_SECURE", "maybe")
    with pytest.raises(SettingsError):
        load_settings(env_file=None)


async def test_issue_17_the_session_cookie_is_secure_behind_https(aiohttp_client,
                                                                  settings_with_fake: Settings):
    from bots.runtime import create_app

    client = await aiohttp_client(create_app(replace(settings_with_fake, cookie_secure=True)))
    response = await client.get("/")
    assert "Secure" in response.headers["Set-Cookie"]


async def test_issue_17_logout_ends_a_copied_cookie_too(pasokh):
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    copied = pasokh.session.cookie_jar.filter_cookies(pasokh.make_url("/"))["pasokh_session"]
    assert "agent@example.com" in await (await pasokh.get("/")).text()
    assert (await post_form(pasokh, "/logout")).status == 303
    pasokh.session.cookie_jar.clear()
    replayed = await pasokh.get("/", cookies={"pasokh_session": copied.value})
    page = await replayed.text()
    assert 'type="password"' in page and "agent@example.com" not in page
    rows = await pasokh.get("/inbox/rows", headers={"HX-Request": "true"},
                            cookies={"pasokh_session": copied.value})
    assert rows.status == 401
    # And logging in again works: the new session names the new version.
    assert (await log_in(pasokh, "agent@example.com")).status == 303
    assert "agent@example.com" in await (await pasokh.get("/")).text()


async def test_issue_17_private_pages_are_not_cached(pasokh):
    await make_user("agent@example.com")
    assert (await pasokh.get("/")).headers["Cache-Control"] == "no-store"  # the login form
    await log_in(pasokh, "agent@example.com")
    assert (await pasokh.get("/")).headers["Cache-Control"] == "no-store"
    rows = await pasokh.get("/inbox/rows", headers={"HX-Request": "true"})
    assert rows.headers["Cache-Control"] == "no-store"


async def test_issue_17_api_answers_are_not_cached(pasokh):
    headers = await owner_token()
    assert (await pasokh.get("/api/v1/conversations", headers=headers)
            ).headers["Cache-Control"] == "no-store"
    assert (await pasokh.get("/api/v1/conversations")).headers["Cache-Control"] == "no-store"


async def test_issue_17_logout_ends_an_open_live_stream_of_a_copied_cookie(pasokh,
                                                                          monkeypatch):
    monkeypatch.setattr(live, "SESSION_RECHECK_SECONDS", 0.2)
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    copied = pasokh.session.cookie_jar.filter_cookies(pasokh.make_url("/"))["pasokh_session"]
    async with another_browser(pasokh) as thief:
        stream = await thief.get("/events", cookies={"pasokh_session": copied.value})
        assert stream.status == 200
        await stream.content.readuntil(b"\n\n")  # the retry hint
        assert (await post_form(pasokh, "/logout")).status == 303
        await asyncio.wait_for(stream.content.read(), 10)
        assert stream.content.at_eof()
