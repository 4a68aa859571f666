"""Soak: a long run of load with faults, then a ledger audit that nothing was lost or doubled.

    python bench/soak.py [--backend sqlite|postgres] [--minutes 10] [--rate 20]
                         [--kill-every 45] [--fault-share 0.1] [--storm-seconds 60]

What it does, for the whole duration, on Telegram, WhatsApp and Instagram at once (the fakes in
tests/fakes, in this process):
- customers write through the three webhooks at `--rate` webhooks/s (several messages each);
  one in ten is delivered twice at once, one in twenty is held back 2 s so that the customer's
  next message overtakes it (out of order), and the generator posts a WhatsApp "delivered"
  status for each reply the moment the fake accepts it — often before Pasokh records the id;
- Telegram message ids come from the fake's one sequence per chat, shared with the bot's
  replies, as real Telegram numbers them;
- the fakes answer a share of sends with a 429 (`retry_after` 1 s on Telegram), a 5xx or a
  10-second answer (`--slow-answer`), and for `--storm-seconds` in the middle of the run
  every send fails 5xx;
- every `--kill-every` seconds Pasokh is killed with SIGKILL and started again on the same
  data directory; webhooks it did not answer 2xx are delivered again until it does, as the
  platforms would.
`--backend sqlite` (the default): one `pasokh serve` on a SQLite file. `--backend postgres`:
two `pasokh serve` processes on a PostgreSQL cluster and a Redis server that the soak starts
for itself (initdb into a temporary directory, free ports; never the machine's shared ones),
each webhook (and each redelivery) going to either process; the kills alternate between
them, and on top PostgreSQL is restarted at 45 % of the run and Redis stopped for
`--redis-pause` seconds at 65 %. Both are removed afterwards.
Then it stops writing, waits for the replies to settle, and audits the database against
what was answered 2xx (the ledger) and what reached the fakes:
- every webhook answered 2xx is stored exactly once, per platform (no loss, no duplicate);
- every stored customer message was handled by the flows, and no reply is left pending;
- every reply is sent, or failed with a recorded reason;
- sends at the fakes beyond those recorded are no more than the rows flagged
  `possibly_duplicated` (a row is flagged when a run died while sending it, or when the
  platform's answer never came), and those no more than the kills plus the PostgreSQL
  restarts (each ends the sender's lease as a kill does) plus the slow answers;
- peak RSS of each Pasokh run, and the webhook latency percentiles.
Exit status 1 when an audit line fails. `make soak` runs both backends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import shutil
import signal
import sqlite3
import subprocess  # nosec B404 # starts the soak's own PostgreSQL tools, fixed arguments
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import (  # noqa: E402 (the repository root is put on the path first)
    LOCALHOST,
    SECRET,
    TOKEN,
    Children,
    Pinning,
    clean_env,
    free_port,
    log,
    percentile,
    wait_for_health,
)
from tests.fakes.meta import (  # noqa: E402
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_SECRET,
    INSTAGRAM_MESSAGES,
    SIGNATURE_HEADER,
    WHATSAPP_MESSAGES,
    FakeMeta,
)
from tests.fakes.telegram import FakeTelegram  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MESSAGES_PER_CUSTOMER = 4
TEXTS = ("سلام", "سفارشم کی میرسه؟", "اپراتور", "ممنون")
PLATFORMS = ("telegram", "whatsapp", "instagram")
PHONE_NUMBER_ID = "1122334455667"
WABA_ID = "1234567890987654321"
IG_ACCOUNT_ID = "17841400000000000"
SECRET_KEY = "soak-secret-key-shared-by-both-processes-0123456789"
WAITING = "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
POSTGRES_RESTART_AT = 0.45  # share of the run
REDIS_PAUSE_AT = 0.65


@dataclass
class Tally:
    answered: set[tuple[str, str]] = field(default_factory=set)  # (platform, external id) 2xx
    posts: int = 0
    statuses: int = 0  # WhatsApp receipts posted (answered 2xx)
    refused: Counter[str] = field(default_factory=Counter)  # status or error while down
    latencies: list[float] = field(default_factory=list)
    kills: int = 0
    # A restart of PostgreSQL ends the sender's session, and with it its lease, as a kill
    # does: the next sender re-sends what the old one had started and not yet recorded.
    database_restarts: int = 0
    slow_answers: int = 0  # queued at the fakes: each may outlast the client's timeout
    peak_rss_mib: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Post:
    """One webhook as a platform would send it; `key` is the message id Pasokh stores
    (None for a receipt, which stores no message)."""

    platform: str
    key: str | None
    body: bytes
    headers: dict[str, str]


class Load:
    """Builds the customers' webhooks for the three platforms."""

    def __init__(self, telegram: FakeTelegram, meta: FakeMeta) -> None:
        self.telegram, self.meta = telegram, meta
        self.update_ids = itertools.count(1)
        self.serials = itertools.count(1)

    def message(self, platform: str, customer: int, sent: int) -> Post:
        text = TEXTS[sent % len(TEXTS)]
        if platform == "telegram":
            return self._telegram(customer, text)
        if platform == "whatsapp":
            return self._whatsapp(customer, text)
        return self._instagram(customer, text)

    def _telegram(self, chat: int, text: str) -> Post:
        message_id = self.telegram.next_message_id(chat)  # the chat's one sequence
        body = orjson.dumps({"update_id": next(self.update_ids), "message": {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "مشتری"},
            "from": {"id": chat, "is_bot": False, "first_name": "مشتری"}, "text": text,
        }})
        return Post("telegram", f"{chat}:{message_id}", body,
                    {"X-Telegram-Bot-Api-Secret-Token": SECRET})

    def _whatsapp(self, customer: int, text: str) -> Post:
        wa_id, wamid = str(customer), f"wamid.soak{next(self.serials):012d}"
        self.meta.customer_wrote(wa_id)  # opens the 24 h window, as the real message would
        message = {"from": wa_id, "id": wamid, "timestamp": str(int(time.time())),
                   "type": "text", "text": {"body": text}}
        value = {"contacts": [{"profile": {"name": "مشتری"}, "wa_id": wa_id}],
                 "messages": [message]}
        return Post("whatsapp", wamid, *self._meta_body(_whatsapp_envelope(value)))

    def whatsapp_status(self, wamid: str, wa_id: str) -> Post:
        value = {"statuses": [{"id": wamid, "status": "delivered", "recipient_id": wa_id,
                               "timestamp": str(int(time.time()))}]}
        return Post("whatsapp", None, *self._meta_body(_whatsapp_envelope(value)))

    def _instagram(self, customer: int, text: str) -> Post:
        igsid, mid = str(customer), f"mid.soak{next(self.serials):012d}"
        self.meta.user_wrote(igsid)
        now = int(time.time() * 1000)
        payload = {"object": "instagram", "entry": [{"id": IG_ACCOUNT_ID, "time": now,
                   "messaging": [{"sender": {"id": igsid}, "recipient": {"id": IG_ACCOUNT_ID},
                                  "timestamp": now, "message": {"mid": mid, "text": text}}]}]}
        return Post("instagram", mid, *self._meta_body(payload))

    def _meta_body(self, payload: dict) -> tuple[bytes, dict[str, str]]:
        body = orjson.dumps(payload)
        return body, {SIGNATURE_HEADER: self.meta.sign(body)}


