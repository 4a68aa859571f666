"""A real Pasokh process killed with SIGKILL at the worst moments loses no reply.

These tests run `pasokh serve` as a child process against the fake Telegram, kill it
with SIGKILL, start it again on the same data directory and count what the fake got.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import BOT_TOKEN, WEBHOOK_SECRET
from tests.integration.helpers import SECRET_HEADER, text_update
from tests.waits import patience


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PasokhProcess:
    def __init__(self, data_dir: Path, api_base: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._env = {
            **os.environ,
            "PASOKH_HOST": "127.0.0.1",
            "PASOKH_PORT": str(self.port),
            "PASOKH_DATA_DIR": str(data_dir),
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_API_BASE": api_base,
            "DATABASE_URL": "",
            "REDIS_URL": "",
        }
        self._cwd = data_dir.parent
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: ASYNC220 - a child we wait for below
            [sys.executable, "-m", "bots.cli", "serve"], cwd=self._cwd, env=self._env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        # Start-up loads the FAQ encoder: over 20 s was seen on a loaded machine.
        deadline = asyncio.get_running_loop().time() + patience(40)
        async with aiohttp.ClientSession() as session:
            while asyncio.get_running_loop().time() < deadline:
                assert self._process.poll() is None, "pasokh exited during start-up"
                try:
                    async with session.get(f"{self.base}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("pasokh did not become ready")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        if self._process and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    async def terminate(self, within: float = 30.0) -> int | None:
        """SIGTERM, as a service manager stops it; the exit code, or None if it is still
        running `within` seconds later."""
        assert self._process is not None
        self._process.terminate()
        try:
            return await asyncio.to_thread(self._process.wait, within)
        except subprocess.TimeoutExpired:
            return None

    async def post(self, update: dict) -> int:
        async with aiohttp.ClientSession() as session, session.post(
            f"{self.base}/webhooks/telegram", data=json.dumps(update), headers=SECRET_HEADER
        ) as response:
            return response.status


@pytest.fixture
def processes():
    started: list[PasokhProcess] = []
    yield started
    for process in started:
        process.kill()


WEBHOOKS_BEFORE_THE_SIGNAL = 60


def _outbox(data_dir: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(data_dir / "pasokh.db") as conn:
        return conn.execute(
            "SELECT state, possibly_duplicated, attempts FROM outbox ORDER BY id"
        ).fetchall()


async def _until(check, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    for _ in range(int(patience(timeout) / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_killed_after_the_reply_is_stored_and_before_it_is_sent(
    tmp_path, fake_telegram, processes
):
    data_dir = tmp_path / "data"
    # The first run cannot reach Telegram at all, so its reply can only be stored.
    first = PasokhProcess(data_dir, f"http://127.0.0.1:{_free_port()}")
    processes.append(first)
    await first.start()
    assert await first.post(text_update(6001, "سلام")) == 200
    await _until(lambda: _outbox(data_dir) and _outbox(data_dir)[0][2] >= 1)
    first.kill()
    assert fake_telegram.sent_messages() == []

    second = PasokhProcess(data_dir, fake_telegram.base_url)
    processes.append(second)
    await second.start()
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(6001), timeout=15)
    # Recorded `sent` after the send: the only other send there could be is one before it.
    await _until(lambda: _outbox(data_dir)[0][0] == "sent")
    assert len(fake_telegram.sent_messages(6001)) == 1


async def test_killed_between_the_send_and_marking_it_sent(tmp_path, fake_telegram, processes):
    """Telegram has no idempotency key: the reply goes again, flagged, never lost."""
    data_dir = tmp_path / "data"
    fake_telegram.delay_next("sendMessage", 2.0)  # the answer comes after the kill
    first = PasokhProcess(data_dir, fake_telegram.base_url)
    processes.append(first)
    await first.start()
    assert await first.post(text_update(6002, "سلام")) == 200
    await _until(lambda: _outbox(data_dir) and _outbox(data_dir)[0][0] == "sending")
    # The claim is committed before the call: kill only once the call has reached Telegram
    # (killed in between, on a loaded machine, nothing was ever sent and the test failed).
    await fake_telegram.wait_for(lambda fake: fake.delays_left("sendMessage") == 0)
    first.kill()
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(6002), timeout=10)

    second = PasokhProcess(data_dir, fake_telegram.base_url)
    processes.append(second)
    await second.start()
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(6002)) == 2, timeout=15)
    await _until(lambda: _outbox(data_dir)[0][0] == "sent")
    state, possibly_duplicated, _ = _outbox(data_dir)[0]
    assert (state, possibly_duplicated) == ("sent", 1)


async def test_sigterm_under_load_stops_cleanly_and_loses_nothing(
    tmp_path, fake_telegram, processes
):
    """Regression: shutdown used to cancel a worker inside a transaction and hang."""
    data_dir = tmp_path / "data"
    first = PasokhProcess(data_dir, fake_telegram.base_url)
    processes.append(first)
    await first.start()
    statuses: dict[int, int] = {}
    next_chat = iter(range(610_000, 612_000))  # bounded: at most 2,000 posts
    flowing = asyncio.Event()

    async def keep_posting() -> None:
        for chat in next_chat:
            try:
                statuses[chat] = await first.post(text_update(chat, "سلام"))
            except aiohttp.ClientError:
                return  # the server has stopped listening
            if len(statuses) >= WEBHOOKS_BEFORE_THE_SIGNAL:
                flowing.set()

    load = [asyncio.create_task(keep_posting()) for _ in range(16)]
    # The signal comes while webhooks flow. Counted, not timed: every reply stored is one
    # the second run must send, at Telegram's 30 a second, so a fixed half second of
    # posting cost 10-25 s of sending on a quiet machine, and an unknown count under load.
    await asyncio.wait_for(flowing.wait(), patience(30))
    assert await first.terminate() is not None, "pasokh did not exit after SIGTERM"
    await asyncio.gather(*load)
    stored = [chat for chat, status in statuses.items() if status == 200]
    assert stored
    assert len(statuses) < 2000, "the load ended before the signal; nothing was tested"

    second = PasokhProcess(data_dir, fake_telegram.base_url)
    processes.append(second)
    await second.start()
    await fake_telegram.wait_for(
        lambda fake: len({m["chat_id"] for m in fake.sent_messages()} & set(stored))
        == len(stored),
        timeout=60,
    )
