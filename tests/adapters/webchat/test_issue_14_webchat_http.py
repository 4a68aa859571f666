"""Issue 14: the widget's endpoints over real HTTP, in the whole app: the Origin check, the
token, the same inbox and flows as the messengers, the reply through the outbox to the
visitor's stream, the limits and the refusal counts the owner sees."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from datetime import UTC, datetime, timedelta

import aiohttp
import orjson
import pytest

from adapters.webchat import new_channel
from adapters.webchat.api import serving
from bots.cli import main
from bots.typedefs import RUNTIME
from core import owner_desk
from core.events import Platform
from core.models import Conversation, Identity, Message
from core.visitors import refusals_by_channel, revoke_visitor
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import csrf_token, log_in, make_user, post_form

ORIGIN = "https://shop.example"
HEADERS = {"Origin": ORIGIN}


async def _channel(client, origins=(ORIGIN,), language="fa") -> str:
    new = new_channel("Shop", origins, language)
    await owner_desk.save_channel(Platform.WEBCHAT, key=new.key, token=new.token,
                                  webhook_secret="", name=new.name, options=new.options)
    await client.app[RUNTIME].reload_channels()
    return new.key


async def _session(client, key: str, token: str = "") -> dict:
    response = await client.post(f"/webchat/api/{key}/session", headers=HEADERS,
                                 data=orjson.dumps({"token": token}))
    assert response.status == 200, await response.text()
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    return await response.json()


async def _send(client, key: str, token: str, text: str, client_id: str):
    return await client.post(f"/webchat/api/{key}/messages", headers=HEADERS,
                             data=orjson.dumps({"token": token, "id": client_id,
                                                "text": text}))


async def _history(client, key: str, token: str, after: int = 0):
    return await client.get(f"/webchat/api/{key}/messages",
                            params={"token": token, "after": str(after)}, headers=HEADERS)


@pytest.fixture
async def limited(aiohttp_client, settings_with_fake):
    from bots.runtime import create_app

    settings = settings_with_fake.with_environment(WEBCHAT_MESSAGES_PER_MINUTE="2",
                                                   WEBCHAT_VISITORS_PER_HOUR_PER_IP="3",
                                                   WEBCHAT_READS_PER_MINUTE="3",
                                                   WEBCHAT_READS_PER_MINUTE_PER_IP="5")
    return await aiohttp_client(create_app(settings))


async def test_issue_14_a_visitor_is_answered_by_the_same_bot_through_the_outbox(pasokh):
    key = await _channel(pasokh)
    token = (await _session(pasokh, key))["token"]
    sent = await _send(pasokh, key, token, "سلام", "m1")
    assert sent.status == 202
    again = await _send(pasokh, key, token, "سلام", "m1")  # a resend after a lost answer
    assert again.status == 202

    async def answered() -> bool:
        messages = (await (await _history(pasokh, key, token)).json())["messages"]
        return [m["from"] for m in messages] == ["visitor", "bot"]

    await eventually(answered, what="the bot's welcome")
    messages = (await (await _history(pasokh, key, token)).json())["messages"]
    assert messages[0]["text"] == "سلام"
    assert messages[1]["buttons"]  # the menu, as real buttons
    conversation = await Conversation.get(chat_id=token.split(".")[0])
    assert await Message.filter(conversation_id=conversation.id).count() == 2
    await eventually(lambda: Message.exists(conversation_id=conversation.id, author="bot",
                                            delivery="sent"), what="the outbox's send")
    later = await (await _history(pasokh, key, token, after=messages[-1]["id"])).json()
    assert later["messages"] == []


async def test_issue_14_a_visitor_reads_only_its_own_conversation(pasokh):
    key = await _channel(pasokh)
    first = (await _session(pasokh, key))["token"]
    assert (await _send(pasokh, key, first, "سفارش ۱۲۳ من کجاست؟", "a")).status == 202
    second = (await _session(pasokh, key))["token"]
    assert second != first
    assert (await (await _history(pasokh, key, second)).json())["messages"] == []
    for forged in (first[:-3] + "abc", first.split(".")[0] + "." + second.split(".", 1)[1],
                   "", "garbage"):
        response = await _history(pasokh, key, forged)
        assert response.status == 401
        assert "messages" not in await response.json()
    other_key = await _channel(pasokh)
    assert (await _history(pasokh, other_key, first)).status == 401  # another channel's
    assert (await _session(pasokh, key, first))["token"] == first  # still good: kept
    await revoke_visitor(first.split(".")[0])
    assert (await _history(pasokh, key, first)).status == 401
    assert (await _session(pasokh, key, first))["token"] != first  # a new visitor instead


async def test_issue_14_a_foreign_origin_gets_nothing(pasokh):
    key = await _channel(pasokh)
    token = (await _session(pasokh, key))["token"]
    for headers in ({"Origin": "https://evil.example"}, {}):
        session = await pasokh.post(f"/webchat/api/{key}/session", headers=headers, data=b"{}")
        assert session.status == 403
        assert "Access-Control-Allow-Origin" not in session.headers
        history = await pasokh.get(f"/webchat/api/{key}/messages", params={"token": token},
                                   headers=headers)
        assert history.status == 403
        stream = await pasokh.get(f"/webchat/api/{key}/stream", params={"token": token},
                                  headers=headers)
        assert stream.status == 403
    assert (await pasokh.post("/webchat/api/nokey/session", headers=HEADERS)).status == 404
    await serving.gate.refusals.flush()
    assert sum((await refusals_by_channel()).values()) == 6


async def test_issue_14_limits_answer_429_in_persian_and_are_counted(limited):
    key = await _channel(limited)
    token = (await _session(limited, key))["token"]
    assert (await _send(limited, key, token, "یک", "1")).status == 202
    assert (await _send(limited, key, token, "دو", "2")).status == 202
    refused = await _send(limited, key, token, "سه", "3")
    assert refused.status == 429
    assert "صبر کنید" in (await refused.json())["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    too_long = await _send(limited, key, (await _session(limited, key))["token"], "x" * 2001,
                           "4")
    assert too_long.status == 413
    await _session(limited, key)
    flood = await limited.post(f"/webchat/api/{key}/session", headers=HEADERS, data=b"{}")
    assert flood.status == 429  # the fourth new visitor from one IP in an hour
    await serving.gate.refusals.flush()
    channels = {c.key: c for c in await owner_desk.channels()}
    assert channels[key].refused == 3


async def test_issue_14_the_stream_wakes_when_the_reply_is_sent(pasokh):
    key = await _channel(pasokh)
    token = (await _session(pasokh, key))["token"]
    stream = await pasokh.get(f"/webchat/api/{key}/stream", params={"token": token},
                              headers=HEADERS)
    assert stream.status == 200
    assert stream.headers["Content-Type"] == "text/event-stream"

    async def next_sync() -> None:
        while b"event: sync" not in await stream.content.readline():
            pass

    await asyncio.wait_for(next_sync(), 10)  # the first, on connecting
    assert (await _send(pasokh, key, token, "سلام", "x")).status == 202
    await asyncio.wait_for(next_sync(), 10)
    await asyncio.wait_for(next_sync(), 10)  # the bot's reply, from the outbox's transport
    messages = (await (await _history(pasokh, key, token)).json())["messages"]
    assert [m["from"] for m in messages] == ["visitor", "bot"]
    stream.close()


async def test_issue_14_the_channels_page_shows_the_line_to_paste(pasokh):
    key = await _channel(pasokh)
    await make_user("owner@shop.ir", "owner")
    await log_in(pasokh, "owner@shop.ir")
    page = await (await pasokh.get("/owner/channels")).text()
    assert f'data-channel=&#34;{key}&#34;' in page or f'data-channel="{key}"' in page
    assert "data-copy" in page


def test_issue_14_pasokh_webchat_create_prints_the_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PASOKH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("PASOKH_PUBLIC_URL", "https://pasokh.example")
    monkeypatch.chdir(tmp_path)
    assert main(["webchat", "create", "--name", "Shop", "--origin", ORIGIN]) == 0
    printed = capsys.readouterr()
    line = printed.out.strip()
    assert "keep it secret" in printed.err
    assert line.startswith('<script src="https://pasokh.example/webchat/widget.js" '
                           'data-channel="')
    assert line.endswith('" async></script>')
    assert main(["webchat", "create", "--name", "Shop", "--origin", "shop.example"]) == 2


def _identity(secret: str, **claims) -> str:
    import jwt

    return jwt.encode({"exp": int(time.time()) + 600, **claims}, secret, algorithm="HS256")


async def test_issue_14_a_signed_identity_sees_its_history_on_any_device(pasokh):
    new = new_channel("Shop", [ORIGIN])
    await owner_desk.save_channel(Platform.WEBCHAT, key=new.key, token=new.token,
                                  webhook_secret="", name=new.name, options=new.options)
    await pasokh.app[RUNTIME].reload_channels()
    key, secret = new.key, new.token

    async def identify(token: str, identity: str):
        return await pasokh.post(f"/webchat/api/{key}/identify", headers=HEADERS,
                                 data=orjson.dumps({"token": token, "identity": identity}))

    laptop = (await _session(pasokh, key))["token"]
    vouched = _identity(secret, sub="customer-42", name="نگار", phone="+989121234567")
    answer = await identify(laptop, vouched)
    assert answer.status == 200
    as_customer = (await answer.json())["token"]
    assert as_customer != laptop
    assert (await _send(pasokh, key, as_customer, "سلام از لپ‌تاپ", "l1")).status == 202

    phone = (await _session(pasokh, key))["token"]
    on_phone = (await (await identify(phone, vouched)).json())["token"]
    assert on_phone.split(".")[0] == as_customer.split(".")[0]  # the same visitor

    async def history_there() -> bool:
        messages = (await (await _history(pasokh, key, on_phone)).json())["messages"]
        return any(m["text"] == "سلام از لپ‌تاپ" for m in messages)

    await eventually(history_there, what="the laptop's message on the phone")
    conversation = await Conversation.get(chat_id=as_customer.split(".")[0]) \
        .prefetch_related("customer")
    assert conversation.customer.display_name == "نگار"

    wrong_secret = "another channel's secret, long enough for HS256"
    for bad in (_identity(wrong_secret, sub="customer-42"),  # wrongly signed
                jwt_unsigned(sub="customer-42"),
                _identity(secret, sub="customer-42", exp=int(time.time()) - 3600),  # expired
                _identity(secret, name="no sub"),
                "not a jwt"):
        refused = await identify(phone, bad)
        assert refused.status == 401
        assert "token" not in await refused.json()


def jwt_unsigned(**claims) -> str:
    import jwt

    return jwt.encode({"exp": int(time.time()) + 600, **claims}, None, algorithm="none")


async def test_issue_14_continue_in_telegram_joins_the_same_customer_once(pasokh):
    new = new_channel("Shop", [ORIGIN], continue_on="https://t.me/ShopBot")
    await owner_desk.save_channel(Platform.WEBCHAT, key=new.key, token=new.token,
                                  webhook_secret="", name=new.name, options=new.options)
    await pasokh.app[RUNTIME].reload_channels()
    session = await _session(pasokh, new.key)
    assert session["continues"] is True
    token = session["token"]
    assert (await _send(pasokh, new.key, token, "سفارشم کجاست؟", "w1")).status == 202
    web_chat = token.split(".")[0]
    await eventually(lambda: Conversation.exists(chat_id=web_chat), what="the web chat")
    answer = await pasokh.post(f"/webchat/api/{new.key}/continue", headers=HEADERS,
                               data=orjson.dumps({"token": token}))
    url = (await answer.json())["url"]
    assert url.startswith("https://t.me/ShopBot?start=")
    start = url.split("start=")[1]

    assert (await post_update(pasokh, text_update(9101, f"/start {start}"))).status == 200

    async def joined() -> bool:
        telegram = await Conversation.get_or_none(chat_id="9101")
        web = await Conversation.get(chat_id=web_chat)
        return telegram is not None and telegram.customer_id == web.customer_id

    await eventually(joined, what="the Telegram identity joined to the visitor")
    customer_id = (await Conversation.get(chat_id=web_chat)).customer_id
    assert await Identity.filter(customer_id=customer_id).count() == 2

    # Once only: a second chat with the same token stays a customer of its own.
    assert (await post_update(pasokh, text_update(9102, f"/start {start}"))).status == 200
    await eventually(lambda: Conversation.exists(chat_id="9102"), what="the second chat")
    await asyncio.sleep(0.3)  # the listener's turn
    assert (await Conversation.get(chat_id="9102")).customer_id != customer_id


async def test_issue_14_a_continuation_token_expires_and_needs_its_form(database):
    from core import continuity
    from core.models import Continuation

    assert continuity.token_in("/start abc") == "abc"
    assert continuity.token_in("/start@ShopBot abc") == "abc"
    assert continuity.token_in("/start") is None
    assert continuity.token_in("start abc") is None
    assert continuity.token_in("/start " + "x" * 65) is None
    channel_id = await owner_desk.save_channel(Platform.WEBCHAT, key="k", token="s",
                                               webhook_secret="", name="Shop")
    token = await continuity.issue(channel_id, "v1")
    await Continuation.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert not await continuity.redeem(token, 1)
    assert not await continuity.redeem("never issued", 1)


async def test_issue_14_pre_chat_fields_and_attributes_reach_the_customer(pasokh):
    new = new_channel("Shop", [ORIGIN], ask=("name", "phone"))
    await owner_desk.save_channel(Platform.WEBCHAT, key=new.key, token=new.token,
                                  webhook_secret="", name=new.name, options=new.options)
    await pasokh.app[RUNTIME].reload_channels()
    session = await _session(pasokh, new.key)
    assert session["ask"] == ["name", "phone"]
    token = session["token"]

    async def post(path: str, body: dict):
        return await pasokh.post(f"/webchat/api/{new.key}/{path}", headers=HEADERS,
                                 data=orjson.dumps({"token": token, **body}))

    bad = await post("profile", {"phone": "not a phone"})
    assert bad.status == 400
    assert "درست" in (await bad.json())["message"]
    assert (await post("profile", {"name": "سارا", "phone": "09121234567",
                                   "email": "not asked@x.y"})).status == 200
    early = await post("attributes", {"attributes": {"plan": "gold"}})
    assert (await early.json())["applied"] is False  # no customer before the first message
    assert (await _send(pasokh, new.key, token, "سلام", "p1")).status == 202
    conversation = await Conversation.get(chat_id=token.split(".")[0]) \
        .prefetch_related("customer")
    assert conversation.customer.display_name == "سارا"
    assert conversation.customer.phone  # kept for the matching the other channels do
    later = await post("attributes", {"attributes": {"plan": "gold", "cart": 3}})
    assert (await later.json())["applied"] is True
    await conversation.customer.refresh_from_db()
    assert conversation.customer.attributes == {"plan": "gold", "cart": "3"}
    assert (await post("attributes", {"attributes": "not a mapping"})).status == 400


async def test_issue_18_the_widget_reads_from_a_page_on_pasokh_itself(pasokh):
    """The panel's preview: a page on Pasokh's own address, whose GETs carry no Origin."""
    own = str(pasokh.make_url("/")).rstrip("/")
    key = await _channel(pasokh, origins=(ORIGIN, own))
    token = (await _session(pasokh, key))["token"]
    same = {"Sec-Fetch-Site": "same-origin", "Referer": f"{own}/owner/try/widget?channel=1"}
    history = await pasokh.get(f"/webchat/api/{key}/messages", params={"token": token},
                               headers=same)
    assert history.status == 200 and (await history.json())["messages"] == []
    stream = await pasokh.get(f"/webchat/api/{key}/stream", params={"token": token},
                              headers=same)
    assert stream.status == 200
    stream.close()
    # Another site's page reaching the same addresses (an <img>, a <script>): refused.
    for forged in ({"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"},
                   {"Sec-Fetch-Site": "cross-site", "Referer": f"{own}/owner/try"},
                   {"Referer": "https://evil.example/"}, {}):
        for what in ("messages", "stream"):
            refused = await pasokh.get(f"/webchat/api/{key}/{what}", params={"token": token},
                                       headers=forged)
            assert refused.status == 403, (forged, what)
            assert "Access-Control-Allow-Origin" not in refused.headers
    # A channel that does not allow Pasokh's own address is not read from it either.
    shop_only = await _channel(pasokh)
    shop_token = (await _session(pasokh, shop_only))["token"]
    refused = await pasokh.get(f"/webchat/api/{shop_only}/messages",
                               params={"token": shop_token}, headers=same)
    assert refused.status == 403


async def test_issue_18_try_the_bot_frames_the_widget_of_a_channel_allowing_pasokh(pasokh):
    await make_user("owner@shop.ir", "owner")
    await make_user("agent@shop.ir", "agent")
    await log_in(pasokh, "owner@shop.ir")
    own = str(pasokh.make_url("/")).rstrip("/")
    await _channel(pasokh)  # the shop's site only: no preview, the chat and a hint instead
    page = await (await pasokh.get("/owner/try")).text()
    assert 'id="try-chat"' in page and "<iframe" not in page and own in page
    preview_link = "همان‌طور ببینید که بازدیدکنندگانتان می‌بینند"
    assert preview_link not in await (await pasokh.get("/owner/channels")).text()
    key = await _channel(pasokh, origins=(ORIGIN, own))
    channel_id = next(c.channel_id for c in await owner_desk.channels() if c.key == key)
    page = await (await pasokh.get("/owner/try")).text()
    assert f'src="/owner/try/widget?channel={channel_id}"' in page
    assert 'id="try-chat"' not in page
    assert (await (await pasokh.get("/owner/channels")).text()).count(preview_link) == 1
    framed = await pasokh.get("/owner/try/widget", params={"channel": str(channel_id)})
    assert framed.status == 200
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    assert f'data-channel="{key}"' in await framed.text()
    for wrong in ("999999", "x", ""):
        missing = await pasokh.get("/owner/try/widget", params={"channel": wrong})
        assert missing.status == 404
    await log_in(pasokh, "agent@shop.ir")
    assert (await pasokh.get("/owner/try/widget",
                             params={"channel": str(channel_id)})).status == 404


async def test_issue_14_the_owner_sees_the_secret_masked_and_rotates_it(pasokh):
    new = new_channel("Shop", [ORIGIN])
    channel_id = await owner_desk.save_channel(Platform.WEBCHAT, key=new.key, token=new.token,
                                               webhook_secret="", name=new.name,
                                               options=new.options)
    await pasokh.app[RUNTIME].reload_channels()
    key = new.key
    await make_user("owner@shop.ir", "owner")
    await log_in(pasokh, "owner@shop.ir")
    page = await (await pasokh.get("/owner/channels")).text()
    masked = re.search(r'<input id="secret-(\d+)"[^>]*type="password"[^>]*value="([^"]+)"',
                       page)
    assert masked is not None and masked.groups() == (str(channel_id), new.token)
    assert f'data-reveal="secret-{channel_id}"' in page
    assert f'data-copy="secret-{channel_id}"' in page

    visitor = (await _session(pasokh, key))["token"]
    assert (await _send(pasokh, key, visitor, "سلام", "before")).status == 202
    old_identity = _identity(new.token, sub="customer-7")
    rotated = await post_form(pasokh, "/owner/channels/secret", {"channel": str(channel_id)})
    assert rotated.status == 200
    secret = (await owner_desk.channel_credentials(channel_id))[1].token
    assert secret != new.token
    page = await rotated.text()
    assert f'value="{secret}"' in page and new.token not in page
    # The old secret stops working: the tokens it signed and the identities it signs.
    assert (await _history(pasokh, key, visitor)).status == 401
    assert (await _send(pasokh, key, visitor, "باز هم", "after")).status == 401
    fresh = (await _session(pasokh, key, visitor))["token"]
    assert fresh != visitor  # a new visitor: the old token is refused
    refused = await pasokh.post(f"/webchat/api/{key}/identify", headers=HEADERS,
                                data=orjson.dumps({"token": fresh, "identity": old_identity}))
    assert refused.status == 401
    taken = await pasokh.post(f"/webchat/api/{key}/identify", headers=HEADERS,
                              data=orjson.dumps({"token": fresh,
                                                 "identity": _identity(secret, sub="c-7")}))
    assert taken.status == 200
    # Not a site channel, or none: refused in words, nothing changes.
    for wrong in ("999999", "x"):
        missing = await post_form(pasokh, "/owner/channels/secret", {"channel": wrong})
        assert missing.status == 400


async def test_issue_14_reads_are_limited_per_visitor_and_per_ip(limited):
    key = await _channel(limited)
    token = (await _session(limited, key))["token"]
    for _ in range(3):
        assert (await _history(limited, key, token)).status == 200
    refused = await _history(limited, key, token)  # the visitor's fourth read this minute
    assert refused.status == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    body = await refused.json()
    assert body["error"] == "reads" and body["retry_after"] == wait
    assert "صبر کنید" in body["message"]
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget reads it
    stream = await limited.get(f"/webchat/api/{key}/stream", params={"token": token},
                               headers=HEADERS)
    assert stream.status == 429  # the stream is a read too
    # The IP's five reads are spent too (four reads, then the stream): another visitor
    # behind it waits as well.
    other = (await _session(limited, key))["token"]
    shared = await _history(limited, key, other)
    assert shared.status == 429 and (await shared.json())["error"] == "reads_ip"
    await serving.gate.refusals.flush()
    assert sum((await refusals_by_channel()).values()) == 3


async def test_issue_14_the_visitor_sees_when_an_agent_has_read_its_message(pasokh):
    key = await _channel(pasokh)
    token = (await _session(pasokh, key))["token"]
    stream = await pasokh.get(f"/webchat/api/{key}/stream", params={"token": token},
                              headers=HEADERS)

    async def next_event(name: str) -> None:
        while f"event: {name}".encode() not in await stream.content.readline():
            pass

    await asyncio.wait_for(next_event("sync"), 10)  # the first, on connecting
    assert (await _send(pasokh, key, token, "کسی هست؟", "q")).status == 202
    conversation = await Conversation.get(chat_id=token.split(".")[0])
    asked = await Message.get(conversation_id=conversation.id, author="customer")
    history = await (await _history(pasokh, key, token)).json()
    assert history["seen"] == 0  # nobody in the panel has opened it
    await make_user("agent@shop.ir", "agent")
    await log_in(pasokh, "agent@shop.ir")
    opened = await pasokh.get(f"/conversations/{conversation.id}")
    assert opened.status == 200
    # The page says it has the conversation open: the visitor's stream hears "seen".
    assert (await post_form(pasokh, f"/conversations/{conversation.id}/presence",
                            {"typing": "0"}, htmx=True)).status < 300
    await asyncio.wait_for(next_event("seen"), 10)
    history = await (await _history(pasokh, key, token)).json()
    assert history["seen"] >= asked.id
    stream.close()


def _png() -> bytes:
    """A real 2×2 PNG (red), made here rather than kept as a file."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def _upload(client, key: str, token: str, data: bytes, kind: str, client_id: str,
                  headers=HEADERS):
    return await client.post(f"/webchat/api/{key}/files", headers=headers, data=data,
                             params={"token": token, "type": kind, "name": "عکس.png",
                                     "id": client_id})