def _whatsapp_envelope(value: dict) -> dict:
    value = {"messaging_product": "whatsapp", "metadata": {
        "display_phone_number": "989120000000", "phone_number_id": PHONE_NUMBER_ID}, **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}]}


class PostgresCluster:
    """The soak's own PostgreSQL: initdb into a temporary directory, trust auth, a free port,
    run as the `postgres` user when the soak runs as root (postgres refuses root). Restarted
    freely, removed afterwards: never the machine's shared server."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                       key=lambda path: int(path.parent.parent.name))
        if not found:
            raise RuntimeError("no PostgreSQL server under /usr/lib/postgresql/*/bin")
        self.bin = found[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="pasokh-soak-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@{LOCALHOST}:{self.port}/pasokh"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, tool: str, *args: str) -> None:
        argv = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL,  # nosec B603 # fixed tools
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def _ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "postgres.log"),
                  "-w", "-t", "60", *args)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-sync")
        self._ctl("-o", f"-p {self.port} -k {self.dir} -c listen_addresses={LOCALHOST}"
                        " -c max_connections=100", "start")
        self._run("createdb", "-h", LOCALHOST, "-p", str(self.port), "-U", "postgres",
                  "pasokh")

    def restart(self) -> None:
        self._ctl("-m", "fast", "restart")

    def remove(self, keep_log_in: Path) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._ctl("-m", "immediate", "stop")
        with contextlib.suppress(OSError):  # its deadlock reports name the statements
            shutil.copyfile(self.dir / "postgres.log", keep_log_in / "postgres.log")
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """The soak's own redis-server (free port, nothing saved), stopped and started freely."""

    def __init__(self, children: Children) -> None:
        self.children = children
        self.port = free_port()
        self.url = f"redis://{LOCALHOST}:{self.port}/0"
        self.child = None

    def start(self) -> None:
        self.child = self.children.spawn(
            "redis", ["redis-server", "--port", str(self.port), "--bind", LOCALHOST,
                      "--save", "", "--appendonly", "no"],
            env=clean_env(), cwd=self.children.logs, server=False)

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop(grace=5.0)
            self.child = None


