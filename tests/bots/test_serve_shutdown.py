"""`pasokh serve` stops at once on SIGTERM even while live streams are open: the panel's
`/events` and a web chat visitor's stream never end on their own, so a shutdown that waits
for them spends its whole grace (SHUTDOWN_SECONDS, then as long again before aiohttp
force-closes them) doing nothing. A service manager's restart, and every browser test's
teardown, paid that."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest

from adapters.webchat import new_channel
from bots.cli import SHUTDOWN_SECONDS
from core import owner_desk
from core.events import Platform
from tests.integration.test_crash_recovery import PasokhProcess
from tests.panel.helpers import log_in, make_user
from tests.waits import patience

ORIGIN = "https://shop.example"

# A shutdown that waits out its grace for a stream is the bug; ending the streams takes
# a moment. Half the grace keeps the deadline below it however far waits are scaled.
EXIT_DEADLINE = min(patience(2), SHUTDOWN_SECONDS / 2)


@pytest.fixture
async def serving(database, fake_telegram) -> AsyncIterator[tuple[PasokhProcess, str]]:
    """A running `pasokh serve` with a web chat channel and an agent to log in as."""
    channel = new_channel("Shop", [ORIGIN], "fa")
    await owner_desk.save_channel(Platform.WEBCHAT, key=channel.key, token=channel.token,
                                  webhook_secret="", name=channel.name,
                                  options=channel.options)
    await make_user("agent@example.com")
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    await process.start()
    yield process, channel.key
    process.kill()  # only if a test left it running


async def _panel_stream(session: aiohttp.ClientSession) -> aiohttp.ClientResponse:
    logged_in = await log_in(session, "agent@example.com")
    assert logged_in.status == 303
    stream = await session.get("/events")
    assert stream.headers["Content-Type"] == "text/event-stream"
    await stream.content.readline()  # the stream is open: its first line has come
    return stream


async def _visitor_stream(session: aiohttp.ClientSession, key: str) -> aiohttp.ClientResponse:
    headers = {"Origin": ORIGIN}
    visitor = await session.post(f"/webchat/api/{key}/session", headers=headers,
                                 data=orjson.dumps({"token": ""}))
    token = (await visitor.json())["token"]
    stream = await session.get(f"/webchat/api/{key}/stream", params={"token": token},
                               headers=headers)
    assert stream.headers["Content-Type"] == "text/event-stream"
    await stream.content.readline()
    return stream


async def _ended(stream: aiohttp.ClientResponse) -> bool:
    """The server closed the stream: reading it reaches its end (or a cut connection)."""
    try:
        while await stream.content.readline():
            pass
    except aiohttp.ClientError:
        pass
    return stream.content.at_eof() or stream.connection is None


async def test_sigterm_ends_open_streams_and_the_process_exits(serving):
    process, key = serving
    async with aiohttp.ClientSession(base_url=process.base,
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        panel = await _panel_stream(session)
        visitor = await _visitor_stream(session, key)

        exit_code = await process.terminate(within=EXIT_DEADLINE)

        assert exit_code == 0, "pasokh serve waited for its open streams instead of ending them"
        assert await _ended(panel)
        assert await _ended(visitor)
