"""Process wiring: one Runtime per process, started and stopped with the web app.

Data flows one way: webhook/polling → inbox (stored) → conversation engine (flows decide,
replies stored in the outbox) → outbox worker → platform. The bus tells panels and other
processes that something changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from adapters import ADAPTERS
from adapters.telegram import bot_id
from admin_panel import setup_panel
from bots.flow_config import LiveFlowConfig
from bots.polling import poll_forever
from bots.snooze import wake_snoozed_forever
from bots.typedefs import RUNTIME
from bots.webhooks import handshake, receive
from core import db, fulltext
from core.bus import Bus, make_bus
from core.channels import ChannelDirectory, sync_channel
from core.conversations import ConversationEngine
from core.delivery import Transport
from core.events import Platform
from core.inbox import Inbox
from core.leadership import SenderLease
from core.media import Downloader, HostPolicy, MediaFetcher, MediaSource, MediaStore
from core.order_lookup import OrderLookups
from core.outbox import OutboxWorker, RetryPolicy
from core.settings import Settings, TelegramMode

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    bus: Bus
    channels: ChannelDirectory
    inbox: Inbox
    engine: ConversationEngine
    outbox: OutboxWorker
    session: aiohttp.ClientSession
    flows: LiveFlowConfig
    media: MediaFetcher
    transports: dict[int, Transport] = field(default_factory=dict)
    background: list[asyncio.Task[None]] = field(default_factory=list)
    media_sources: dict[int, MediaSource] = field(default_factory=dict)

    async def reload_channels(self) -> None:
        """Start answering for channels added or changed since start (the owners' panel
        adds them): the webhook path, the outbox and media downloads see them at once."""
        known = self.channels.all_by_id()
        await self.channels.load()
        for platform, channel in self.channels.all():
            if known.get(channel.channel_id) == channel and channel.channel_id in self.transports:
                continue  # unchanged: keep its transport and the pacing state it holds
            adapter = ADAPTERS[platform]
            self.transports[channel.channel_id] = adapter.transport(channel, self.session,
                                                                    self.settings)
            self.media_sources[channel.channel_id] = adapter.media_source(
                channel, self.session, self.settings)


async def _sync_channels_from_settings(settings: Settings) -> None:
    if settings.whatsapp_phone_number_id and settings.whatsapp_access_token:
        await sync_channel(
            Platform.WHATSAPP,
            key=settings.whatsapp_phone_number_id,
            token=settings.whatsapp_access_token,
            webhook_secret=settings.meta_app_secret,
            name="WhatsApp",
        )
    if settings.instagram_account_id and settings.instagram_access_token:
        await sync_channel(
            Platform.INSTAGRAM,
            key=settings.instagram_account_id,
            token=settings.instagram_access_token,
            webhook_secret=settings.meta_app_secret,
            name="Instagram",
        )
    if settings.telegram_bot_token:
        await sync_channel(
            Platform.TELEGRAM,
            key=bot_id(settings.telegram_bot_token),
            token=settings.telegram_bot_token,
            webhook_secret=settings.telegram_webhook_secret,
            name="Telegram",
        )


def _media_fetcher(settings: Settings, sources: dict[int, MediaSource],
                   session: aiohttp.ClientSession, bus: Bus) -> MediaFetcher:
    store = MediaStore(settings.data_dir / "media")
    store.prepare()
    downloader = Downloader(session, store, HostPolicy.from_settings(settings),
                            settings.media_max_bytes)
    return MediaFetcher(sources.get, downloader, bus)


CHANNELS_RELOAD_SECONDS = 5.0


async def _watch_channels(runtime: Runtime) -> None:
    """Channels an owner adds in another process's panel start answering here too."""
    while True:
        await asyncio.sleep(CHANNELS_RELOAD_SECONDS)
        try:
            await runtime.reload_channels()
        except Exception:
            log.exception("channels: could not reload; keeping the ones loaded")


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Runtime]:
    """Everything a Pasokh process runs, from migrated database to outbox worker."""
    await db.migrate(settings)
    await db.open_database(settings)
    sqlite_file = db.sqlite_path(settings.effective_database_url)
    checkpointer = db.WalCheckpointer(sqlite_file) if sqlite_file else None
    if checkpointer:
        await checkpointer.start()
    bus = make_bus(settings.redis_url)
    await bus.start()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))
    channels = ChannelDirectory()
    await _sync_channels_from_settings(settings)
    await channels.load()
    transports: dict[int, Transport] = {
        channel.channel_id: ADAPTERS[platform].transport(channel, session, settings)
        for platform, channel in channels.all()
    }
    outbox = OutboxWorker(
        transports.get,
        bus,
        policy=RetryPolicy(max_attempts=settings.outbox_max_attempts),
        sender_lease=(None if settings.is_embedded_database
                      else SenderLease(settings.effective_database_url)),
    )
    flows = LiveFlowConfig(OrderLookups(session))
    await flows.refresh()
    engine = ConversationEngine(flows.decide, bus, outbox.wake,
                                look_up_order=flows.look_up_order)
    inbox = Inbox(bus)
    inbox.on_new_messages(engine.submit)
    media_sources = {
        channel.channel_id: ADAPTERS[platform].media_source(channel, session, settings)
        for platform, channel in channels.all()
    }
    media = _media_fetcher(settings, media_sources, session, bus)
    runtime = Runtime(settings, bus, channels, inbox, engine, outbox, session, flows, media,
                      transports, media_sources=media_sources)
    await inbox.start()
    await engine.start()
    await outbox.start()
    await media.start()
    runtime.background.append(asyncio.create_task(flows.watch(), name="flow-config"))
    runtime.background.append(asyncio.create_task(_watch_channels(runtime), name="channels"))
    runtime.background.append(asyncio.create_task(wake_snoozed_forever(bus), name="snooze"))
    runtime.background.append(asyncio.create_task(fulltext.build_in_background(),
                                                  name="search-index"))
    if settings.telegram_mode is TelegramMode.POLLING:
        for channel in channels.of(Platform.TELEGRAM):
            runtime.background.append(asyncio.create_task(
                poll_forever(channel, session, settings.telegram_api_base, inbox),
                name=f"telegram-polling-{channel.channel_id}",
            ))
    log.info("pasokh: ready (database %s, bus %s, %d channel(s))",
             db.redacted_url(settings.effective_database_url),
             "redis" if settings.redis_url else "in-process", len(channels.all()))
    try:
        yield runtime
    finally:
        for task in runtime.background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await inbox.close()
        await engine.close()
        await outbox.close()
        await media.close()
        await session.close()
        await bus.close()
        if checkpointer:
            await checkpointer.close()
        await db.close_database()


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    return web.json_response({
        "status": "ok",
        "channels": [
            {"platform": platform.value, "id": channel.channel_id}
            for platform, channel in runtime.channels.all()
        ],
        "search_index": (await fulltext.state()).as_json(),
    })


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=settings.webhook_max_body_bytes)

    async def runtime_context(app: web.Application) -> AsyncIterator[None]:
        async with running(settings) as runtime:
            app[RUNTIME] = runtime
            yield

    app.cleanup_ctx.append(runtime_context)
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/webhooks/{platform}", handshake, name="webhook-handshake")
    app.router.add_post("/webhooks/{platform}", receive, name="webhook")
    setup_panel(app, settings)
    return app