class Pasokh:
    """`pasokh serve` with the three channels: one process on SQLite, or two on PostgreSQL +
    Redis sharing the work; child processes that the soak kills and starts again."""

    def __init__(self, children: Children, data: Path, telegram: str, meta: str, *,
                 processes: int = 1, database_url: str = "", redis_url: str = "") -> None:
        self.children = children
        self.data = data
        self.ports = [free_port() for _ in range(processes)]
        self.env = clean_env(
            PASOKH_HOST=LOCALHOST, PASOKH_DATA_DIR=str(data), PASOKH_SECRET_KEY=SECRET_KEY,
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_MODE="webhook",
            TELEGRAM_API_BASE=telegram, PASOKH_LOG_LEVEL="WARNING",
        )
        if database_url:
            self.env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        for key in [key for key in self.env if key.startswith(("META_", "WHATSAPP_",
                                                               "INSTAGRAM_"))]:
            del self.env[key]
        self.env.update(
            META_GRAPH_BASE=meta, META_APP_SECRET=DEFAULT_APP_SECRET, META_VERIFY_TOKEN="soak",
            WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID, WHATSAPP_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
            INSTAGRAM_ACCOUNT_ID=IG_ACCOUNT_ID, INSTAGRAM_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
        )
        self.processes: list = [None] * processes

    def url(self, platform: str) -> str:
        """Either process, as a load balancer in front of them would pick."""
        return f"http://{LOCALHOST}:{random.choice(self.ports)}/webhooks/{platform}"  # nosec B311

    async def start_all(self) -> None:
        for index in range(len(self.processes)):  # one by one: the first one migrates
            await self.start(index)

    async def start(self, index: int) -> None:
        """Until it answers /healthz: a start may fail while PostgreSQL restarts or Redis
        is stopped (a process exits when Redis does not answer within 15 s)."""
        for attempt in itertools.count(1):
            child = self.children.spawn(
                f"pasokh{index + 1}", [sys.executable, "-m", "bots.cli", "serve"],
                env={**self.env, "PASOKH_PORT": str(self.ports[index])}, cwd=self.data,
                server=True)
            self.processes[index] = child
            try:
                await wait_for_health(child, f"http://{LOCALHOST}:{self.ports[index]}/healthz",
                                      90)
                return
            except RuntimeError as error:
                child.stop(grace=2.0)
                if attempt >= 5:
                    raise
                log(f"pasokh{index + 1} did not start (attempt {attempt}): "
                    f"{str(error).splitlines()[0]}; trying again")
                await asyncio.sleep(2.0)

    def kill(self, index: int) -> float | None:
        child = self.processes[index]
        assert child is not None
        peak = child.peak_rss_mib()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.proc.wait(timeout=10)
        return peak

    def peaks(self) -> list[float]:
        return [peak for child in self.processes if child is not None
                and (peak := child.peak_rss_mib()) is not None]


