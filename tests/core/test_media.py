"""Media downloads over real HTTP against the fakes: stored by hash, refused when they must be."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from adapters import media_host_policy
from adapters.instagram.media import InstagramMedia
from adapters.telegram import make_bot
from adapters.telegram.media import TelegramMedia
from adapters.whatsapp.media import WhatsAppMedia
from core.bus import InProcessBus
from core.events import ChatType, EventKind, InboundEvent, MediaRef, MessageKind, Platform, Sender
from core.inbox import Inbox
from core.media import (
    Downloader,
    MediaFetcher,
    MediaRefused,
    MediaStore,
    media_path,
)
from core.models import Channel, Message
from tests.conftest import BOT_TOKEN
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, FakeMeta
from tests.integration.helpers import eventually

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n" + b"0" * 600
OPUS = b"OggS\x00\x02" + b"\x01" * 900


@pytest.fixture
async def fake_meta():
    async with FakeMeta() as fake:
        yield fake


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def media_settings(settings, fake_meta, fake_telegram):
    return settings.with_environment(
        META_GRAPH_BASE=fake_meta.base_url,
        TELEGRAM_API_BASE=fake_telegram.base_url,
    )


@pytest.fixture
def store(media_settings) -> MediaStore:
    store = MediaStore(media_settings.data_dir / "media")
    store.prepare()
    return store


@pytest.fixture
def downloader(session, store, media_settings) -> Downloader:
    return Downloader(session, store, media_host_policy(media_settings),
                      media_settings.media_max_bytes)


@pytest.fixture
def whatsapp(session, fake_meta) -> WhatsAppMedia:
    return WhatsAppMedia(session, graph_base=fake_meta.base_url, token=DEFAULT_ACCESS_TOKEN)


def _stored_files(store: MediaStore) -> list[Path]:
    return [path for path in store.root.rglob("*")
            if path.is_file() and path.parent.name != "incoming"]


def _incoming(store: MediaStore) -> list[Path]:
    return list((store.root / "incoming").iterdir())


async def test_a_whatsapp_image_is_stored_under_its_hash(downloader, whatsapp, fake_meta,
                                                         media_settings):
    fake_meta.add_media("1001", JPEG, "image/jpeg")
    stored = await downloader.fetch(MediaRef(file_id="1001", mime_type="image/jpeg"), whatsapp)
    assert stored.digest == hashlib.sha256(JPEG).hexdigest()
    assert (stored.mime_type, stored.size) == ("image/jpeg", len(JPEG))
    path = media_path(media_settings, stored.digest)
    assert path is not None and path.read_bytes() == JPEG
    assert path.parent.name == stored.digest[:2]


async def test_the_same_content_twice_is_stored_once(downloader, whatsapp, fake_meta, store):
    fake_meta.add_media("2001", PDF, "application/pdf")
    fake_meta.add_media("2002", PDF, "application/pdf")
    first = await downloader.fetch(MediaRef(file_id="2001"), whatsapp)
    second = await downloader.fetch(MediaRef(file_id="2002"), whatsapp)
    assert first == second
    assert len(_stored_files(store)) == 1
    assert _incoming(store) == []


async def test_a_voice_note_with_codec_parameters_is_accepted(downloader, whatsapp, fake_meta):
    fake_meta.add_media("3001", OPUS, "audio/ogg; codecs=opus")
    ref = MediaRef(file_id="3001", mime_type="audio/ogg; codecs=opus")
    assert (await downloader.fetch(ref, whatsapp)).mime_type == "audio/ogg"


async def test_a_media_id_graph_does_not_know_is_refused(downloader, whatsapp, store):
    with pytest.raises(MediaRefused, match="whatsapp media"):
        await downloader.fetch(MediaRef(file_id="404404"), whatsapp)
    assert _stored_files(store) == []


async def test_a_file_over_the_limit_is_refused_and_leaves_nothing(
    session, store, media_settings, whatsapp, fake_meta
):
    small_limit = Downloader(session, store, media_host_policy(media_settings), 1000)
    fake_meta.add_media("4001", JPEG * 2, "image/jpeg")
    with pytest.raises(MediaRefused, match="too large"):
        await small_limit.fetch(MediaRef(file_id="4001"), whatsapp)
    with pytest.raises(MediaRefused, match="too large"):  # the payload said so already
        await small_limit.fetch(MediaRef(file_id="4001", size=5000), whatsapp)
    assert (_stored_files(store), _incoming(store)) == ([], [])


async def test_an_image_whose_bytes_are_not_an_image_is_refused(downloader, whatsapp,
                                                                fake_meta, store):
    fake_meta.add_media("5001", b"<html><script>alert(1)</script></html>" * 20, "image/png")
    with pytest.raises(MediaRefused, match="not the declared image/png"):
        await downloader.fetch(MediaRef(file_id="5001", mime_type="image/png"), whatsapp)
    assert (_stored_files(store), _incoming(store)) == ([], [])


async def test_a_type_off_the_allowlist_is_refused_before_any_request(downloader, whatsapp,
                                                                      fake_meta):
    ref = MediaRef(file_id="6001", mime_type="application/x-msdownload")
    with pytest.raises(MediaRefused, match="not accepted"):
        await downloader.fetch(ref, whatsapp)
    assert fake_meta.calls_to("media") == []


@pytest.mark.parametrize("url", [
    "https://evil.example/photo.jpg",
    "http://localhost:{port}/media-download/7001",  # the fake's port, under another name
    "ftp://lookaside.fbsbx.com/photo.jpg",
    "file:///etc/passwd",
])
async def test_a_url_on_a_host_not_allowed_is_refused_without_a_request(downloader, fake_meta,
                                                                        url):
    fake_meta.add_media("7001", JPEG, "image/jpeg")
    ref = MediaRef(file_id=url.format(port=fake_meta.port), mime_type="image/jpeg")
    with pytest.raises(MediaRefused, match="not allowed|not an http"):
        await downloader.fetch(ref, InstagramMedia())
    assert fake_meta.calls_to("media") == []


@pytest.fixture
async def cdn(aiohttp_server):
    """A CDN such as Instagram's: serves files without a token, sometimes redirects."""

    async def photo(request):
        return web.Response(body=JPEG, content_type="image/jpeg")

    async def hop(request):
        raise web.HTTPFound("/photo.jpg")

    async def away(request):
        raise web.HTTPFound(f"http://localhost:{request.url.port}/photo.jpg")

    async def endless(request):
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(JPEG)
        for _ in range(64):
            await response.write(b"\0" * 1024)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/photo.jpg", photo)
    app.router.add_get("/hop", hop)
    app.router.add_get("/away", away)
    app.router.add_get("/endless", endless)
    return await aiohttp_server(app)


