"""Shared fixtures: a migrated database per test, the fake Telegram, a running Pasokh."""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit, urlunsplit

import pytest

from core import db
from core.settings import Settings

if TYPE_CHECKING:
    from tests.fakes.clock import FakeClock

# The public payload corpus, kept in step with the team's copy by tools/sync_corpus.py.
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
BOT_TOKEN = "123456:TEST-TOKEN"
WEBHOOK_SECRET = "webhook-secret_42"

# Under pytest-xdist (`make test` runs `-n auto --dist loadfile`) each worker is its own
# process, named gw0, gw1, … in PYTEST_XDIST_WORKER.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_POSTGRES_BASE_URL = os.environ.get(
    "PASOKH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)


def _worker_database(url: str, worker: str) -> str:
    """Each worker's own database beside the configured one (`test` → `test_gw0`): a test
    drops and re-creates its database, which must not be another worker's."""
    if not worker:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{worker}"))


POSTGRES_URL = _worker_database(_POSTGRES_BASE_URL, WORKER)
REDIS_URL = os.environ.get("PASOKH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

_postgres_template: str | None = None  # the migrated template's name, once known this session
_run_dir: Path | None = None  # shared by every worker of this run (see `run_dir`)


async def _postgres_or_skip() -> str:
    """A clean, migrated PostgreSQL database for the scale-out path, or a skip that says why.

    The database is created afresh from a template migrated once per run (named after the
    configured database, `<name>_template`, and shared by the workers): a copy takes a
    fraction of a second, migrating from nothing took six to fifteen on this machine.
    `WITH (FORCE)` ends whatever connection a test left."""
    import asyncpg

    url = urlsplit(POSTGRES_URL)
    name = url.path.lstrip("/")
    maintenance = urlunsplit(url._replace(path="/postgres"))
    try:
        admin = await asyncpg.connect(maintenance, timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({error}); "
                    "start it or set PASOKH_TEST_POSTGRES_URL")
    try:
        template = await _migrated_postgres_template(admin)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return POSTGRES_URL


async def _migrated_postgres_template(admin) -> str:
    """Made by the first PostgreSQL test of the run, from nothing (a template left by an
    earlier run may predate a migration); the other workers wait for it under a file lock
    and then use it. A stamp in the run's directory says it is made."""
    global _postgres_template
    if _postgres_template is None:
        base = urlsplit(_POSTGRES_BASE_URL)
        template = f"{base.path.lstrip('/')}_template"
        assert _run_dir is not None, "the run_dir fixture sets the run's directory"
        stamp = _run_dir / f"{template}.made"
        with (_run_dir / f"{template}.lock").open("w") as lock:
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            try:
                if not stamp.exists():
                    await _make_postgres_template(admin, base, template)
                    stamp.write_text(template, "utf-8")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        _postgres_template = template
    return _postgres_template


async def _make_postgres_template(admin, base: SplitResult, template: str) -> None:
    await admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{template}"')
    data_dir = Path(tempfile.mkdtemp(prefix="pasokh-pg-template-"))
    try:
        await db.migrate(Settings(data_dir=data_dir, database_url=urlunsplit(
            base._replace(path=f"/{template}"))))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


async def redis_or_skip() -> str:
    from redis import asyncio as redis_asyncio

    client = redis_asyncio.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (OSError, redis_asyncio.RedisError) as error:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({error}); "
                    "start it or set PASOKH_TEST_REDIS_URL")
    finally:
        await client.aclose()
    return REDIS_URL


def corpus_files(platform: str) -> list[Path]:
    files = sorted((CORPUS / platform).glob("*.json"))
    assert files, f"no corpus found under {CORPUS / platform}"
    return files


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs a service or a browser, so `-m "not postgres and not redis and not
    browser"` is the quick loop: the PostgreSQL run of `any_database` (and the fixtures built
    on it), the tests that reach Redis, and everything under tests/browser."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("any_database") == "postgres":
            item.add_marker(pytest.mark.postgres)
        if _reaches_redis(item):
            item.add_marker(pytest.mark.redis)
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