class Database:
    """Read-only queries for the audit, on SQLite or PostgreSQL (a connection per query,
    so that a restart of PostgreSQL in the middle does not matter). Booleans are written
    as truth tests (`WHERE flag`, `NOT flag`): SQLite stores them as 0/1."""

    def __init__(self, sqlite_path: Path | None = None, postgres_url: str = "") -> None:
        self.sqlite_path, self.postgres_url = sqlite_path, postgres_url

    async def rows(self, sql: str) -> list[tuple]:
        if self.postgres_url:
            conn = await asyncpg.connect(self.postgres_url, timeout=10)
            try:
                return [tuple(row) for row in await conn.fetch(sql)]
            finally:
                await conn.close()
        with sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True) as db:
            return db.execute(sql).fetchall()

    async def value(self, sql: str) -> int:
        return (await self.rows(sql))[0][0]


async def deliver(http: aiohttp.ClientSession, pasokh: Pasokh, post: Post, tally: Tally,
                  stop: asyncio.Event, hold: float = 0.0) -> None:
    """Like the platforms: again and again until Pasokh answers 2xx."""
    await asyncio.sleep(hold)
    while True:
        started = time.monotonic()
        try:
            async with http.post(pasokh.url(post.platform), data=post.body, headers={
                    **post.headers, "Content-Type": "application/json"}) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            status, reason = 0, type(error).__name__
        else:
            reason = str(status)
        tally.posts += 1
        if 200 <= status < 300:
            if post.key is None:
                tally.statuses += 1
            else:
                tally.answered.add((post.platform, post.key))
            tally.latencies.append(time.monotonic() - started)
            return
        tally.refused[f"{post.platform} {reason}"] += 1
        await asyncio.sleep(1.0 if not stop.is_set() else 0.2)


class Writer:
    def __init__(self, http: aiohttp.ClientSession, pasokh: Pasokh, load: Load,
                 tally: Tally, stop: asyncio.Event) -> None:
        self.http, self.pasokh, self.load, self.tally, self.stop = http, pasokh, load, tally, stop
        self.pending: set[asyncio.Task[None]] = set()

    def post(self, post: Post, hold: float = 0.0) -> None:
        task = asyncio.create_task(deliver(self.http, self.pasokh, post, self.tally, self.stop,
                                           hold))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def write_for(self, args: argparse.Namespace) -> None:
        customer_ids = itertools.count(989_100_000_000)
        deadline = time.monotonic() + args.minutes * 60
        customers: list[tuple[str, int, int]] = []  # (platform, customer, messages sent)
        while time.monotonic() < deadline:
            if not customers or random.random() < 1 / MESSAGES_PER_CUSTOMER:
                customers.append((random.choice(PLATFORMS), next(customer_ids), 0))
            index = random.randrange(len(customers))
            platform, customer, sent = customers[index]
            customers[index] = (platform, customer, sent + 1)
            if sent + 1 >= MESSAGES_PER_CUSTOMER:
                customers.pop(index)
            post = self.load.message(platform, customer, sent)
            draw = random.random()
            if draw < 0.1:  # a redelivery racing the first
                self.post(post)
                self.post(post)
            elif draw < 0.15:  # held back: the customer's next message overtakes it
                self.post(post, hold=2.0)
            else:
                self.post(post)
            await asyncio.sleep(1 / args.rate)
        self.stop.set()
        while self.pending:
            await asyncio.gather(*list(self.pending))

    async def race_receipts(self, meta: FakeMeta) -> None:
        """A "delivered" receipt for each WhatsApp reply as soon as the fake accepts it: often
        before Pasokh has recorded the id (kept as an early receipt, applied later)."""
        seen = 0
        while not self.stop.is_set():
            calls = meta.calls
            for call in calls[seen:]:
                if call.kind == WHATSAPP_MESSAGES and call.status == 200 and call.response:
                    wamid = call.response["messages"][0]["id"]
                    self.post(self.load.whatsapp_status(wamid, str(call.body.get("to", ""))))
            seen = len(calls)
            await asyncio.sleep(0.2)


