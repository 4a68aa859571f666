"""The agents' web panel, served at `/`: it shows what core/desk/ returns and forwards
what agents do to it. It never imports a model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp_session
from aiohttp import web

from admin_panel import routes, templating
from admin_panel.api import setup_api
from admin_panel.owner_routes import add_owner_routes
from admin_panel.security import panel_middleware, session_storage
from admin_panel.typedefs import DESK, LIVE_STREAMS
from admin_panel.views.live import end_live_streams
from bots.typedefs import RUNTIME
from core.desk import Desk
from core.events import OutboundMessage
from core.settings import Settings


def setup_panel(app: web.Application, settings: Settings) -> None:
    """Mount the panel on Pasokh's app; call after the runtime's cleanup context."""
    aiohttp_session.setup(app, session_storage(settings))
    app.middlewares.append(panel_middleware)
    templating.setup(app)
    routes.add_routes(app)
    add_owner_routes(app)
    setup_api(app)
    app[LIVE_STREAMS] = set()
    app.on_shutdown.append(end_live_streams)

    async def desk_context(app: web.Application) -> AsyncIterator[None]:
        runtime = app[RUNTIME]

        def reply_window(message: OutboundMessage) -> timedelta | None:
            transport = runtime.transports.get(message.channel_id)
            return transport.reply_window(message) if transport is not None else None

        app[DESK] = Desk(runtime.bus, runtime.outbox.wake, runtime.engine.submit_ids,
                         reply_window)
        yield

    app.cleanup_ctx.append(desk_context)
