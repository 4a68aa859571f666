"""The widget's files: the loader in the snippet (with its two words in both languages),
the chat's script and styles, and the panel's Vazirmatn. Served with a CSP that allows
nothing and `nosniff`; the loader compressed, since its size is the one every page pays."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import orjson
from aiohttp import web

from adapters.webchat.words import STRINGS
from core.i18n import translation

ASSETS = Path(__file__).resolve().parent / "assets"
FONT = (Path(__file__).resolve().parents[2] / "admin_panel" / "static" / "vendor" / "vazirmatn"
        / "Vazirmatn-Variable.woff2")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Cache-Control": "public, max-age=300",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
# The loader's own words, before it has asked the server anything (its language follows
# the page's <html lang>); everything else comes translated with the session.
LOADER_STRINGS = ("open", "unread")


def _file(path: Path, content_type: str):  # type: ignore[no-untyped-def]
    async def serve(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(path, headers={
            **HEADERS, "Content-Type": content_type,
            "Access-Control-Allow-Origin": "*",  # the font is fetched from the host's page
        })

    return serve


@cache
def loader_source() -> bytes:
    """widget.js with the loader's words in both languages, from the catalogues."""
    words = {language: {name: translation(language).gettext(STRINGS[name])
                        for name in LOADER_STRINGS} for language in ("fa", "en")}
    source = (ASSETS / "widget.js").read_text(encoding="utf-8")
    return source.replace("__WORDS__", orjson.dumps(words).decode()).encode()


async def loader(request: web.Request) -> web.Response:
    response = web.Response(body=loader_source(), headers={
        **HEADERS, "Content-Type": "text/javascript; charset=utf-8"})
    response.enable_compression()
    return response


def static_routes() -> list[web.AbstractRouteDef]:
    script = "text/javascript; charset=utf-8"
    return [
        web.get("/webchat/widget.js", loader, name="webchat-loader"),
        web.get("/webchat/chat.js", _file(ASSETS / "chat.js", script), name="webchat-chat"),
        web.get("/webchat/chat.css", _file(ASSETS / "chat.css", "text/css; charset=utf-8"),
                name="webchat-css"),
        web.get("/webchat/vazirmatn.woff2", _file(FONT, "font/woff2"), name="webchat-font"),
    ]
