"""The flows' configuration this process's bot answers with now, for the pages that show
what the bot would answer (agent assist, the owners' "teach the FAQ" forms)."""

from __future__ import annotations

from aiohttp import web

from bots.typedefs import RUNTIME
from flows import FlowConfig


def live_flow_config(request: web.Request) -> FlowConfig:
    return request.app[RUNTIME].flows.current
