"""Bearer-token authentication and problem details for every request under /api/v1.

The panel's session and CSRF middleware leaves these routes alone (their names start with
"api.", not "panel."): a script has no cookie, and a token in a header cannot be sent by
another site's form, so there is nothing for CSRF to protect.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from admin_panel.api.problems import ApiProblem, problem_response
from admin_panel.typedefs import DESK
from core.api_tokens import token_user
from core.desk import Viewer

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
PUBLIC_ROUTES = frozenset({"api.openapi"})
API_VIEWER: web.RequestKey[Viewer] = web.RequestKey("api_viewer", Viewer)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _viewer(request: web.Request) -> Viewer:
    token = _bearer(request)
    if token is None:
        raise ApiProblem(401, "Send an API token: Authorization: Bearer <token>.")
    user_id = await token_user(token)
    viewer = await request.app[DESK].viewer(user_id) if user_id is not None else None
    if viewer is None:
        log.warning("api: %s %s refused: unknown or revoked token", request.method, request.path)
        raise ApiProblem(401, "The API token is unknown, revoked, or its owner is no longer"
                              " an active owner.")
    return viewer


async def still_valid(request: web.Request) -> bool:
    """Whether the request's token still works: a long-lived stream asks from time to time,
    so that revoking a token, or its owner leaving, ends it."""
    try:
        await _viewer(request)
    except ApiProblem:
        return False
    return True


def viewer_of(request: web.Request) -> Viewer:
    return request[API_VIEWER]


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path != API_PREFIX and not request.path.startswith(API_PREFIX + "/"):
        return await handler(request)
    response = await _answer(request, handler)
    if not response.prepared:  # a live stream has sent its own headers
        # Answers carry customers' words and depend on the token: never cached.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if request.match_info.route.name not in PUBLIC_ROUTES:
            request[API_VIEWER] = await _viewer(request)
        return await handler(request)
    except ApiProblem as problem:
        headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
        return problem_response(problem.status, problem.detail, headers)
    except web.HTTPException as error:  # no such route, wrong method, body too large
        if error.status < 400:
            raise
        headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return problem_response(error.status, error.reason, headers)
