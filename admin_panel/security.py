"""Sessions, CSRF and the panel's request middleware.

The session lives in an encrypted cookie (aiohttp-session with Fernet), HttpOnly,
SameSite=Lax and Secure (Settings.cookies_secure: off only for plain HTTP on loopback). It
names the user's session version, which logging out counts up in the database, so a copy of
the cookie stops working too. Every panel answer is `Cache-Control: no-store`. The cookie's
key comes from PASOKH_SECRET_KEY or, when that is empty, from a file generated once in
PASOKH_DATA_DIR, so that sessions survive restarts. Every POST of the panel carries the
session's CSRF token, in the form or in the X-CSRF-Token header htmx sends, and is refused
without it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from admin_panel.typedefs import CSRF_KEY, DESK, LANGUAGE_KEY, VIEWER_KEY
from core.i18n import current_language, supported
from core.secrets_at_rest import derived_key, installation_secret
from core.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "pasokh_session"
SESSION_MAX_AGE = 12 * 3600  # a working day; the cookie's encryption enforces it too
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_VERSION = "session_version"  # must match the user's, or the session is logged out
PRIVATE_CACHING = "no-store"
ROUTE_PREFIX = "panel."
# Routes a visitor may use before logging in (the inbox answers them with the login form).
PUBLIC_ROUTES = frozenset({"panel.inbox", "panel.login", "panel.language", "panel.static",
                           "panel.badges", "panel.favicon"})
# No session, no language:
STYLES_AND_SCRIPTS = frozenset({"panel.static", "panel.badges", "panel.favicon"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def secret_key(settings: Settings) -> str:
    """PASOKH_SECRET_KEY, or the key kept in the data folder (core/secrets_at_rest.py)."""
    return installation_secret(settings)


def session_storage(settings: Settings) -> EncryptedCookieStorage:
    # Fernet wants exactly 32 bytes; any long secret string becomes them.
    return EncryptedCookieStorage(
        derived_key(secret_key(settings), b""),
        cookie_name=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.cookies_secure,
    )


def _is_panel(request: web.Request) -> bool:
    name = request.match_info.route.name
    return bool(name) and name.startswith(ROUTE_PREFIX)


async def _csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.post()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else ""
    return hmac.compare_digest(sent.encode(), expected.encode())


@web.middleware
async def panel_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Language, viewer and CSRF for the panel's routes; other routes pass untouched."""
    if not _is_panel(request) or request.match_info.route.name in STYLES_AND_SCRIPTS:
        return await handler(request)
    session = await get_session(request)
    language = supported(session.get("lang"))
    request[LANGUAGE_KEY] = language
    token = current_language.set(language)
    try:
        request[CSRF_KEY] = await _csrf_token(request)
        if request.method == "POST" and not await _csrf_ok(request, request[CSRF_KEY]):
            log.warning("panel: POST %s refused: missing or wrong CSRF token", request.path)
            raise web.HTTPForbidden(text="CSRF token missing or wrong; reload the page.")
        user_id = session.get("user_id")
        viewer = await request.app[DESK].viewer(user_id) if isinstance(user_id, int) else None
        if viewer is not None and session.get(SESSION_VERSION) != viewer.session_version:
            viewer = None  # logged out since, maybe in another browser with this cookie
        if viewer is None and user_id is not None:
            session.pop("user_id", None)  # deactivated, deleted or logged out since
            session.pop(SESSION_VERSION, None)
        request[VIEWER_KEY] = viewer
        route = request.match_info.route.name
        if viewer is None and route not in PUBLIC_ROUTES:
            # Only a page a person asked for is redirected to the login form.
            fetched = request.headers.get("HX-Request") or route == "panel.events"
            if fetched or request.method != "GET":
                raise web.HTTPUnauthorized(text="Log in again.")
            raise web.HTTPSeeOther(request.app.router["panel.inbox"].url_for())
        response = await handler(request)
    except web.HTTPException as refusal:  # a 404 page, a redirect: private all the same
        refusal.headers.setdefault("Cache-Control", PRIVATE_CACHING)
        raise
    finally:
        current_language.reset(token)
    if not response.prepared:  # a live stream has sent its headers already
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Pages show customers' words: no copy in the browser's or a proxy's cache.
        response.headers.setdefault("Cache-Control", PRIVATE_CACHING)
    return response