def inject_faults(telegram: FakeTelegram, meta: FakeMeta, share: float, slow: float) -> int:
    """Queue the next faults: each kind gets a third of the share of the next 100 sends;
    returns how many slow answers were queued."""
    count = max(1, round(100 * share / 3))
    telegram.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1",
                       retry_after=1, times=count)
    telegram.fail_next("sendMessage", status=502, description="Bad Gateway", times=count)
    telegram.delay_next("sendMessage", slow, times=count)
    # Meta's throughput 429s (WhatsApp's 130429; on Instagram a 429 without a listed code),
    # which Pasokh waits out for a second. Not code 4, the app's request limit: Pasokh rightly
    # holds the whole number for 60 s on it, so three of them every kill cycle stopped
    # WhatsApp and Instagram for most of the run (the "outbox stall" of earlier soaks).
    for kind, throttle_code in ((WHATSAPP_MESSAGES, 130429), (INSTAGRAM_MESSAGES, 2)):
        meta.fail_next(kind, status=429, code=throttle_code, times=count)
        meta.fail_next(kind, status=503, code=2, times=count)
        meta.delay_next(kind, slow, times=count)
    return 3 * count


async def storm(args: argparse.Namespace, telegram: FakeTelegram, meta: FakeMeta,
                stop: asyncio.Event) -> None:
    """From a third of the run, `--storm-seconds` of 5xx on every send of every platform."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), args.minutes * 60 / 3)
        return
    log(f"storm: every send answers 5xx for {args.storm_seconds:.0f} s")
    until = time.monotonic() + args.storm_seconds
    while time.monotonic() < until and not stop.is_set():  # a short queue: none left after
        if telegram.failures_left("sendMessage") < 2:
            telegram.fail_next("sendMessage", status=502, description="Bad Gateway", times=2)
        for kind in (WHATSAPP_MESSAGES, INSTAGRAM_MESSAGES):
            if meta.failures_left(kind) < 2:
                meta.fail_next(kind, status=500, code=1, times=2)
        await asyncio.sleep(0.05)
    log("storm over")


async def keep_killing(args: argparse.Namespace, pasokh: Pasokh, telegram: FakeTelegram,
                       meta: FakeMeta, tally: Tally, stop: asyncio.Event) -> None:
    """Kills the processes in turn (with two, the sender is one of every two kills)."""
    while not stop.is_set():
        tally.slow_answers += inject_faults(telegram, meta, args.fault_share, args.slow_answer)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), args.kill_every)
        if stop.is_set():
            return
        index = tally.kills % len(pasokh.processes)
        peak = pasokh.kill(index)
        tally.kills += 1
        if peak is not None:
            tally.peak_rss_mib.append(peak)
        log(f"killed pasokh{index + 1} (SIGKILL #{tally.kills}); starting it again")
        await pasokh.start(index)


async def at_share_of_run(args: argparse.Namespace, share: float, stop: asyncio.Event) -> bool:
    """Waits until `share` of the run has passed; False if the writing stopped first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), args.minutes * 60 * share)
        return False
    return True


async def restart_postgres(args: argparse.Namespace, cluster: PostgresCluster, tally: Tally,
                           stop: asyncio.Event) -> None:
    if await at_share_of_run(args, POSTGRES_RESTART_AT, stop):
        log("restarting PostgreSQL")
        await asyncio.to_thread(cluster.restart)
        tally.database_restarts += 1
        log("PostgreSQL is back")


async def pause_redis(args: argparse.Namespace, redis: RedisServer, stop: asyncio.Event
                      ) -> None:
    if await at_share_of_run(args, REDIS_PAUSE_AT, stop):
        log(f"stopping Redis for {args.redis_pause:.0f} s")
        redis.stop()
        await asyncio.sleep(args.redis_pause)
        redis.start()
        log("Redis is back")


def sent_at_fakes(telegram: FakeTelegram, meta: FakeMeta) -> int:
    return len(telegram.sent_messages()) + len(meta.sent())


