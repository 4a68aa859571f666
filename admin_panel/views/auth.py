"""Log in, log out, and the language switch."""

from __future__ import annotations

import ipaddress

from aiohttp import web
from aiohttp_session import get_session, new_session

from admin_panel.redirects import local_path
from admin_panel.security import SESSION_VERSION
from admin_panel.templating import render
from admin_panel.typedefs import DESK, VIEWER_KEY
from core.desk import LoginBusy, LoginLocked, LoginRefused
from core.formats import format_jalali_datetime
from core.i18n import LANGUAGES, current_language, gettext

MAX_FIELD_CHARS = 1024
BUSY_RETRY_AFTER_SECONDS = 5


def client_address(request: web.Request) -> str:
    """Who is trying, for the per-client login limit. A reverse proxy on this machine (the
    usual way to serve HTTPS) is the peer of every request, so behind one the address it
    appended to X-Forwarded-For counts; a peer elsewhere cannot choose its own address."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        behind_local_proxy = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        behind_local_proxy = False
    if behind_local_proxy and forwarded.strip():
        return forwarded.rsplit(",", 1)[-1].strip()[:64]
    return peer


def login_form(request: web.Request, *, error: str = "", email: str = "",
               status: int = 200) -> web.Response:
    return render(request, "login.html", {"error": error, "email": email}, status=status)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    email = str(form.get("email", ""))[:MAX_FIELD_CHARS]
    password = str(form.get("password", ""))[:MAX_FIELD_CHARS]
    try:
        viewer = await request.app[DESK].authenticate(email, password, client_address(request))
    except LoginLocked as locked:
        until = format_jalali_datetime(locked.until, current_language.get())
        message = gettext("Too many failed attempts. Try again after %(time)s.") % {
            "time": until}
        return login_form(request, error=message, email=email, status=429)
    except LoginBusy as busy:
        response = login_form(request, error=gettext(str(busy)), email=email, status=429)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
        return response
    except LoginRefused as refused:
        return login_form(request, error=gettext(str(refused)), email=email, status=401)
    previous = await get_session(request)
    language = previous.get("lang")
    session = await new_session(request)  # a fresh session: nothing carried from before login
    session["user_id"] = viewer.user_id
    session[SESSION_VERSION] = viewer.session_version
    if language:
        session["lang"] = language
    raise web.HTTPSeeOther(request.app.router["panel.inbox"].url_for())


async def logout(request: web.Request) -> web.Response:
    viewer = request[VIEWER_KEY]
    if viewer is not None:  # ended in the database too: a copied cookie is logged out as well
        await request.app[DESK].end_sessions(viewer.user_id)
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther(request.app.router["panel.inbox"].url_for())


async def language(request: web.Request) -> web.Response:
    form = await request.post()
    chosen = str(form.get("lang", ""))
    session = await get_session(request)
    if chosen in LANGUAGES:
        session["lang"] = chosen
    inbox = str(request.app.router["panel.inbox"].url_for())
    raise web.HTTPSeeOther(local_path(str(form.get("next", "")), inbox))