def _reaches_redis(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    code = getattr(function, "__code__", None)
    return code is not None and "redis_or_skip" in code.co_names


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """argon2 at its production cost takes about a second per hash or check on this shared
    2-core machine, and the tests log in hundreds of times. They hash with the same algorithm
    at a low cost; a hash names its own parameters, so checking one works as in production
    (a `pasokh serve` child checks these hashes too, and hashes its own at full cost)."""
    from argon2 import PasswordHasher

    from core import users

    patch = pytest.MonkeyPatch()
    patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024,
                                                   parallelism=1))
    yield
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of this run that all its xdist workers share (each worker's own base
    temporary directory sits in it), for what is made once per run."""
    global _run_dir
    base = tmp_path_factory.getbasetemp()
    _run_dir = base.parent if WORKER else base
    return _run_dir


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once per test session. Every test starts from a copy of it:
    migrating from nothing takes about a second, copying a file a millisecond, and the
    migration at start (`db.migrate`) then finds nothing to do."""
    data_dir = tmp_path_factory.mktemp("template") / "data"
    asyncio.run(db.migrate(Settings(data_dir=data_dir)))
    return data_dir / "pasokh.db"


@pytest.fixture
def settings(tmp_path: Path, migrated_sqlite: Path) -> Settings:
    (tmp_path / "data").mkdir()
    shutil.copyfile(migrated_sqlite, tmp_path / "data" / "pasokh.db")
    return Settings(data_dir=tmp_path / "data").with_environment(
        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_MODE="webhook",
        TELEGRAM_API_BASE="http://127.0.0.1:9",  # nothing listens: tests that send set a fake
    )


@pytest.fixture
def cli_cwd(settings: Settings) -> Path:
    """A working directory to run `pasokh` commands in, its data/ already migrated (a copy
    of the template, as after `pasokh migrate`): the first command then does not spend a
    second migrating from nothing. Tests of `migrate` itself start from an empty tmp_path."""
    return settings.data_dir.parent


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()  # see any_database
    await db.migrate(settings)
    await db.open_database(settings)
    yield settings
    await db.close_database()


@pytest.fixture
async def fake_telegram(app_clock: FakeClock):
    """Its limits and call times read `app_clock`, the time of the `pasokh` app's outbox
    (the real time while nothing waits on that clock)."""
    from tests.fakes.telegram import FakeTelegram

    async with FakeTelegram(tokens=[BOT_TOKEN], clock=app_clock.monotonic) as fake:
        yield fake


@pytest.fixture(params=["sqlite", "postgres"])
async def any_database(request, settings: Settings) -> AsyncIterator[Settings]:
    """The embedded default and the scale-out database, one test run each."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    if request.param == "postgres":
        settings = replace(settings, database_url=await _postgres_or_skip())
    # Tortoise caches SQL per connection name, not per dialect; a real process only ever
    # has one database, but this test session switches between two.
    EXECUTOR_CACHE.clear()
    await db.migrate(settings)
    await db.open_database(settings)
    yield settings
    await db.close_database()


@pytest.fixture
def settings_with_fake(settings: Settings, fake_telegram) -> Settings:
    return settings.with_environment(TELEGRAM_API_BASE=fake_telegram.base_url)


@pytest.fixture
async def app_clock() -> AsyncIterator[FakeClock]:
    """The clock of `pasokh`'s outbox worker and media fetcher. It jumps to their next
    deadline, so a chat's pace (a second on Telegram) and retry delays take no real time;
    `await app_clock.sleep(s)` lets `s` seconds of theirs pass."""
    from tests.fakes.clock import FakeClock

    async with FakeClock(tick=0.01).jumping() as clock:
        yield clock


@pytest.fixture
async def pasokh(aiohttp_client, settings_with_fake: Settings, app_clock: FakeClock):
    """Pasokh's whole web app in this process, talking real HTTP to the fake Telegram."""
    from bots.runtime import create_app

    return await aiohttp_client(create_app(settings_with_fake, clock=app_clock))
