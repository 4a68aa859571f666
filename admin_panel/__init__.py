"""The agents' web panel, served at `/`: it shows what core/desk/ returns and forwards
what agents do to it. It never imports a model, and never the runtime: what it needs from
the process is declared in typedefs.py and filled in by the runtime."""

from __future__ import annotations

from collections import OrderedDict

import aiohttp_session
from aiohttp import web

from admin_panel import routes, templating
from admin_panel.api import setup_api
from admin_panel.owner_routes import add_owner_routes
from admin_panel.security import panel_middleware, session_storage
from admin_panel.typedefs import LIVE_STREAMS, PLATFORMS, SETTINGS, TRY_CHATS
from admin_panel.views.live import end_live_streams


def setup_panel(app: web.Application) -> None:
    """Mount the panel on Pasokh's app. The runtime has set SETTINGS and PLATFORMS, and
    fills the other keys of typedefs.py in its cleanup context."""
    aiohttp_session.setup(app, session_storage(app[SETTINGS]))
    app.middlewares.append(panel_middleware)
    templating.setup(app, app[PLATFORMS])
    routes.add_routes(app)
    add_owner_routes(app)
    setup_api(app)
    app[LIVE_STREAMS] = set()
    app[TRY_CHATS] = OrderedDict()
    app.on_shutdown.append(end_live_streams)
