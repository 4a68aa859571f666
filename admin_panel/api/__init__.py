"""The JSON API under /api/v1 (docs/api.md): what an agent does in the panel, for scripts
and integrations, authenticated by owner-made tokens (core/api_tokens.py)."""

from __future__ import annotations

from aiohttp import web

from admin_panel.api import routes
from admin_panel.api.openapi import openapi
from admin_panel.api.security import api_middleware


def setup_api(app: web.Application) -> None:
    """Mount the API; it uses the panel's Desk (app[DESK]), so mount the panel too."""
    app.middlewares.append(api_middleware)
    routes.add_routes(app, openapi)