async def test_issue_14_a_visitors_picture_is_stored_shown_to_it_and_to_the_agent(pasokh):
    key = await _channel(pasokh)
    token = (await _session(pasokh, key))["token"]
    session = await _session(pasokh, key, token)
    assert "image/png" in session["files"]["types"] and session["files"]["max_bytes"] > 0
    picture = _png()
    sent = await _upload(pasokh, key, token, picture, "image/png", "p1")
    assert sent.status == 202, await sent.text()

    async def shown() -> bool:
        messages = (await (await _history(pasokh, key, token)).json())["messages"]
        return any(m.get("file") for m in messages)

    await eventually(shown, what="the stored picture in the visitor's history")
    messages = (await (await _history(pasokh, key, token)).json())["messages"]
    mine = next(m for m in messages if m.get("file"))
    assert mine["from"] == "visitor" and mine["kind"] == "photo"
    assert mine["file"] == {"type": "image/png", "name": "عکس.png", "size": len(picture)}
    read = await pasokh.get(f"/webchat/api/{key}/files/{mine['id']}", params={"token": token},
                            headers=HEADERS)
    assert read.status == 200 and await read.read() == picture
    assert read.headers["Content-Type"] == "image/png"
    assert read.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in read.headers["Content-Security-Policy"]
    stored = await Message.get(id=mine["id"])
    assert stored.media["stored"] == hashlib.sha256(picture).hexdigest()
    # Another visitor, another site, a bare <img> of another site: nothing.
    other = (await _session(pasokh, key))["token"]
    assert (await pasokh.get(f"/webchat/api/{key}/files/{mine['id']}", params={"token": other},
                             headers=HEADERS)).status == 404
    for foreign in ({"Origin": "https://evil.example"},
                    {"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"}):
        assert (await pasokh.get(f"/webchat/api/{key}/files/{mine['id']}",
                                 params={"token": token}, headers=foreign)).status == 403
    # The agent sees it in the conversation, as a picture from any channel.
    await make_user("agent@shop.ir", "agent")
    await log_in(pasokh, "agent@shop.ir")
    page = await (await pasokh.get(f"/conversations/{stored.conversation_id}")).text()
    assert f'<img src="/media/{mine["id"]}"' in page
    served = await pasokh.get(f"/media/{mine['id']}")
    assert served.status == 200 and await served.read() == picture
    # A PDF is a document, handed to the visitor as an attachment.
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    assert (await _upload(pasokh, key, token, pdf, "application/pdf", "p2")).status == 202
    messages = (await (await _history(pasokh, key, token, after=mine["id"])).json())["messages"]
    document = next(m for m in messages if m.get("file"))
    assert document["kind"] == "document" and document["file"]["type"] == "application/pdf"
    read = await pasokh.get(f"/webchat/api/{key}/files/{document['id']}",
                            params={"token": token}, headers=HEADERS)
    assert read.headers["Content-Disposition"] == "attachment" and await read.read() == pdf


