"""What makes the panel installable: the web app manifest and the service worker, which
must be served from the root to cover every page. Both are public, like the stylesheets."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from core.i18n import DEFAULT_LANGUAGE, translation

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "sw.js"


async def manifest(request: web.Request) -> web.Response:
    name = translation(DEFAULT_LANGUAGE).gettext("Pasokh")
    static = request.app.router["panel.static"]

    def icon(filename: str, size: int, purpose: str = "any") -> dict:
        return {"src": str(static.url_for(filename=f"icons/{filename}")),
                "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}

    return web.json_response({
        "name": name, "short_name": name, "lang": DEFAULT_LANGUAGE, "dir": "rtl",
        "start_url": "/", "scope": "/", "display": "standalone",
        "background_color": "#f4f5f7", "theme_color": "#1d2330",
        "icons": [icon("pasokh-192.png", 192), icon("pasokh-512.png", 512),
                  icon("pasokh-maskable-512.png", 512, "maskable")],
    }, content_type="application/manifest+json")


async def service_worker(request: web.Request) -> web.FileResponse:
    return web.FileResponse(SERVICE_WORKER, headers={
        "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"})