async def report_each_minute(telegram: FakeTelegram, meta: FakeMeta, database: Database,
                             tally: Tally, stop: asyncio.Event) -> None:
    """A line a minute: whether the outbox keeps up with the load or stalls (the minute's
    sends at the fakes beside the rows still waiting)."""
    minute, last_sent, last_answered = 0, 0, 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 60)
        minute += 1
        sent, answered = sent_at_fakes(telegram, meta), len(tally.answered)
        try:
            waiting = f"{await database.value(WAITING):,}"
        except (OSError, asyncpg.PostgresError, sqlite3.Error) as error:
            waiting = f"unknown ({type(error).__name__})"
        log(f"minute {minute}: {answered - last_answered:,} messages stored,"
            f" {sent - last_sent:,} sends at the fakes, {waiting} outbox rows waiting")
        last_sent, last_answered = sent, answered


async def settle(telegram: FakeTelegram, meta: FakeMeta, database: Database, within: float
                 ) -> None:
    """Until no reply is pending and the fakes have seen no new send for a few seconds."""
    deadline = time.monotonic() + within
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        sent = sent_at_fakes(telegram, meta)
        if sent != last:
            last, quiet_since = sent, time.monotonic()
        waiting = await database.value(WAITING)
        if waiting == 0 and time.monotonic() - quiet_since > 3:
            return
        await asyncio.sleep(0.5)


