"""Issue 13: each platform's badge comes from its adapter, as a stylesheet anyone may load
(the login page uses it too)."""

from __future__ import annotations

from adapters import ADAPTERS


async def test_issue_13_badges_are_drawn_from_the_adapters(pasokh):
    response = await pasokh.get("/platforms.css")
    assert response.status == 200
    assert response.content_type == "text/css"
    css = await response.text()
    for platform, adapter in ADAPTERS.items():
        assert f".platform-{platform.value} {{ background: {adapter.look.colour}; }}" in css
        assert f'.platform-{platform.value}::before {{ content: "{adapter.look.letters}"; }}' \
            in css
    assert 'href="/platforms.css"' in await (await pasokh.get("/")).text()
