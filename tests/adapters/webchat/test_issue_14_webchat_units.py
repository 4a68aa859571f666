"""Issue 14: the web chat's pieces without a server: the visitor's token, the origin check,
the limits' windows, the channel's options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.webchat import channel_options, snippet_line
from adapters.webchat.guard import (
    Limit,
    WindowCounter,
    normal_origin,
    origin_allowed,
    request_allowed,
)
from adapters.webchat.tokens import BadToken, check, sign
from core.channel_setup import SetupRefused, own_address
from core.events import ChannelCredentials

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
SHOP = ChannelCredentials(1, "shop-secret", "", "shopkey", (("origin", "https://shop.example"),
                                                             ("language", "fa")))
OTHER = ChannelCredentials(2, "other-secret", "", "otherkey")
PASOKH = "https://pasokh.shop.example"
# A channel that allows its shop's site and Pasokh's own address (the panel's preview).
PREVIEWED = ChannelCredentials(3, "s", "", "k", (("origin", "https://shop.example"),
                                                 ("origin", PASOKH)))


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
    assert counter.retry_after() == 60  # at the window's start: all of it
    moment[0] = 59.2
    assert counter.retry_after() == 1
    moment[0] = 61.0
    assert counter.take("a")  # a new minute
    assert counter.retry_after() == 59


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
    # A channel in English says so, for the bubble's label before any request.
    assert snippet_line("https://pasokh.example", "KEY", "en") == (
        '<script src="https://pasokh.example/webchat/widget.js" data-channel="KEY"'
        ' data-lang="en" async></script>')


def _allowed(channel: ChannelCredentials, *, origin: str | None = None,
             fetch_site: str | None = None, referer: str | None = None,
             own: str = PASOKH) -> bool:
    return request_allowed(channel, origin=origin, fetch_site=fetch_site, referer=referer,
                           own=own)


def test_issue_18_a_same_origin_read_without_origin_is_taken_when_the_channel_allows_pasokh():
    # What Chromium sends for the widget's GET from a page on Pasokh itself: no Origin.
    assert _allowed(PREVIEWED, fetch_site="same-origin", referer=PASOKH + "/owner/try/widget")
    assert _allowed(PREVIEWED, fetch_site="same-origin")  # a Referrer-Policy of no-referrer
    # A browser without Sec-Fetch-*: its Referer on Pasokh's own address.
    assert _allowed(PREVIEWED, referer=PASOKH + "/owner/try/widget?channel=3")
    # A POST from the same page carries its Origin: the allow-list decides, as for any.
    assert _allowed(PREVIEWED, origin=PASOKH, fetch_site="same-origin")


def test_issue_18_a_forged_or_foreign_request_without_origin_is_still_refused():
    # The channel does not allow Pasokh's own address: same-origin or not, nothing.
    assert not _allowed(SHOP, fetch_site="same-origin", referer=PASOKH + "/")
    # Another site's page reaching the endpoint with an <img> or <script> tag: no Origin,
    # but the browser says cross-site and gives the other site's address.
    assert not _allowed(PREVIEWED, fetch_site="cross-site", referer="https://evil.example/")
    assert not _allowed(PREVIEWED, fetch_site="same-site", referer=PASOKH + "/")
    assert not _allowed(PREVIEWED, fetch_site="none")  # typed into the address bar
    # Sec-Fetch-Site says cross-site: a Referer naming Pasokh does not outweigh it.
    assert not _allowed(PREVIEWED, fetch_site="cross-site", referer=PASOKH + "/owner/try")
    # No Sec-Fetch-*: only a Referer on Pasokh's own address, not a look-alike, will do.
    assert not _allowed(PREVIEWED)
    assert not _allowed(PREVIEWED, referer="https://evil.example/?" + PASOKH)
    assert not _allowed(PREVIEWED, referer="https://pasokh.shop.example.evil.com/")
    assert not _allowed(PREVIEWED, referer="http://pasokh.shop.example/")
    assert not _allowed(PREVIEWED, referer="https://pasokh.shop.example:[bad/")
    # An Origin, even "null" from a sandboxed frame, is judged by the allow-list alone.
    assert not _allowed(PREVIEWED, origin="null", fetch_site="same-origin")
    assert not _allowed(PREVIEWED, origin="https://evil.example", fetch_site="same-origin")


def test_issue_18_pasokhs_own_address_is_the_public_urls_when_set():
    assert own_address("https://pasokh.example/base", "http", "10.0.0.2:8080") \
        == "https://pasokh.example"
    assert own_address("", "http", "127.0.0.1:8080") == "http://127.0.0.1:8080"
