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
        # Issue 18: every platform brings its own SVG icon, drawn instead of its letters.
        assert adapter.look.icon_svg.startswith("<svg")
        assert f'.platform-{platform.value} {{ background: url("data:image/svg+xml,' in css
        assert f'.platform-{platform.value}::before {{ content: ""; }}' in css
    assert 'href="/platforms.css"' in await (await pasokh.get("/")).text()


def test_issue_18_a_platform_without_an_icon_keeps_its_letters():
    from admin_panel.views.badges import badges_css
    from core.channel_setup import PlatformLook
    from core.i18n import lazy_gettext

    css = badges_css({"sms": PlatformLook(name=lazy_gettext("SMS"), letters="SM",
                                          colour="#555")})
    assert '.platform-sms::before { content: "SM"; }' in css
    assert "url(" not in css


def test_issue_18_the_icon_cannot_break_out_of_the_stylesheet():
    from admin_panel.views.badges import badges_css
    from core.channel_setup import PlatformLook
    from core.i18n import lazy_gettext

    hostile = '<svg>"); } body { display: none; } .x { content: ("</svg>'
    css = badges_css({"x": PlatformLook(name=lazy_gettext("X"), letters="X", colour="#000",
                                        icon_svg=hostile)})
    # Three rules, and the only quotes are the url's and the empty content's.
    assert css.count("{") == css.count("}") == 3
    assert css.count('"') == 4
