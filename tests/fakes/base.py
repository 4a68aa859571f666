"""What the fake platform servers share: serving on loopback, waiting for a condition, a
clock tests can move, and the command-line loop that benchmarks run them with."""

from __future__ import annotations

import abc
import asyncio
import signal
from collections.abc import Callable
from typing import Any, Self

from aiohttp import ClientSession, web

from tests.waits import SCALE, patience


class ManualClock:
    """A monotonic clock that only moves when told to, for deterministic limit tests."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeServer(abc.ABC):
    """An aiohttp app on `host:port` (0 = any free port). Subclasses add their routes and
    describe their recent calls for the message of a failed `wait_for`."""

    client_max_size = 1024 * 1024

    def __init__(self, *, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._webhook_client: ClientSession | None = None
        self._base_url: str | None = None

    @abc.abstractmethod
    def _add_routes(self, router: web.UrlDispatcher) -> None: ...

    def _on_close(self) -> None:
        """Wake whatever waits on this server (long polls, delayed answers)."""

    @abc.abstractmethod
    def _recent_calls(self) -> tuple[int, str]:
        """How many calls were recorded, and the last ones as text lines."""

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=self.client_max_size)
        self._add_routes(app.router)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._base_url = f"http://{self.host}:{self.port}"

    async def close(self) -> None:
        self._closing.set()
        self._on_close()
        if self._webhook_client is not None:
            await self._webhook_client.close()
            self._webhook_client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError(f"{type(self).__name__} is not started; await start() first")
        return self._base_url

    async def wait_for(
        self,
        predicate: Callable[[Self], Any],
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented test API
    ) -> None:
        """Returns once `predicate(self)` holds; fails after `timeout` seconds of a quiet
        machine (scaled by tests.waits for a busy one)."""
        deadline = asyncio.get_running_loop().time() + patience(timeout)
        while not predicate(self):
            if asyncio.get_running_loop().time() >= deadline:
                name = getattr(predicate, "__qualname__", repr(predicate))
                count, recent = self._recent_calls()
                raise AssertionError(
                    f"condition {name} still false after {timeout} s (× {SCALE:g},"
                    " PASOKH_TEST_WAIT_SCALE); "
                    f"{count} calls recorded, the last ones:\n{recent or '  (none)'}"
                )
            await asyncio.sleep(0.005)


async def serve_until_signalled(fake: FakeServer) -> None:
    """Run a fake for another process (benchmarks) until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    await fake.start()
    try:
        print(f"READY {fake.base_url}", flush=True)
        await stop.wait()
    finally:
        await fake.close()
