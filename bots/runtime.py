"""Process wiring: one Runtime per process, started and stopped with the web app.

Data flows one way: webhook/polling → inbox (stored) → conversation engine (flows decide,
replies stored in the outbox) → outbox worker → platform. The bus tells panels and other
processes that something changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
from aiohttp import web

from adapters import (
    ADAPTERS,
    media_host_policy,
    platform_buttons,
    platform_looks,
    site_channels,
)
from adapters.base import SERVICES, AdapterServices, proactive_rules
from admin_panel import setup_panel
from admin_panel.typedefs import (
    BUS,
    CHANNEL_SETUP,
    DESK,
    FLOW_CONFIGURATION,
    FOLLOWUPS,
    PLATFORM_BUTTONS,
    PLATFORMS,
    SETTINGS,
)
from bots.bodies import bounded_bodies
from bots.channel_setup import RegistryChannelSetup
from bots.flow_config import LiveFlowConfig
from bots.notifications import MessengerLinker, Notifier, vapid_subject
from bots.polling import poll_forever
from bots.routing import business_hours, route_forever
from bots.snooze import wake_snoozed_forever
from bots.typedefs import RUNTIME
from bots.webhooks import WEBHOOK_ROUTES
from core import broadcasts, db, fulltext, search_index
from core.address_policy import AddressPolicy
from core.bus import Bus, make_bus
from core.channels import ChannelDirectory, sync_channel
from core.clock import SYSTEM_CLOCK, Clock
from core.continuity import Continuity
from core.conversations import ConversationEngine
from core.delivery import DeliversFiles, FileRules, PricedPerPart, Transport
from core.desk import Desk
from core.events import OutboundMessage
from core.followups import FollowupWorker
from core.inbox import Inbox
from core.leadership import SenderLease
from core.media import Downloader, MediaFetcher, MediaSource, MediaStore, store_upload
from core.order_lookup import OrderLookups, OrderSources
from core.outbox import OutboxWorker, RetryPolicy
from core.routing import Router
from core.segments import PartBilling
from core.settings import Settings
from core.webhook_sender import WebhookSender

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
    desk: Desk
    followups: FollowupWorker
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
    for platform, adapter in ADAPTERS.items():
        for declared in adapter.declared(settings):
            await sync_channel(platform, key=declared.key, token=declared.token,
                               webhook_secret=declared.webhook_secret, name=declared.name)


def _media_fetcher(settings: Settings, sources: dict[int, MediaSource],
                   session: aiohttp.ClientSession, bus: Bus, clock: Clock) -> MediaFetcher:
    store = MediaStore(settings.data_dir / "media")
    store.prepare()
    downloader = Downloader(session, store, media_host_policy(settings),
                            settings.media_max_bytes)
    return MediaFetcher(sources.get, downloader, bus, clock=clock)


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
async def running(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> AsyncIterator[Runtime]:
    """Everything a Pasokh process runs, from migrated database to outbox worker. The outbox
    worker and the media fetcher keep time with `clock` (tests pass one they move,
    tests/fakes/clock.py)."""
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
        clock=clock,
    )
    # Order lookups from their own HTTP session (it refuses private addresses).
    order_lookups = OrderLookups(OrderSources.of(settings))
    flows = LiveFlowConfig(order_lookups)
    await flows.refresh()
    engine = ConversationEngine(flows.decide, bus, outbox.wake,
                                look_up_order=flows.look_up_order)
    proactive = {platform: proactive_rules(adapter, session, settings)
                 for platform, adapter in ADAPTERS.items()}
    followups = FollowupWorker(clock.now, proactive.__getitem__, outbox.wake,
                               passes=(broadcasts.queue_pending,))
    inbox = Inbox(bus)
    # An agent's link code (notifications on their own messenger account) stops here.
    inbox.on_new_messages(MessengerLinker(engine.submit, outbox.wake))
    continuity = Continuity()
    inbox.on_new_messages(continuity.submit)
    media_sources = {
        channel.channel_id: ADAPTERS[platform].media_source(channel, session, settings)
        for platform, channel in channels.all()
    }
    media = _media_fetcher(settings, media_sources, session, bus, clock)

    def reply_window(message: OutboundMessage) -> timedelta | None:
        """The channel's rule for how late a message may go (core/delivery.py)."""
        transport = transports.get(message.channel_id)
        return transport.reply_window(message) if transport is not None else None

    def part_price(channel_id: int) -> int:
        transport = transports.get(channel_id)
        return transport.price_per_part if isinstance(transport, PricedPerPart) else 0

    part_billing = PartBilling(
        platforms=frozenset(p.value for p, a in ADAPTERS.items() if a.look.counts_parts),
        price=part_price)
    def file_rules(channel_id: int) -> FileRules | None:
        """The files an agent may send on the channel: its transport's rules, if it gives
        files to its customers at all."""
        transport = transports.get(channel_id)
        return transport.file_rules if isinstance(transport, DeliversFiles) else None

    desk = Desk(bus, outbox.wake, engine.submit_ids, reply_window, part_billing,
                file_rules=file_rules, store_file=functools.partial(store_upload, settings))
    runtime = Runtime(settings, bus, channels, inbox, engine, outbox, session, flows, media,
                      desk, followups, transports, media_sources=media_sources)
    await inbox.start()
    await engine.start()
    await outbox.start()
    await media.start()
    # Outgoing webhooks, from their own HTTP session (it refuses private addresses).
    webhook_sender = WebhookSender(AddressPolicy.of(settings))
    await webhook_sender.start(bus)
    await followups.start()  # what was scheduled before a restart is sent when due
    runtime.background.append(asyncio.create_task(flows.watch(), name="flow-config"))
    runtime.background.append(asyncio.create_task(_watch_channels(runtime), name="channels"))
    # Snoozed conversations wake here, not in the panel; shutdown cancels the loop.
    runtime.background.append(asyncio.create_task(wake_snoozed_forever(bus), name="snooze"))
    # Handed-off conversations find an agent here (core/routing/), in every process.
    runtime.background.append(asyncio.create_task(
        route_forever(Router(bus, business_hours(flows)), bus), name="routing"))
    notifier = Notifier(bus, session, vapid_subject=vapid_subject(settings.public_url),
                        wake_outbox=outbox.wake)
    runtime.background.append(asyncio.create_task(notifier.run(), name="notifications"))
    runtime.background.append(asyncio.create_task(notifier.watch_targets(), name="targets"))
    runtime.background.append(asyncio.create_task(search_index.catch_up_in_background(),
                                                  name="search-index"))
    for platform, channel in channels.all():
        poller = ADAPTERS[platform].poller(channel, session, settings)
        if poller is not None:
            runtime.background.append(asyncio.create_task(
                poll_forever(platform, channel, poller, inbox),
                name=f"{platform.value}-polling-{channel.channel_id}",
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
        await followups.close()
        await inbox.close()
        await continuity.close()
        await engine.close()
        await outbox.close()
        await media.close()
        await webhook_sender.close()
        await order_lookups.close()
        await session.close()
        await bus.close()
        if checkpointer:
            await checkpointer.close()
        await db.close_database()


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    # How many channels per platform: ids are the panel's business, not an anonymous probe's.
    channels = Counter(platform.value for platform, _ in runtime.channels.all())
    return web.json_response({
        "status": "ok",
        "channels": dict(sorted(channels.items())),
        "search_index": (await fulltext.state()).as_json(),
    })


UNREAD_BODY_DRAIN_SECONDS = 1.0


def create_app(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> web.Application:
    # After an answer given without reading the body (a refused secret, a length over the
    # limit, a body too slow), the rest is drained for at most this long, then the
    # connection is closed: aiohttp's default of 10 s let 1,000 stalled senders hold
    # 1,000 sockets.
    app = web.Application(client_max_size=settings.webhook_max_body_bytes,
                          handler_args={"lingering_time": UNREAD_BODY_DRAIN_SECONDS},
                          middlewares=[bounded_bodies(settings.body_read_seconds)])

    async def runtime_context(app: web.Application) -> AsyncIterator[None]:
        async with running(settings, clock) as runtime:
            app[RUNTIME] = runtime
            # What the panel declares it needs (admin_panel/typedefs.py).
            app[BUS] = runtime.bus
            app[FLOW_CONFIGURATION] = runtime.flows
            app[DESK] = runtime.desk
            app[FOLLOWUPS] = runtime.followups
            app[CHANNEL_SETUP] = RegistryChannelSetup(settings, runtime.session,
                                                      runtime.channels, runtime.reload_channels)
            app[SERVICES] = AdapterServices(settings=settings, channels=runtime.channels,
                                            inbox=runtime.inbox, bus=runtime.bus)
            sites = site_channels().values()
            for site in sites:
                await site.start(app[SERVICES])
            try:
                yield
            finally:
                for site in sites:
                    await site.stop()

    app.cleanup_ctx.append(runtime_context)

    async def end_site_streams(app: web.Application) -> None:
        """On SIGTERM the server waits for the requests in flight before its cleanup (and
        the sites' stop) runs: a visitor's stream, open until the visitor leaves, held
        every shutdown for its whole grace. It ends here, before that wait."""
        for site in site_channels().values():
            await site.end_streams()

    app.on_shutdown.append(end_site_streams)
    app.router.add_get("/healthz", healthz, name="healthz")
    for method, path, handler, name in WEBHOOK_ROUTES:
        app.router.add_route(method, path, handler, name=name)
    for site in site_channels().values():
        app.router.add_routes(site.routes())
    app[SETTINGS] = settings
    app[PLATFORMS] = platform_looks()
    app[PLATFORM_BUTTONS] = platform_buttons()
    setup_panel(app)
    return app
