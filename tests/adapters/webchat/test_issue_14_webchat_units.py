"""Issue 14: the web chat's pieces without a server: the visitor's token, the origin check,
the limits' windows, the channel's options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.webchat import channel_options, snippet_line
from adapters.webchat.guard import Limit, WindowCounter, normal_origin, origin_allowed
from adapters.webchat.tokens import BadToken, check, sign
from core.channel_setup import SetupRefused
from core.events import ChannelCredentials

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
SHOP = ChannelCredentials(1, "shop-secret", "", "shopkey", (("origin", "https://shop.example"),
                                                             ("language", "fa")))
OTHER = ChannelCredentials(2, "other-secret", "", "otherkey")


def test_issue_14_a_signed_token_names_its_visitor():
    token = sign(SHOP, "v123", NOW)
    assert check(SHOP, token, NOW + timedelta(days=30), YEAR).visitor == "v123"


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace("v123", "v124", 1),  # another visitor's id
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # an altered signature
    lambda t: t.split(".")[0] + ".1." + t.split(".")[2],  # another issue time
    lambda t: "",
    lambda t: "x" * 500,
    lambda t: "v123",
])
def test_issue_14_an_altered_token_is_refused(tamper):
    with pytest.raises(BadToken):
        check(SHOP, tamper(sign(SHOP, "v123", NOW)), NOW, YEAR)


def test_issue_14_another_channels_token_is_refused():
    with pytest.raises(BadToken):
        check(SHOP, sign(OTHER, "v123", NOW), NOW, YEAR)


def test_issue_14_a_token_expires():
    token = sign(SHOP, "v123", NOW)
    with pytest.raises(BadToken, match="expired"):
        check(SHOP, token, NOW + YEAR + timedelta(seconds=1), YEAR)
    with pytest.raises(BadToken, match="expired"):  # issued in the future: not ours
        check(SHOP, token, NOW - timedelta(hours=1), YEAR)


@pytest.mark.parametrize(("text", "origin"), [
    ("https://Shop.Example", "https://shop.example"),
    ("https://shop.example/", "https://shop.example"),
    ("https://shop.example:443", "https://shop.example"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("https://shop.example/path", None),
    ("ftp://shop.example", None),
    ("shop.example", None),
    ("https://user@shop.example", None),
    ("https://shop.example:99999", None),
    ("null", None),
])
def test_issue_14_origins_are_compared_in_one_form(text, origin):
    assert normal_origin(text) == origin


def test_issue_14_only_the_channels_origins_are_allowed():
    assert origin_allowed(SHOP, "https://shop.example")
    assert not origin_allowed(SHOP, "https://shop.example.evil.com")
    assert not origin_allowed(SHOP, "http://shop.example")
    assert not origin_allowed(SHOP, None)
    assert not origin_allowed(OTHER, "https://shop.example")


def test_issue_14_a_window_counts_per_key_and_turns():
    moment = [0.0]
    counter = WindowCounter(Limit("messages", 2, 60), clock=lambda: moment[0])
    assert [counter.take("a"), counter.take("a"), counter.take("a")] == [True, True, False]
    assert counter.take("b")  # another visitor has its own count
    moment[0] = 61.0
    assert counter.take("a")  # a new minute


def test_issue_14_channel_options_check_origins_and_language():
    options = channel_options(["https://shop.example/", "https://shop.example"], "en")
    assert options == (("origin", "https://shop.example"), ("language", "en"))
    with pytest.raises(SetupRefused):
        channel_options(["https://shop.example/cart"], "fa")
    with pytest.raises(SetupRefused):
        channel_options([], "fa")
    with pytest.raises(SetupRefused):
        channel_options(["https://shop.example"], "de")
    with pytest.raises(SetupRefused):
        channel_options(["https://shop.example"], "fa", ask=("address",))
    with pytest.raises(SetupRefused):
        channel_options(["https://shop.example"], "fa", continue_on="https://evil.example/x")
    assert channel_options(["https://shop.example"], "fa", "https://t.me/ShopBot",
                           ("phone",), sound=True)[2:] == (
        ("continue", "https://t.me/ShopBot"), ("ask", "phone"), ("sound", "on"))


def test_issue_14_the_snippet_is_the_issues_line():
    assert snippet_line("https://pasokh.example", "KEY") == (
        '<script src="https://pasokh.example/webchat/widget.js" data-channel="KEY" async>'
        '</script>')