async def audit(db: Database, telegram: FakeTelegram, meta: FakeMeta,
                tally: Tally) -> list[tuple[str, str, bool]]:
    rows = await db.rows("SELECT c.platform, m.external_id FROM message m JOIN channel c"
                         " ON c.id = m.channel_id WHERE m.direction = 'in'"
                         " AND m.author = 'customer'")
    unprocessed = await db.value("SELECT COUNT(*) FROM message WHERE direction = 'in'"
                                 " AND NOT processed")
    states = dict(await db.rows("SELECT state, COUNT(*) FROM outbox GROUP BY state"))
    flagged = await db.value("SELECT COUNT(*) FROM outbox WHERE possibly_duplicated"
                             " AND message_id IS NOT NULL")
    recorded = await db.value("SELECT COUNT(*) FROM outbox WHERE state = 'sent'"
                              " AND message_id IS NOT NULL")
    failures = await db.rows("SELECT COALESCE(last_error, ''), COUNT(*) FROM outbox"
                             " WHERE state = 'failed' GROUP BY last_error")
    stored = Counter((platform, key) for platform, key in rows)
    checks: list[tuple[str, str, bool]] = []
    for platform in PLATFORMS:
        answered = {key for key in tally.answered if key[0] == platform}
        missing = answered - set(stored)
        doubled = [key for key in answered if stored[key] > 1]
        checks.append((f"{platform}: webhooks answered 2xx → stored exactly once",
                       f"{len(answered):,} answered, {len(answered) - len(missing):,} stored,"
                       f" {len(missing)} missing, {len(doubled)} doubled",
                       bool(answered) and not missing and not doubled))
    # A send the process was killed before recording is made again: the fakes then have
    # more sends than the outbox has sent rows, and only flagged rows may explain them.
    sent_twice = sent_at_fakes(telegram, meta) - recorded
    unexplained = sum(count for error, count in failures if not error.strip())
    checks += [
        ("WhatsApp receipts posted (answered 2xx), many before their reply was recorded",
         f"{tally.statuses:,}", True),
        ("stored customer messages the flows have not handled", str(unprocessed),
         unprocessed == 0),
        ("outbox rows by state", ", ".join(f"{k} {v:,}" for k, v in sorted(states.items())),
         not states.get("pending") and not states.get("sending")),
        ("replies failed, each with its recorded reason",
         "; ".join(f"{n} × {e or '(no reason)'}" for e, n in failures) or "none",
         unexplained == 0),
        ("sends at the fakes beyond those recorded / flagged possibly_duplicated"
         " / kills + PostgreSQL restarts + slow answers queued",
         f"{sent_twice} / {flagged} / {tally.kills} + {tally.database_restarts}"
         f" + {tally.slow_answers}",
         0 <= sent_twice <= flagged
         <= tally.kills + tally.database_restarts + tally.slow_answers),
    ]
    return checks


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="pasokh-soak-"))
    logs = workdir / "logs"
    logs.mkdir()
    children = Children(logs, Pinning.choose(enabled=not args.no_pin))
    tally = Tally()
    stop = asyncio.Event()
    postgres = PostgresCluster() if args.backend == "postgres" else None
    redis = RedisServer(children) if postgres is not None else None
    async with FakeTelegram(tokens=[TOKEN], enforce_limits=True) as telegram, \
            FakeMeta() as meta:
        try:
            if postgres is not None and redis is not None:
                await asyncio.to_thread(postgres.create)
                redis.start()
                pasokh = Pasokh(children, workdir, telegram.base_url, meta.base_url,
                                processes=2, database_url=postgres.url, redis_url=redis.url)
                database = Database(postgres_url=postgres.url)
                faults = [restart_postgres(args, postgres, tally, stop),
                          pause_redis(args, redis, stop)]
                setup = (f"PostgreSQL (own cluster, port {postgres.port}) + Redis (own server,"
                         f" port {redis.port}), two processes, PostgreSQL restarted at"
                         f" {POSTGRES_RESTART_AT:.0%} of the run, Redis stopped"
                         f" {args.redis_pause:.0f} s at {REDIS_PAUSE_AT:.0%}")
            else:
                pasokh = Pasokh(children, workdir, telegram.base_url, meta.base_url)
                database = Database(sqlite_path=workdir / "pasokh.db")
                faults = []
                setup = "SQLite, one process"
            await pasokh.start_all()
            log(f"soak: {args.minutes} min at {args.rate}/s on {', '.join(PLATFORMS)},"
                f" {setup}, SIGKILL every {args.kill_every} s, {args.fault_share:.0%} of sends"
                f" faulty, a {args.storm_seconds:.0f} s storm of 5xx; logs in {logs}")
            started = time.monotonic()
            timeout = aiohttp.ClientTimeout(total=30)
            connector = aiohttp.TCPConnector(limit=256)
            async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
                writer = Writer(http, pasokh, Load(telegram, meta), tally, stop)
                await asyncio.gather(writer.write_for(args), writer.race_receipts(meta),
                                     storm(args, telegram, meta, stop),
                                     keep_killing(args, pasokh, telegram, meta, tally, stop),
                                     report_each_minute(telegram, meta, database, tally, stop),
                                     *faults)
            await settle(telegram, meta, database, within=600)
            elapsed = time.monotonic() - started
            tally.peak_rss_mib += pasokh.peaks()
            checks = await audit(database, telegram, meta, tally)
        finally:
            children.stop_all()
            if postgres is not None:
                postgres.remove(keep_log_in=logs)
    print(f"\nPasokh soak ({setup}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:"
          f" {elapsed / 60:.1f} min, {tally.posts:,} posts, {tally.kills} SIGKILLs,"
          f" refused while down: {dict(tally.refused) or 'none'}\n")
    latencies = sorted(tally.latencies)
    print("| check | result | ok? |\n|---|---|---|")
    for name, result, ok in checks:
        print(f"| {name} | {result} | {'yes' if ok else '**no**'} |")
    if latencies:
        print(f"| webhook latency p50 / p99 (answered 2xx) | {percentile(latencies, 50) * 1000:.1f}"
              f" / {percentile(latencies, 99) * 1000:.1f} ms | — |")
    if tally.peak_rss_mib:
        print(f"| peak RSS per run (MiB) | {', '.join(f'{m:.0f}' for m in tally.peak_rss_mib)}"
              " | — |")
    return 0 if all(ok for _, _, ok in checks) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/soak.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite",
                        help="sqlite: one process; postgres: two processes on the soak's own"
                             " PostgreSQL and Redis")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="webhooks per second")
    parser.add_argument("--kill-every", type=float, default=45.0, help="seconds between kills")
    parser.add_argument("--fault-share", type=float, default=0.1,
                        help="share of sends answered 429, 5xx or in 10 s")
    parser.add_argument("--slow-answer", type=float, default=10.0,
                        help="seconds a slow send takes to be answered")
    parser.add_argument("--storm-seconds", type=float, default=60.0,
                        help="how long every send fails 5xx, from a third of the run")
    parser.add_argument("--redis-pause", type=float, default=30.0,
                        help="seconds Redis stays stopped (postgres backend)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
