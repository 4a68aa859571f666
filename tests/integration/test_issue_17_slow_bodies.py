"""Issue 17, item 4: a body is read only from someone who may send it, only as large as a
platform sends, and only as slowly as a platform sends.

Each test speaks raw HTTP over a socket, declaring a length it never sends, and waits
for the answer: it comes from the headers alone, and the connection is closed after it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest

from tests.conftest import WEBHOOK_SECRET
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET
from tests.integration.meta_helpers import PHONE_NUMBER_ID, VERIFY_TOKEN

TEN_GB = 10 * 1024**3
ANSWER_WAIT = 10.0  # a bound on a hung test, not a measurement


@pytest.fixture
async def server(aiohttp_server, settings_with_fake, monkeypatch):
    from bots import runtime

    # The connection closes after the unread rest is drained for this long (1 s in
    # production); each test reads until that close.
    monkeypatch.setattr(runtime, "UNREAD_BODY_DRAIN_SECONDS", 0.1)
    settings = replace(settings_with_fake, body_read_seconds=0.2).with_environment(
        META_APP_SECRET=DEFAULT_APP_SECRET,
        META_VERIFY_TOKEN=VERIFY_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
    )
    return await aiohttp_server(runtime.create_app(settings))


async def _exchange(server, path: str, headers: dict[str, str], sent: bytes = b"") -> bytes:
    """Send the request line, the headers and `sent` of the body; everything the server
    answers until it closes the connection."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = f"POST {path} HTTP/1.1\r\nHost: pasokh\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    writer.write(head.encode() + sent)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), ANSWER_WAIT)  # read() ends at close
    finally:
        writer.close()


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


async def test_issue_17_a_huge_declared_length_with_a_wrong_secret_is_403_unread(server):
    answer = await _exchange(server, "/webhooks/telegram", {
        "Content-Length": str(TEN_GB), "X-Telegram-Bot-Api-Secret-Token": "guess"}, b"{")
    assert _status(answer) == 413  # the length alone is enough


async def test_issue_17_a_wrong_secret_is_refused_before_the_body(server):
    answer = await _exchange(server, "/webhooks/telegram", {
        "Content-Length": "1000", "X-Telegram-Bot-Api-Secret-Token": "guess"}, b"{")
    assert _status(answer) == 403


async def test_issue_17_a_missing_secret_or_signature_is_401_before_the_body(server):
    for path in ("/webhooks/telegram", "/webhooks/whatsapp", "/webhooks/instagram"):
        answer = await _exchange(server, path, {"Content-Length": "1000"}, b"{")
        assert _status(answer) == 401, path


async def test_issue_17_a_malformed_signature_is_403_before_the_body(server):
    answer = await _exchange(server, "/webhooks/whatsapp", {
        "Content-Length": "1000", "X-Hub-Signature-256": "sha256=short"}, b"{")
    assert _status(answer) == 403


async def test_issue_17_a_huge_declared_length_with_the_right_secret_is_413(server):
    answer = await _exchange(server, "/webhooks/telegram", {
        "Content-Length": str(TEN_GB), "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        b"{")
    assert _status(answer) == 413


async def test_issue_17_a_stalled_body_is_408_with_one_quiet_line(server, caplog):
    caplog.set_level(logging.INFO)
    answer = await _exchange(server, "/webhooks/telegram", {
        "Content-Length": "1000", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        b'{"update_id": 1,')
    assert _status(answer) == 408
    abandoned = [r for r in caplog.records if "not received" in r.getMessage()]
    assert len(abandoned) == 1
    assert not any(r.exc_info for r in caplog.records)


async def test_issue_17_an_abandoned_upload_logs_no_traceback(server, caplog):
    caplog.set_level(logging.INFO)
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"POST /webhooks/telegram HTTP/1.1\r\nHost: pasokh\r\nContent-Length: 1000\r\n"
                 b"X-Telegram-Bot-Api-Secret-Token: " + WEBHOOK_SECRET.encode()
                 + b"\r\n\r\n{\"update_id\"")
    await writer.drain()
    writer.close()  # gone mid-body
    await writer.wait_closed()
    # The server notices the close; a later request on a new connection is answered as
    # usual, and nothing logged a traceback in between.
    answer = await _exchange(server, "/webhooks/telegram", {"Content-Length": "2"}, b"{}")
    assert _status(answer) == 401
    assert not any(r.exc_info for r in caplog.records)
    assert [r.levelno for r in caplog.records if "left before" in r.getMessage()] == [
        logging.INFO]


# --- every other route: the panel's forms and the API's JSON -----------------------------


@pytest.mark.parametrize("path", ["/login", "/api/v1/conversations/1/replies", "/language"])
async def test_issue_17_panel_and_api_refuse_a_huge_declared_body_unread(server, path):
    answer = await _exchange(server, path, {"Content-Length": str(TEN_GB),
                                            "Content-Type": "application/json"}, b"{")
    assert _status(answer) == 413


@pytest.mark.parametrize("path", ["/login", "/api/v1/conversations/1/replies"])
async def test_issue_17_panel_and_api_abandon_a_stalled_body(server, path, caplog):
    caplog.set_level(logging.INFO)
    answer = await _exchange(server, path, {
        "Content-Length": "1000", "Content-Type": "application/x-www-form-urlencoded"},
        b"email=a")
    assert _status(answer) == 408
    assert not any(r.exc_info for r in caplog.records)
