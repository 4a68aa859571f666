"""The fake Meta Graph API, driven over real loopback HTTP with a plain aiohttp client."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.meta import (
    DEFAULT_ACCESS_TOKEN,
    SIGNATURE_HEADER,
    FakeMeta,
    GraphCall,
    ManualClock,
)

TOKEN = DEFAULT_ACCESS_TOKEN
PHONE_ID = "106540352242922"
IG_ID = "17841400000000000"
CUSTOMER = "989121234567"
IGSID = "6457912034561234"
REPO_ROOT = Path(__file__).resolve().parents[2]
HOUR = 3600.0
DAY = 24 * HOUR


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
async def meta(clock):
    async with FakeMeta(clock=clock) as fake:
        yield fake


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


class Graph:
    """Calls one fake the way the bot does: Bearer token, JSON body, a versioned path."""

    def __init__(self, http: aiohttp.ClientSession, fake: FakeMeta, token: str | None = TOKEN,
                 version: str = "v21.0"):
        self.http, self.fake, self.token, self.version = http, fake, token, version

    def url(self, path: str) -> str:
        return f"{self.fake.base_url}/{self.version}/{path}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url(path), json=body, headers=self.headers()) as response:
            return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(self.url(path), headers=self.headers()) as response:
            return response.status, await response.json()

    async def whatsapp(self, to: str = CUSTOMER, **message: Any) -> tuple[int, dict[str, Any]]:
        if not message:
            message = {"type": "text", "text": {"body": "سلام"}}
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                **message}
        return await self.post(f"{PHONE_ID}/messages", body)

    async def instagram(self, recipient: dict[str, str] | None = None, node: str = "me",
                        **fields: Any) -> tuple[int, dict[str, Any]]:
        fields.setdefault("message", {"text": "سلام"})
        body = {"recipient": recipient or {"id": IGSID}, **fields}
        return await self.post(f"{node}/messages", body)


@pytest.fixture
def graph(http, meta):
    return Graph(http, meta)


def error_of(status_and_body: tuple[int, dict[str, Any]]) -> tuple[int, int, str]:
    status, body = status_and_body
    error = body["error"]
    assert isinstance(error["fbtrace_id"], str) and error["fbtrace_id"]
    return status, error["code"], error["message"]


def details_of(status_and_body: tuple[int, dict[str, Any]]) -> str:
    data = status_and_body[1]["error"]["error_data"]
    assert data["messaging_product"] == "whatsapp"
    return data["details"]


def text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body}}


def buttons(*titles: str, ids: list[str] | None = None) -> dict[str, Any]:
    ids = ids or [f"b{n}" for n in range(len(titles))]
    return {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": "یکی را انتخاب کنید"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": button_id, "title": title}}
                               for button_id, title in zip(ids, titles, strict=True)]},
    }}


def list_message(*sections: list[str], button: str = "گزینه‌ها") -> dict[str, Any]:
    counter = iter(range(1000))
    return {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": "فهرست"},
        "action": {"button": button, "sections": [
            {"title": f"بخش {index}",
             "rows": [{"id": f"r{next(counter)}", "title": title} for title in rows]}
            for index, rows in enumerate(sections)
        ]},
    }}


# ------------------------------------------------------------------ auth and routing


async def test_missing_or_unknown_token_is_401_with_oauth_error_190(http, meta):
    for token in (None, "not-a-token"):
        async with http.post(Graph(http, meta, token).url(f"{PHONE_ID}/messages"),
                             json={"messaging_product": "whatsapp"},
                             headers=Graph(http, meta, token).headers()) as response:
            assert response.status == 401
            assert "invalid_token" in response.headers["WWW-Authenticate"]
            error = (await response.json())["error"]
        assert (error["code"], error["type"]) == (190, "OAuthException")
        assert error["message"] == "Invalid OAuth access token - Cannot parse access token"
    assert [call.status for call in meta.calls] == [401, 401]
    assert meta.sent() == []


async def test_any_graph_version_is_accepted_and_the_call_is_recorded(http, meta, clock):
    meta.customer_wrote(CUSTOMER)
    for version in ("v21.0", "v19.0", "v25.0"):
        status, _ = await Graph(http, meta, version=version).whatsapp()
        assert status == 200
    call = meta.calls[0]
    assert isinstance(call, GraphCall)
    assert (call.method, call.path, call.kind, call.token, call.status) == (
        "POST", f"/v21.0/{PHONE_ID}/messages", "whatsapp.messages", TOKEN, 200)
    assert call.at == clock.now and call.body["text"] == {"body": "سلام"}
    assert call.response["messages"][0]["id"].startswith("wamid.")


async def test_unknown_paths_answer_like_graph(graph):
    status, code, message = error_of(await graph.post(f"{PHONE_ID}/nothing/here", {}))
    assert (status, code, message) == (400, 2500, "Unknown path components: /nothing/here")
    status, code, message = error_of(await graph.post(PHONE_ID, {}))
    assert (status, code) == (400, 100)
    assert message.startswith(f"Unsupported post request. Object with ID '{PHONE_ID}'")


# ------------------------------------------------------------------ WhatsApp sends


async def test_text_message_success_shape(graph, meta):
    meta.customer_wrote(CUSTOMER)
    status, body = await graph.whatsapp("+98 912 123 4567")
    assert status == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+98 912 123 4567", "wa_id": CUSTOMER}]
    (message,) = body["messages"]
    assert message["id"].startswith("wamid.")
    _, again = await graph.whatsapp()
    assert again["messages"][0]["id"] != message["id"]
    assert [sent["to"] for sent in meta.sent(to=CUSTOMER)] == ["+98 912 123 4567", CUSTOMER]
    assert meta.sent("instagram") == [] and len(meta.sent("whatsapp.messages")) == 2


async def test_text_body_must_be_1_to_4096_characters(graph, meta):
    meta.customer_wrote(CUSTOMER)
    assert (await graph.whatsapp(**text("ب" * 4096)))[0] == 200
    assert error_of(await graph.whatsapp(**text(""))) == (
        400, 100, "(#100) The parameter text['body'] is required.")
    assert error_of(await graph.whatsapp(**text("ب" * 4097))) == (
        400, 100, "(#100) Param text['body'] must be at most 4096 characters long.")
    assert len(meta.sent()) == 1


async def test_envelope_needs_messaging_product_and_to(graph, meta):
    status, code, message = error_of(await graph.post(f"{PHONE_ID}/messages",
                                                      {"to": CUSTOMER, **text("x")}))
    assert (status, code, message) == (400, 100, "(#100) The parameter messaging_product "
                                                 "is required.")
    status, code, _ = error_of(await graph.post(
        f"{PHONE_ID}/messages", {"messaging_product": "whatsapp", **text("x")}))
    assert (status, code) == (400, 100)
    assert error_of(await graph.whatsapp(type="hologram", hologram={}))[:2] == (400, 131009)


async def test_reply_buttons_are_validated_like_meta(graph, meta):
    meta.customer_wrote(CUSTOMER)
    assert (await graph.whatsapp(**buttons("بله", "خیر", "بعداً")))[0] == 200
    too_many = await graph.whatsapp(**buttons("a", "b", "c", "d"))
    assert error_of(too_many) == (400, 131009, "(#131009) Parameter value is not valid")
    assert "Max allowed buttons: 3" in details_of(too_many)
    long_title = await graph.whatsapp(**buttons("x" * 21))
    assert details_of(long_title) == "Button title length invalid. Min length: 1, Max length: 20"
    assert (await graph.whatsapp(**buttons("x" * 20)))[0] == 200
    duplicate = await graph.whatsapp(**buttons("a", "b", ids=["same", "same"]))
    assert error_of(duplicate)[:2] == (400, 131009) and "Button id" in details_of(duplicate)
    assert len(meta.sent()) == 2


async def test_list_messages_are_validated_like_meta(graph, meta):
    meta.customer_wrote(CUSTOMER)
    assert (await graph.whatsapp(**list_message(["یک"] * 5, ["دو"] * 5)))[0] == 200
    eleven = await graph.whatsapp(**list_message(["یک"] * 6, ["دو"] * 5))
    assert error_of(eleven)[:2] == (400, 131009) and "Max allowed rows: 10" in details_of(eleven)
    long_row = await graph.whatsapp(**list_message(["x" * 25]))
    assert details_of(long_row) == "Row title length invalid. Min length: 1, Max length: 24"
    assert (await graph.whatsapp(**list_message(["x" * 24])))[0] == 200
    long_button = await graph.whatsapp(**list_message(["x"], button="y" * 21))
    assert details_of(long_button) == "Button text length invalid. Min length: 1, Max length: 20"


async def test_template_needs_name_and_language_code_and_ignores_the_window(graph, meta):
    # Nobody wrote: a template is how a business starts the conversation.
    template = {"name": "order_update", "language": {"code": "fa"}}
    status, body = await graph.whatsapp(type="template", template=template)
    assert status == 200 and body["messages"][0]["id"].startswith("wamid.")
    assert error_of(await graph.whatsapp(type="template", template={"language": {"code": "fa"}})
                    ) == (400, 100, "(#100) The parameter template['name'] is required.")
    assert error_of(await graph.whatsapp(type="template",
                                         template={"name": "t", "language": {}})
                    ) == (400, 100, "(#100) The parameter template['language']['code'] "
                                    "is required.")


async def test_media_reaction_and_read_receipt_bodies(graph, meta):
    meta.customer_wrote(CUSTOMER)
    for kind in ("image", "document", "audio", "video"):
        assert (await graph.whatsapp(type=kind, **{kind: {"id": "1234"}}))[0] == 200
    assert error_of(await graph.whatsapp(type="image", image={"caption": "x"}))[:2] == (400, 100)
    reaction = {"message_id": "wamid.in", "emoji": "👍"}
    assert (await graph.whatsapp(type="reaction", reaction=reaction))[0] == 200
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in"}
    assert await graph.post(f"{PHONE_ID}/messages", read) == (200, {"success": True})
    assert len(meta.sent()) == 5  # the read receipt is not a message


# ------------------------------------------------------------------ WhatsApp rules


async def test_free_form_message_outside_the_24h_window_is_131047(graph, meta, clock):
    never = await graph.whatsapp()
    assert error_of(never) == (400, 131047, "(#131047) Re-engagement message")
    assert "more than 24 hours" in details_of(never)
    meta.customer_wrote(CUSTOMER)
    clock.advance(DAY)
    assert (await graph.whatsapp())[0] == 200  # exactly 24 h is still inside
    clock.advance(1)
    assert error_of(await graph.whatsapp())[1] == 131047
    meta.customer_wrote(CUSTOMER, at=clock.now - 23 * HOUR)
    assert (await graph.whatsapp(**buttons("بله")))[0] == 200
    assert len(meta.sent()) == 2


async def test_undeliverable_recipient_is_131026(graph, meta):
    meta.customer_wrote(CUSTOMER)
    meta.undeliverable.add("+" + CUSTOMER)
    result = await graph.whatsapp()
    assert error_of(result) == (400, 131026, "(#131026) Message undeliverable")
    assert details_of(result).startswith("Unable to deliver message.")
    template = {"name": "t", "language": {"code": "fa"}}
    assert error_of(await graph.whatsapp(type="template", template=template))[1] == 131026


async def test_pair_rate_limit_is_131056_with_a_documented_burst(graph, meta, clock):
    meta.customer_wrote(CUSTOMER)
    meta.customer_wrote("989120000000")
    for _ in range(45):  # Meta: bursts of up to 45 messages to one customer
        assert (await graph.whatsapp())[0] == 200
    limited = await graph.whatsapp()
    assert error_of(limited) == (
        400, 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit")
    assert "to the same phone number" in details_of(limited)
    assert (await graph.whatsapp("989120000000"))[0] == 200  # another customer is unaffected
    clock.advance(5.9)
    assert error_of(await graph.whatsapp())[1] == 131056
    clock.advance(0.1)  # one message every 6 s on average
    assert (await graph.whatsapp())[0] == 200
    assert error_of(await graph.whatsapp())[1] == 131056
    assert meta.too_many_requests == 3
    assert meta.stats()["error_codes"] == {"131056": 3}


async def test_pair_limit_is_a_constructor_setting(http, clock):
    async with FakeMeta(clock=clock, pair_interval=10, pair_burst=2) as fake:
        fake.customer_wrote(CUSTOMER)
        graph = Graph(http, fake)
        assert [(await graph.whatsapp())[0] for _ in range(3)] == [200, 200, 400]
        clock.advance(10)
        assert (await graph.whatsapp())[0] == 200


async def test_throughput_over_80_per_second_is_130429(graph, meta, clock):
    customers = [f"98912{n:07d}" for n in range(81)]
    for customer in customers:
        meta.customer_wrote(customer)
    for customer in customers[:80]:
        assert (await graph.whatsapp(customer))[0] == 200
    limited = await graph.whatsapp(customers[80])
    assert error_of(limited) == (400, 130429, "(#130429) Rate limit hit")
    assert "too many messages sent from this phone number" in details_of(limited)
    clock.advance(1.0)
    assert (await graph.whatsapp(customers[80]))[0] == 200
    assert meta.too_many_requests == 1


async def test_no_limits_switches_off_pair_and_throughput_but_not_the_window(http, clock):
    async with FakeMeta(clock=clock, enforce_limits=False) as fake:
        fake.customer_wrote(CUSTOMER)
        graph = Graph(http, fake)
        statuses = [(await graph.whatsapp())[0] for _ in range(100)]
        assert statuses == [200] * 100 and fake.too_many_requests == 0
        assert error_of(await graph.whatsapp("989990000000"))[1] == 131047


# ------------------------------------------------------------------ injected failures


async def test_fail_next_injects_graph_errors_for_a_kind(graph, meta):
    meta.customer_wrote(CUSTOMER)
    meta.fail_next("whatsapp.messages", code=80007, times=2)
    meta.fail_next("whatsapp.messages", status=429, code=4)
    meta.fail_next("whatsapp.messages", status=500, code=131000, message="(#131000) Boom",
                   details="try later")
    assert error_of(await graph.whatsapp()) == (400, 80007, "(#80007) Rate limit issues")
    assert error_of(await graph.whatsapp())[1] == 80007
    assert error_of(await graph.whatsapp()) == (429, 4,
                                                "(#4) Application request limit reached")
    failed = await graph.whatsapp()
    assert error_of(failed) == (500, 131000, "(#131000) Boom")
    assert details_of(failed) == "try later"
    assert (await graph.whatsapp())[0] == 200
    assert [call.status for call in meta.calls] == [400, 400, 429, 500, 200]
    assert len(meta.sent()) == 1


async def test_fail_next_613_on_instagram_and_unknown_kinds_are_refused(graph, meta):
    meta.user_wrote(IGSID)
    meta.fail_next("instagram.messages", code=613)
    status, code, message = error_of(await graph.instagram())
    assert (status, code, message) == (400, 613,
                                       "(#613) Calls to this API have exceeded the rate limit.")
    assert (await graph.instagram())[0] == 200
    with pytest.raises(ValueError):
        meta.fail_next("telepathy", code=1)


async def test_delay_next_holds_the_answer(graph, meta):
    meta.customer_wrote(CUSTOMER)
    meta.delay_next("whatsapp.messages", 0.5)
    answer = asyncio.ensure_future(graph.whatsapp())
    await asyncio.sleep(0.1)
    assert not answer.done()  # held, not failed or answered at once
    assert (await answer)[0] == 200


# ------------------------------------------------------------------ media


async def test_media_url_and_download_need_the_token(http, graph, meta):
    content = b"%PDF-1.7 fake invoice"
    meta.add_media("778899", content, "application/pdf")
    status, body = await graph.get("778899")
    assert status == 200
    assert body == {
        "url": f"{meta.base_url}/media-download/778899", "mime_type": "application/pdf",
        "sha256": hashlib.sha256(content).hexdigest(), "file_size": len(content),
        "id": "778899", "messaging_product": "whatsapp",
    }
    async with http.get(body["url"], headers=graph.headers()) as response:
        assert response.status == 200
        assert response.content_type == "application/pdf"
        assert await response.read() == content
    async with http.get(body["url"]) as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == 190
    assert [call.kind for call in meta.calls] == ["media.get", "media.download", "media.download"]


async def test_unknown_media_is_code_100_subcode_33(http, graph, meta):
    status, body = await graph.get("404404")
    assert status == 400
    error = body["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (
        100, 33, "GraphMethodException")
    assert error["message"].startswith("Unsupported get request. Object with ID '404404'")
    async with http.get(f"{meta.base_url}/media-download/404404",
                        headers=graph.headers()) as response:
        assert response.status == 404


# ------------------------------------------------------------------ Instagram


async def test_instagram_send_success_shape_on_me_and_account_paths(graph, meta):
    meta.user_wrote(IGSID)
    status, body = await graph.instagram()
    assert status == 200 and body["recipient_id"] == IGSID and body["message_id"]
    status, again = await graph.instagram(node=IG_ID, messaging_type="RESPONSE", message={
        "text": "یکی را انتخاب کنید",
        "quick_replies": [{"content_type": "text", "title": "بله", "payload": "YES"}],
    })
    assert status == 200 and again["message_id"] != body["message_id"]
    image = {"attachment": {"type": "image", "payload": {"url": "https://example.com/a.png"}}}
    assert (await graph.instagram(message=image))[0] == 200
    assert [call.kind for call in meta.calls] == ["instagram.messages"] * 3
    assert len(meta.sent("instagram", to=IGSID)) == 3


async def test_instagram_text_is_limited_to_1000_utf8_bytes(graph, meta, http, clock):
    meta.user_wrote(IGSID)
    assert (await graph.instagram(message={"text": "x" * 1000}))[0] == 200
    assert (await graph.instagram(message={"text": "س" * 500}))[0] == 200  # 1000 bytes
    assert error_of(await graph.instagram(message={"text": "س" * 501})) == (
        400, 100, "(#100) Length of param message[text] must be less than or equal to 1000")
    async with FakeMeta(clock=clock, instagram_text_in_bytes=False) as by_chars:
        by_chars.user_wrote(IGSID)
        assert (await Graph(http, by_chars).instagram(message={"text": "س" * 1000}))[0] == 200


async def test_instagram_quick_replies_at_most_13_with_short_titles(graph, meta):
    meta.user_wrote(IGSID)

    def replies(count: int, title: str = "بله") -> dict[str, Any]:
        return {"text": "?", "quick_replies": [
            {"content_type": "text", "title": title, "payload": str(n)} for n in range(count)]}

    assert (await graph.instagram(message=replies(13)))[0] == 200
    assert error_of(await graph.instagram(message=replies(14)))[:2] == (400, 100)
    assert error_of(await graph.instagram(message=replies(1, "x" * 21)))[:2] == (400, 100)
    assert (await graph.instagram(message=replies(1, "x" * 20)))[0] == 200


async def test_instagram_outside_24h_is_code_10_subcode_2018278(graph, meta, clock):
    status, body = await graph.instagram()
    error = body["error"]
    assert (status, error["code"], error["error_subcode"]) == (400, 10, 2018278)
    assert error["message"].startswith("(#10) This message is sent outside of allowed window.")
    meta.user_wrote(IGSID)
    clock.advance(DAY + 1)
    assert error_of(await graph.instagram())[1] == 10
    human = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    assert (await graph.instagram(**human))[0] == 200
    clock.advance(6 * DAY - 2)  # 7 days minus a second since the user wrote
    assert (await graph.instagram(**human))[0] == 200
    clock.advance(2)
    assert error_of(await graph.instagram(**human))[1] == 10
    assert error_of(await graph.instagram(messaging_type="MESSAGE_TAG",
                                          tag="CONFIRMED_EVENT_UPDATE"))[:2] == (400, 100)


async def test_private_reply_once_per_comment_within_7_days(graph, meta, clock):
    status, body = await graph.instagram({"comment_id": "c-1"})
    assert status == 200 and body["message_id"]  # no inbound message needed
    assert error_of(await graph.instagram({"comment_id": "c-1"})) == (
        400, 10900, "(#10900) Activity already replied to")
    meta.user_commented("c-2", igsid=IGSID)
    clock.advance(7 * DAY)
    status, body = await graph.instagram({"comment_id": "c-2"})
    assert (status, body["recipient_id"]) == (200, IGSID)
    meta.user_commented("c-3", at=clock.now - 7 * DAY - 1)
    assert error_of(await graph.instagram({"comment_id": "c-3"}))[:2] == (400, 10903)


async def test_instagram_form_encoding_query_token_and_sender_actions(http, meta):
    meta.user_wrote(IGSID)
    url = f"{meta.base_url}/v21.0/me/messages?access_token={TOKEN}"
    form = {"recipient": f'{{"id":"{IGSID}"}}', "message": '{"text":"hi"}'}
    async with http.post(url, data=form) as response:
        assert response.status == 200
        assert (await response.json())["recipient_id"] == IGSID
    async with http.post(url, json={"recipient": {"id": IGSID},
                                    "sender_action": "typing_on"}) as response:
        assert (response.status, await response.json()) == (200, {"recipient_id": IGSID})
    async with http.post(url, json={"recipient": {"id": IGSID}}) as response:
        error = (await response.json())["error"]
        assert error["message"] == "(#100) Must send either message or sender action"
    assert meta.calls[0].token == TOKEN and "access_token" not in meta.calls[0].body
    assert [body["message"]["text"] for body in meta.sent()] == ["hi"]


# ------------------------------------------------------------------ webhooks


def test_sign_matches_the_rfc_4231_hmac_sha256_vector():
    fake = FakeMeta(app_secret="Jefe")
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert fake.sign(b"what do ya want for nothing?") == f"sha256={expected}"
    assert fake.sign("what do ya want for nothing?") == f"sha256={expected}"


@pytest.fixture
async def receiver():
    """A webhook endpoint that checks X-Hub-Signature-256 over the raw body, as the bot must."""
    received: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        digest = hmac.new(b"test-app-secret", raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, ""),
                                   f"sha256={digest}"):
            return web.Response(status=401)
        received.append(raw)
        return web.Response(text="EVENT_RECEIVED")

    app = web.Application()
    app.router.add_post("/webhook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/webhook", received
    await runner.cleanup()


def whatsapp_inbound(wa_id: str, body: str) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_ID},
            "contacts": [{"profile": {"name": "سارا"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": "wamid.in1", "timestamp": "1700000000",
                          "type": "text", "text": {"body": body}}],
        }}]}]}


async def test_deliver_signs_the_body_and_opens_the_window(graph, meta, receiver):
    url, received = receiver
    assert error_of(await graph.whatsapp())[1] == 131047
    assert await meta.deliver(url, whatsapp_inbound(CUSTOMER, "سلام، سفارشم کجاست؟")) == 200
    assert received[0].startswith(b'{"object":"whatsapp_business_account","entry":[{')
    assert "سفارشم".encode() in received[0]  # compact UTF-8 by default
    assert (await graph.whatsapp())[0] == 200


async def test_deliver_can_escape_unicode_and_a_bad_secret_is_refused(meta, receiver, clock):
    url, received = receiver
    instagram = {"object": "instagram", "entry": [{"id": IG_ID, "time": 1, "messaging": [
        {"sender": {"id": IGSID}, "recipient": {"id": IG_ID}, "timestamp": 1,
         "message": {"mid": "m1", "text": "ä سلام"}}]}]}
    assert await meta.deliver(url, instagram, escape_unicode=True) == 200
    assert b"\\u00e4 \\u0633" in received[0] and meta.sign(received[0]).startswith("sha256=")
    async with FakeMeta(app_secret="other-secret", clock=clock) as stranger:
        assert await stranger.deliver(url, instagram) == 401
    assert len(received) == 1


async def test_delivered_instagram_messages_and_comments_open_their_windows(
        graph, meta, receiver):
    url, _ = receiver
    echo = {"object": "instagram", "entry": [{"id": IG_ID, "time": 1, "messaging": [
        {"sender": {"id": IGSID}, "recipient": {"id": IG_ID}, "message": {
            "mid": "m0", "text": "ours", "is_echo": True}}]}]}
    await meta.deliver(url, echo)
    assert error_of(await graph.instagram())[1] == 10  # an echo is not the user writing
    comment = {"object": "instagram", "entry": [{"id": IG_ID, "time": 1, "changes": [
        {"field": "comments", "value": {"id": "c-9", "text": "قیمت؟",
                                        "from": {"id": IGSID, "username": "sara"}}}]}]}
    await meta.deliver(url, comment)
    status, body = await graph.instagram({"comment_id": "c-9"})
    assert (status, body["recipient_id"]) == (200, IGSID)


# ------------------------------------------------------------------ helpers and bounds


async def test_wait_for_returns_when_true_and_explains_a_timeout(graph, meta):
    meta.customer_wrote(CUSTOMER)
    sending = asyncio.create_task(graph.whatsapp())
    await meta.wait_for(lambda fake: fake.sent(to=CUSTOMER), timeout=2)
    await sending
    with pytest.raises(AssertionError, match=r"still false after 0\.05 s \(.*\); 1 calls recorded"):
        await meta.wait_for(lambda fake: fake.sent("instagram"), timeout=0.05)


async def test_record_and_contact_limits_bound_memory(http, clock):
    async with FakeMeta(clock=clock, record_limit=3, contact_limit=2,
                        enforce_limits=False) as fake:
        graph = Graph(http, fake)
        for customer in ("98911", "98912", "98913"):
            fake.customer_wrote(customer)
        assert error_of(await graph.whatsapp("98911"))[1] == 131047  # forgotten first
        for n in range(4):
            assert (await graph.whatsapp("98913", **text(str(n))))[0] == 200
        assert [body["text"]["body"] for body in fake.sent()] == ["1", "2", "3"]
        stats = fake.stats()
        assert (stats["sent"], stats["tracked"]["customers"], stats["tracked"]["calls"]) == (
            4, 2, 3)


async def test_command_line_server_serves_until_sigterm(http):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.meta", "--port", "0", "--token", "cli-token",
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().strip()
        assert line.startswith("READY http://127.0.0.1:")
        base_url = line.removeprefix("READY ")
        async with http.post(f"{base_url}/__customer_wrote", json={"wa_id": CUSTOMER}) as response:
            assert response.status == 200
        headers = {"Authorization": "Bearer cli-token"}
        body = {"messaging_product": "whatsapp", "to": CUSTOMER, **text("hi")}
        async with http.post(f"{base_url}/v21.0/{PHONE_ID}/messages", json=body,
                             headers=headers) as response:
            assert response.status == 200
        async with http.get(f"{base_url}/__stats") as response:
            stats = await response.json()
        assert stats["sent"] == 1 and stats["calls"] == {"whatsapp.messages": 1}
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
