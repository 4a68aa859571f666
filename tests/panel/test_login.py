"""Logging in and out of the panel: one message for every refusal, stored lockout,
cookie flags and CSRF."""

from __future__ import annotations

from core.models import LoginThrottle
from tests.panel.helpers import PASSWORD, csrf_token, log_in, make_user, post_form

WRONG = "نشانی ایمیل یا گذرواژه نادرست است"


async def test_a_visitor_gets_the_persian_login_form_at_the_root(pasokh):
    response = await pasokh.get("/")
    assert response.status == 200
    page = await response.text()
    assert '<html lang="fa" dir="rtl">' in page
    assert 'type="email"' in page and 'type="password"' in page
    assert "ورود" in page


async def test_the_session_cookie_is_httponly_and_samesite_lax(pasokh):
    response = await pasokh.get("/")
    cookie = response.cookies["pasokh_session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


async def test_login_shows_the_inbox_and_logout_ends_the_session(pasokh):
    await make_user("agent@example.com")
    response = await log_in(pasokh, "agent@example.com")
    assert response.status == 303
    inbox = await (await pasokh.get("/")).text()
    assert "agent@example.com" in inbox and 'id="logout"' in inbox

    response = await post_form(pasokh, "/logout")
    assert response.status == 303
    page = await (await pasokh.get("/")).text()
    assert 'type="password"' in page
    assert (await pasokh.get("/inbox/rows", headers={"HX-Request": "true"})).status == 401


async def test_unknown_address_and_wrong_password_get_the_same_answer(pasokh):
    await make_user("agent@example.com")
    unknown = await log_in(pasokh, "nobody@example.com")
    wrong = await log_in(pasokh, "agent@example.com", "not the password")
    assert unknown.status == wrong.status == 401
    unknown_page, wrong_page = await unknown.text(), await wrong.text()
    assert WRONG in unknown_page and WRONG in wrong_page
    assert (unknown_page.replace("nobody@example.com", "")
            == wrong_page.replace("agent@example.com", ""))


async def test_five_failures_lock_the_address_even_for_the_right_password(pasokh):
    await make_user("agent@example.com")
    for _ in range(5):
        assert (await log_in(pasokh, "agent@example.com", "wrong password")).status == 401
    locked = await log_in(pasokh, "agent@example.com", PASSWORD)
    assert locked.status == 429
    assert "تلاش" in await locked.text()
    throttle = await LoginThrottle.get(email="agent@example.com")
    assert throttle.locked_until is not None


async def test_a_success_forgets_earlier_failures(pasokh):
    await make_user("agent@example.com")
    for _ in range(4):
        await log_in(pasokh, "agent@example.com", "wrong password")
    assert (await log_in(pasokh, "agent@example.com")).status == 303
    assert not await LoginThrottle.exists(email="agent@example.com")


async def test_a_post_without_the_csrf_token_is_refused(pasokh):
    await make_user("agent@example.com")
    await csrf_token(pasokh)
    response = await pasokh.post("/login", data={"email": "agent@example.com",
                                                 "password": PASSWORD})
    assert response.status == 403
    forged = await pasokh.post("/login", data={"email": "agent@example.com",
                                               "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status == 403


async def test_the_language_switch_shows_english(pasokh):
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    response = await post_form(pasokh, "/language", {"lang": "en", "next": "//evil.example"})
    assert response.status == 303
    assert response.headers["Location"] == "/"
    page = await (await pasokh.get("/")).text()
    assert '<html lang="en" dir="ltr">' in page
    assert "Log out" in page
