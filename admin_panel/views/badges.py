"""Each platform's badge, its own SVG icon (or its letters on its colour), as a stylesheet
built from what the adapters say (`PlatformLook`), so that a new platform needs no CSS or
image of its own here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from aiohttp import web

from admin_panel.typedefs import PLATFORMS
from core.channel_setup import PlatformLook

# Looks come from the code, not from users; still, only these reach the stylesheet.
_SAFE = re.compile(r"[#A-Za-z0-9_-]+")


def badges_css(platforms: Mapping[str, PlatformLook]) -> str:
    rules = []
    for code, look in platforms.items():
        if not all(_SAFE.fullmatch(part) for part in (code, look.letters, look.colour)):
            raise ValueError(f"platform {code!r}: a badge takes plain letters and a colour")
        rules.append(f".platform-{code} {{ background: {look.colour}; }}\n")
        if look.icon_svg:
            # Percent-encoded, the SVG cannot end the url("…") nor the rule it sits in.
            icon = quote(look.icon_svg, safe=" =:/")
            rules.append(f'.platform-{code} {{ background: url("data:image/svg+xml,{icon}")'
                         f" center / 100% no-repeat, {look.colour}; }}\n"
                         f'.platform-{code}::before {{ content: ""; }}\n')
        else:
            rules.append(f'.platform-{code}::before {{ content: "{look.letters}"; }}\n')
    return "".join(rules)


async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(text=badges_css(request.app[PLATFORMS]), content_type="text/css")