@pytest.fixture
def cdn_downloader(session, store, settings, cdn) -> Downloader:
    # The CDN stands in for the Graph base: a loopback origin the policy allows.
    policy = media_host_policy(settings.with_environment(META_GRAPH_BASE=str(cdn.make_url(""))))
    return Downloader(session, store, policy, 8 * 1024)


async def test_an_instagram_cdn_url_is_downloaded_following_same_host_redirects(
    cdn_downloader, cdn
):
    for path in ("/photo.jpg", "/hop"):
        stored = await cdn_downloader.fetch(MediaRef(file_id=str(cdn.make_url(path))),
                                            InstagramMedia())
        assert (stored.digest, stored.mime_type) == (hashlib.sha256(JPEG).hexdigest(),
                                                     "image/jpeg")


async def test_a_redirect_to_another_host_is_not_followed(cdn_downloader, cdn):
    with pytest.raises(MediaRefused, match="not allowed|another host"):
        await cdn_downloader.fetch(MediaRef(file_id=str(cdn.make_url("/away"))), InstagramMedia())


async def test_a_body_without_a_length_is_cut_at_the_limit(cdn_downloader, cdn, store):
    with pytest.raises(MediaRefused, match="too large"):
        await cdn_downloader.fetch(MediaRef(file_id=str(cdn.make_url("/endless"))),
                                   InstagramMedia())
    assert (_stored_files(store), _incoming(store)) == ([], [])


def test_the_host_policy_allows_named_hosts_over_https_only(media_settings):
    policy = media_host_policy(media_settings)
    policy.check("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1")
    policy.check("https://scontent.xx.fbcdn.net/v/t1.jpg")
    policy.check("https://a.b.cdninstagram.com/x.jpg")
    for refused in ("http://lookaside.fbsbx.com/x", "https://fbcdn.net.evil.example/x",
                    "https://evilfbcdn.net/x", "https://lookaside.fbsbx.com:8443/x",
                    "https://user:pass@lookaside.fbsbx.com/x", "not a url"):
        with pytest.raises(MediaRefused):
            policy.check(refused)


async def test_a_telegram_photo_is_fetched_through_get_file(downloader, session, fake_telegram,
                                                            media_settings):
    fake_telegram.add_file("AgACAgQAAxkBAAIB", JPEG, "photos/file_1.jpg")
    source = TelegramMedia(make_bot(BOT_TOKEN, session, fake_telegram.base_url))
    stored = await downloader.fetch(MediaRef(file_id="AgACAgQAAxkBAAIB", mime_type="image/jpeg"),
                                    source)
    assert stored.digest == hashlib.sha256(JPEG).hexdigest()
    with pytest.raises(MediaRefused, match="telegram getFile"):
        await downloader.fetch(MediaRef(file_id="no-such-file"), source)


def test_media_path_answers_only_for_stored_hashes(media_settings):
    assert media_path(media_settings, "../../etc/passwd") is None
    assert media_path(media_settings, "a" * 64) is None


# ------------------------------------------------------------------ the background fetcher