async def _attach(client, conversation_id: int, data: bytes, kind: str, name: str):
    """The agent's "send a file" form, as the panel posts it (multipart, with htmx)."""
    form = aiohttp.FormData()
    form.add_field("csrf_token", await csrf_token(client))
    form.add_field("file", data, filename=name, content_type=kind)
    return await client.post(f"/conversations/{conversation_id}/reply_file", data=form,
                             headers={"HX-Request": "true"})


async def test_issue_14_an_agents_file_reaches_only_its_visitor(pasokh):
    key = await _channel(pasokh)
    token = (await _session(pasokh, key))["token"]
    assert (await _send(pasokh, key, token, "فاکتور را بفرستید", "q")).status == 202
    conversation = await Conversation.get(chat_id=token.split(".")[0])
    await make_user("agent@shop.ir", "agent")
    await log_in(pasokh, "agent@shop.ir")
    page = await (await pasokh.get(f"/conversations/{conversation.id}")).text()
    assert 'name="file"' in page and "image/png" in page  # the channel takes files
    picture = _png()
    sent = await _attach(pasokh, conversation.id, picture, "image/png", "رسید.png")
    assert sent.status == 200 and "X-Pasokh-Error" not in sent.headers, await sent.text()

    # Sent through the outbox like any reply: its send is what wakes the visitor's streams.
    await eventually(lambda: Message.exists(conversation_id=conversation.id, author="agent",
                                            delivery="sent"), what="the outbox's send")
    messages = (await (await _history(pasokh, key, token)).json())["messages"]
    reply = next(m for m in messages if m["from"] == "agent")
    assert reply["kind"] == "photo"
    assert reply["file"] == {"type": "image/png", "name": "رسید.png", "size": len(picture)}
    read = await pasokh.get(f"/webchat/api/{key}/files/{reply['id']}", params={"token": token},
                            headers=HEADERS)
    assert read.status == 200 and await read.read() == picture
    assert read.headers["Content-Disposition"] == "inline"
    # Another visitor's token, no token, another site, the panel's cookie alone: nothing.
    other = (await _session(pasokh, key))["token"]
    assert (await pasokh.get(f"/webchat/api/{key}/files/{reply['id']}",
                             params={"token": other}, headers=HEADERS)).status == 404
    assert (await pasokh.get(f"/webchat/api/{key}/files/{reply['id']}",
                             headers=HEADERS)).status == 401
    assert (await pasokh.get(f"/webchat/api/{key}/files/{reply['id']}", params={"token": token},
                             headers={"Origin": "https://evil.example"})).status == 403
    assert (await pasokh.get(f"/webchat/api/{key}/files/{reply['id']}")).status in (401, 403)
    # A PDF goes as a document; a file that is not what it says, or of a type the channel
    # does not take, is refused in the panel and never queued.
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    sent = await _attach(pasokh, conversation.id, pdf, "application/pdf", "فاکتور.pdf")
    assert "X-Pasokh-Error" not in sent.headers
    stored = await Message.filter(conversation_id=conversation.id, kind="document").first()
    assert stored is not None and stored.author == "agent" and stored.media["size"] == len(pdf)
    for data, kind in ((b"<html>not a picture" * 3, "image/png"), (b"MZ\x90\x00", "text/html")):
        refused = await _attach(pasokh, conversation.id, data, kind, "x")
        assert refused.headers.get("X-Pasokh-Error") == "1"
    assert await Message.filter(conversation_id=conversation.id, author="agent").count() == 2


async def test_issue_14_a_visitors_file_outside_the_channels_rules_is_refused(files_limited):
    client = files_limited
    key = await _channel(client)
    token = (await _session(client, key))["token"]
    wrong_type = await _upload(client, key, token, b"<script>alert(1)</script>", "text/html",
                               "a")
    assert wrong_type.status == 415
    assert "PDF" in (await wrong_type.json())["message"]
    disguised = await _upload(client, key, token, b"<html>not a picture" * 3, "image/png", "b")
    assert disguised.status == 415
    too_large = await _upload(client, key, token, _png() + b"\x00" * 200, "image/png", "c")
    assert too_large.status == 413
    assert "بزرگ" in (await too_large.json())["message"]
    assert (await _upload(client, key, "forged", _png(), "image/png", "d")).status == 401
    assert await Message.filter(media__isnull=False).count() == 0


@pytest.fixture
async def files_limited(aiohttp_client, settings_with_fake):
    from bots.runtime import create_app

    settings = settings_with_fake.with_environment(WEBCHAT_MAX_FILE_BYTES="200")
    return await aiohttp_client(create_app(settings))