def _image_message(channel_id: int, number: int, media_id: str) -> InboundEvent:
    return InboundEvent(
        platform=Platform.WHATSAPP, channel_id=channel_id, kind=EventKind.MESSAGE,
        external_id=f"wamid.media{number}", sender=Sender(external_id="989120000001",
                                                          display_name="مریم"),
        chat_id="989120000001", chat_type=ChatType.PRIVATE, message_kind=MessageKind.PHOTO,
        text="عکس رسید", media=MediaRef(file_id=media_id, mime_type="image/jpeg"),
        occurred_at=datetime(2026, 3, 21, 8, 30, tzinfo=UTC),
    )


@pytest.fixture
async def channel_id(any_database):
    return (await Channel.create(platform="whatsapp", key="1122334455667")).id


async def test_the_fetcher_stores_what_was_waiting_and_what_arrives(
    channel_id, downloader, whatsapp, fake_meta
):
    fake_meta.add_media("8001", JPEG, "image/jpeg")
    fake_meta.add_media("8002", JPEG[:-1], "image/jpeg")
    bus = InProcessBus()
    inbox = Inbox(bus)
    await inbox.start()
    fetcher = MediaFetcher({channel_id: whatsapp}.get, downloader, bus)
    try:
        (waiting,) = await inbox.ingest([_image_message(channel_id, 1, "8001")])
        await fetcher.start()  # as after a restart: the scan finds the waiting message
        await eventually(lambda: _has(waiting.message_id, "stored"), what="the first file")
        (arriving,) = await inbox.ingest([_image_message(channel_id, 2, "8002")])
        await eventually(lambda: _has(arriving.message_id, "stored"), what="the second file")
    finally:
        await fetcher.close()
        await inbox.close()
    media = (await Message.get(id=arriving.message_id)).media
    assert media["stored"] == hashlib.sha256(JPEG[:-1]).hexdigest()
    assert (media["mime"], media["size"], media["file_id"]) == ("image/jpeg", len(JPEG) - 1, "8002")


async def test_a_graph_404_is_recorded_and_the_message_kept(channel_id, downloader, whatsapp,
                                                            caplog):
    bus = InProcessBus()
    inbox = Inbox(bus)
    await inbox.start()
    try:
        (stored,) = await inbox.ingest([_image_message(channel_id, 3, "404404")])
    finally:
        await inbox.close()
    fetcher = MediaFetcher({channel_id: whatsapp}.get, downloader, bus)
    assert await fetcher.fetch_pending() == 1
    message = await Message.get(id=stored.message_id)
    assert message.media["fetch_error"].startswith("whatsapp media")
    assert (message.text, message.media["file_id"]) == ("عکس رسید", "404404")
    assert f"message {stored.message_id} not fetched" in caplog.text
    assert await fetcher.fetch_pending() == 0  # recorded once, not fetched again


async def _has(message_id: int, key: str) -> bool:
    media = (await Message.get(id=message_id)).media
    return isinstance(media, dict) and key in media


async def test_a_transient_failure_is_tried_again_a_bounded_number_of_times(
    channel_id, downloader, whatsapp, fake_meta
):
    fake_meta.add_media("8101", JPEG, "image/jpeg")
    fake_meta.add_media("8102", JPEG, "image/jpeg")
    fake_meta.fail_next("media.get", status=503, code=2, times=1)
    inbox = Inbox(InProcessBus())
    await inbox.start()
    try:
        (recovers,) = await inbox.ingest([_image_message(channel_id, 4, "8101")])
    finally:
        await inbox.close()
    fetcher = MediaFetcher({channel_id: whatsapp}.get, downloader, InProcessBus(),
                           retry_delays=(0.0, 0.0))
    await fetcher.fetch_pending()
    assert await _has(recovers.message_id, "stored")

    fake_meta.fail_next("media.download", status=500, code=2, times=3)
    inbox = Inbox(InProcessBus())
    await inbox.start()
    try:
        (gives_up,) = await inbox.ingest([_image_message(channel_id, 5, "8102")])
    finally:
        await inbox.close()
    await fetcher.fetch_pending()
    media = (await Message.get(id=gives_up.message_id)).media
    assert media["fetch_error"] == "download: HTTP 500 (after 3 tries)"
    assert len(fake_meta.calls_to("media.download")) == 1 + 3  # one good, three failed


def test_media_settings_have_defaults_and_name_a_bad_host(monkeypatch):
    from core.settings import SettingsError, load_settings

    defaults = load_settings(env_file=None)
    assert defaults.media_max_bytes == 16 * 1024 * 1024
    assert defaults.media_allowed_hosts is None  # every adapter's own hosts
    assert ".fbcdn.net" in media_host_policy(defaults).suffixes
    monkeypatch.setenv("MEDIA_ALLOWED_HOSTS", " CDN.Example.com , *.media.example ")
    monkeypatch.setenv("MEDIA_MAX_BYTES", "1048576")
    custom = load_settings(env_file=None)
    assert custom.media_allowed_hosts == ("cdn.example.com", "*.media.example")
    assert custom.media_max_bytes == 1048576
    monkeypatch.setenv("MEDIA_ALLOWED_HOSTS", "https://cdn.example.com/")
    with pytest.raises(SettingsError, match="MEDIA_ALLOWED_HOSTS"):
        load_settings(env_file=None)
