"""Received media: fetched from the platforms into PASOKH_DATA_DIR/media, by content hash.

A message is stored first with only the platform's reference to its file (`MediaRef`); the
`MediaFetcher` downloads it afterwards and records the outcome in `Message.media`:
`{"stored": "<sha256>", "mime": ..., "size": ...}` or `{"fetch_error": "..."}`. A message
with neither is still to do, so a crash or a restart loses nothing: the next scan finds it.

What a payload names is never trusted as a URL. Every URL fetched (the one an adapter
builds, the one Graph answers with, a redirect's target) must be on an allowed host, the
declared type must be on the allowlist and, for images and PDFs, match the first bytes,
and the body is streamed with a size cap into a temporary file that is renamed into place
only when complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import aiohttp
from yarl import URL

from core.bus import Bus
from core.clock import SYSTEM_CLOCK, Clock
from core.events import MediaRef
from core.models import Direction, Message
from core.settings import Settings
from core.tasks import finish

log = logging.getLogger(__name__)

_DIGEST = re.compile(r"[0-9a-f]{64}")
# A file sent to Pasokh itself (a web chat visitor's), stored on arrival: its MediaRef's
# file_id is this prefix and the content's hash; the inbox records it stored (nothing to
# download).
STORED_PREFIX = "stored:"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 3
_HEAD_BYTES = 16  # enough for every signature in _SIGNATURES
_STALE_TEMP_SECONDS = 3600  # another process may be writing a younger one
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=300, sock_connect=10, sock_read=30)

ALLOWED_TYPES = frozenset({
    "image/jpeg", "image/png", "image/gif", "image/webp",
    "audio/ogg", "audio/opus", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr",
    "audio/x-m4a", "audio/wav", "audio/webm",
    "video/mp4", "video/3gpp", "video/quicktime", "video/webm", "video/mpeg",
    "application/pdf",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "text/plain", "text/csv",
})
# Types a browser renders by sniffing: the bytes must be what the platform said they are.
_SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/gif": lambda head: head[:6] in (b"GIF87a", b"GIF89a"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
}
_UNDECLARED = frozenset({"", "application/octet-stream", "binary/octet-stream"})


class MediaRefused(Exception):
    """This file will not be fetched (not found, too large, wrong type, host not allowed).
    `str()` is safe to store and log: it never holds a URL or a token."""


class MediaTryAgain(Exception):
    """A timeout, a dropped connection, a 5xx or a 429: worth another try soon."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaLocation:
    """Where to download one file from, as an adapter translated a `MediaRef`."""

    url: str = field(repr=False)  # a Telegram download URL holds the bot token
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    mime_type: str | None = None
    size: int | None = None


class MediaSource(Protocol):
    async def locate(self, ref: MediaRef) -> MediaLocation:
        """Where the platform serves this file; raise MediaRefused or MediaTryAgain."""


@dataclass(frozen=True, slots=True)
class StoredMedia:
    digest: str
    mime_type: str
    size: int


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """The hosts media may come from: the configured API bases (scheme, host and port as
    configured, so tests can use plain HTTP on a loopback port) and extra HTTPS hosts,
    `*.example.com` meaning any subdomain of example.com."""

    origins: frozenset[tuple[str, str, int]]
    hosts: frozenset[str]
    suffixes: tuple[str, ...]

    @classmethod
    def of(cls, bases: Iterable[str], allowed_hosts: Iterable[str]) -> HostPolicy:
        """The policy for these API bases and HTTPS host names (adapters.media_host_policy
        gathers them from every platform)."""
        origins = frozenset(_origin(URL(base)) for base in bases)
        names = [name.strip().lower() for name in allowed_hosts if name.strip()]
        return cls(origins,
                   frozenset(name for name in names if not name.startswith("*.")),
                   tuple(name[1:] for name in names if name.startswith("*.")))

    def check(self, raw_url: str) -> URL:
        """The parsed URL when it may be fetched; MediaRefused naming the host otherwise."""
        try:
            url = URL(raw_url)
        except (TypeError, ValueError):
            raise MediaRefused("not a URL") from None
        host = (url.host or "").lower()
        if not url.absolute or url.scheme not in ("http", "https") or not host:
            raise MediaRefused("not an http(s) URL")
        if url.user is not None or url.password is not None:
            raise MediaRefused(f"URL with credentials for host {host}")
        if _origin(url) in self.origins:
            return url
        on_listed_host = host in self.hosts or host.endswith(self.suffixes)
        if url.scheme == "https" and url.port == 443 and on_listed_host:
            return url
        raise MediaRefused(f"host {host} is not allowed")


def _origin(url: URL) -> tuple[str, str, int]:
    return url.scheme, (url.host or "").lower(), url.port or 0


def normalize_type(raw: str | None) -> str:
    """`audio/ogg; codecs=opus` → `audio/ogg`."""
    return (raw or "").split(";", 1)[0].strip().lower()


def check_type(declared: str, head: bytes) -> str:
    """The type to record for a file whose first bytes are `head`, or MediaRefused."""
    if declared in _UNDECLARED:
        sniffed = next((kind for kind, matches in _SIGNATURES.items() if matches(head)), None)
        if sniffed is None:
            raise MediaRefused("the file's type is not declared and not recognised")
        return sniffed
    if declared not in ALLOWED_TYPES:
        raise MediaRefused(f"type {declared} is not accepted")
    matches = _SIGNATURES.get(declared)
    if matches is not None and not matches(head):
        raise MediaRefused(f"the content is not the declared {declared}")
    return declared


class MediaStore:
    """Files under `root`, named by the SHA-256 of their content: `root/ab/abcdef…`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / "incoming"

    def prepare(self) -> None:
        """Create the folders and remove temporary files a crash left behind."""
        self._incoming.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - _STALE_TEMP_SECONDS
        for leftover in self._incoming.iterdir():
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()

    def path_of(self, digest: str) -> Path | None:
        """The local file of a stored hash, or None when there is none (or it is no hash)."""
        if not _DIGEST.fullmatch(digest):
            return None
        path = self.root / digest[:2] / digest
        return path if path.is_file() else None

    def open_incoming(self) -> tuple[Path, BinaryIO]:
        self._incoming.mkdir(parents=True, exist_ok=True)
        path = self._incoming / uuid.uuid4().hex
        return path, path.open("xb")

    def commit(self, incoming: Path, digest: str) -> None:
        """Move a complete file into place; the same content twice is kept once."""
        target = self.root / digest[:2] / digest
        if target.is_file():
            incoming.unlink()
            return
        target.parent.mkdir(exist_ok=True)
        os.replace(incoming, target)


def store_upload(settings: Settings, data: bytes, declared: str,
                 file_name: str | None = None) -> MediaRef:
    """A file sent to Pasokh itself, checked as a download is (a type on the allowlist that
    its first bytes match) and stored by its hash; the reference a message carries for it.
    MediaRefused when it is not taken. Blocking: call it in a thread."""
    mime_type = check_type(normalize_type(declared), data[:_HEAD_BYTES])
    digest = hashlib.sha256(data).hexdigest()
    store = MediaStore(settings.data_dir / "media")
    incoming, file = store.open_incoming()
    with file:
        file.write(data)
        _flush(file)
    store.commit(incoming, digest)
    return MediaRef(file_id=STORED_PREFIX + digest, mime_type=mime_type, file_name=file_name,
                    size=len(data))


def media_path(settings: Settings, digest: str) -> Path | None:
    """The local file of a stored media hash, for the panel to serve; None when unknown."""
    return MediaStore(settings.data_dir / "media").path_of(digest)


class Downloader:
    """Streams one located file into the store, within the host policy and size limit."""

    def __init__(self, session: aiohttp.ClientSession, store: MediaStore, hosts: HostPolicy,
                 max_bytes: int) -> None:
        self._session = session
        self._store = store
        self._hosts = hosts
        self._max_bytes = max_bytes

    async def fetch(self, ref: MediaRef, source: MediaSource) -> StoredMedia:
        self._check_size(ref.size)
        self._check_declared(normalize_type(ref.mime_type))
        location = await source.locate(ref)
        self._check_size(location.size)
        declared = normalize_type(ref.mime_type or location.mime_type)
        self._check_declared(declared)
        url = self._hosts.check(location.url)
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                async with self._session.get(url, headers=location.headers, allow_redirects=False,
                                             timeout=DOWNLOAD_TIMEOUT) as response:
                    if response.status in _REDIRECTS:
                        url = self._redirect(url, response.headers.get("Location"))
                        continue
                    _check_status(response.status)
                    self._check_size(response.content_length)
                    if declared in _UNDECLARED:
                        declared = normalize_type(response.headers.get("Content-Type"))
                    return await self._receive(response, declared)
            except (aiohttp.ClientError, TimeoutError) as error:
                raise MediaTryAgain(f"download: {type(error).__name__}") from None
        raise MediaRefused(f"more than {_MAX_REDIRECTS} redirects")

    def _redirect(self, current: URL, location: str | None) -> URL:
        if not location:
            raise MediaRefused("a redirect without a Location")
        target = self._hosts.check(str(current.join(URL(location))))
        if _origin(target) != _origin(current):
            raise MediaRefused(f"redirect to another host ({target.host})")
        return target

    @staticmethod
    def _check_declared(declared: str) -> None:
        if declared not in _UNDECLARED and declared not in ALLOWED_TYPES:
            raise MediaRefused(f"type {declared} is not accepted")

    def _check_size(self, size: int | None) -> None:
        if size is not None and size > self._max_bytes:
            raise MediaRefused(f"too large: {size} bytes, the limit is {self._max_bytes}")

    async def _receive(self, response: aiohttp.ClientResponse, declared: str) -> StoredMedia:
        incoming, file = self._store.open_incoming()
        committed = False
        try:
            digest = hashlib.sha256()
            size = 0
            head = b""
            mime_type: str | None = None
            with file:
                async for chunk in response.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    self._check_size(size)
                    if mime_type is None:
                        head += chunk[:_HEAD_BYTES]
                        if len(head) >= _HEAD_BYTES:
                            mime_type = check_type(declared, head)
                    digest.update(chunk)
                    file.write(chunk)
                if size == 0:
                    raise MediaRefused("the platform sent an empty file")
                mime_type = mime_type or check_type(declared, head)
                await asyncio.to_thread(_flush, file)
            hexdigest = digest.hexdigest()
            await asyncio.to_thread(self._store.commit, incoming, hexdigest)
            committed = True
            return StoredMedia(hexdigest, mime_type, size)
        finally:
            if not committed:
                with contextlib.suppress(FileNotFoundError):
                    incoming.unlink()


def _flush(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())


def _check_status(status: int) -> None:
    if status == 429 or status >= 500:
        raise MediaTryAgain(f"download: HTTP {status}")
    if not 200 <= status < 300:
        raise MediaRefused(f"download: HTTP {status}")


def pending(media: Any) -> bool:
    """A message's media JSON that has not been fetched or given up on yet."""
    return isinstance(media, dict) and bool(media.get("file_id")) \
        and "stored" not in media and "fetch_error" not in media


def _ref(media: Mapping[str, Any]) -> MediaRef:
    size = media.get("size")
    return MediaRef(file_id=str(media["file_id"]), mime_type=media.get("mime_type"),
                    file_name=media.get("file_name"),
                    size=size if isinstance(size, int) else None)


class MediaFetcher:
    """Downloads the media of stored inbound messages in the background.

    Scans forward from the lowest message id it has not looked at yet: the whole table
    once at start, then from where it stopped each time a "message.new" notice of a
    message with media wakes it. Each such notice moves the position back to its message
    before the next scan, so a transaction that committed late (a lower id than one already
    scanned) is not skipped. The state is a few integers, whatever the traffic.
    """

    def __init__(
        self,
        sources: Callable[[int], MediaSource | None],
        downloader: Downloader,
        bus: Bus,
        *,
        retry_delays: Sequence[float] = (1.0, 5.0),
        page_size: int = 100,
        concurrency: int = 4,
        idle_scan_seconds: float = 300.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._sources = sources
        self._clock = clock  # retry delays and idle scans wait on it (tests move it)
        self._downloader = downloader
        self._bus = bus
        self._retry_delays = tuple(retry_delays)
        self._page_size = page_size
        self._concurrency = concurrency
        self._idle_scan_seconds = idle_scan_seconds
        self._after_id = 0
        self._rewind_to: int | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="media-listener")
        self._loop = asyncio.create_task(self._run(), name="media-fetcher")

    async def close(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await finish(self._loop, grace=5.0)

    def wake(self, message_id: int | None = None) -> None:
        if message_id is not None:
            self._rewind_to = min(message_id, self._rewind_to or message_id)
        self._wake.set()

    async def _listen(self) -> None:
        notices = self._bus.subscribe("message.new")
        try:
            async for notice in notices:
                if not notice.data.get("media"):
                    continue  # a text: nothing to fetch, and a scan costs two queries
                message_id = notice.data.get("message_id")
                self.wake(message_id if isinstance(message_id, int) else None)
        finally:
            await notices.aclose()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                found = await self.fetch_pending()
            except Exception:
                log.exception("media: scan failed; trying again on the next wake-up")
                found = 0
            if found or self._stopping:
                continue
            await self._clock.wait(self._wake, self._idle_scan_seconds)

    async def fetch_pending(self) -> int:
        """Fetch one page of messages waiting for their media; how many were looked at."""
        if self._rewind_to is not None:
            self._after_id = min(self._after_id, self._rewind_to - 1)
            self._rewind_to = None
        # Read the newest id first: a row committed after this read has a higher id (or
        # sends a notice that rewinds), so moving up to it below cannot skip a message.
        newest = await Message.all().order_by("-id").limit(1).values_list("id", flat=True)
        if not newest or newest[0] <= self._after_id:
            return 0
        rows = await Message.filter(
            id__gt=self._after_id, id__lte=newest[0], media__isnull=False,
            direction=Direction.INBOUND.value,
        ).order_by("id").limit(self._page_size).values("id", "channel_id", "media")
        if not rows:
            self._after_id = newest[0]  # only text since the last scan
            return 0
        todo = [row for row in rows if pending(row["media"])]
        for start in range(0, len(todo), self._concurrency):
            if self._stopping:
                return len(rows)
            await asyncio.gather(*(self._fetch_one(row)
                                   for row in todo[start:start + self._concurrency]))
        last = rows[-1]["id"] if len(rows) == self._page_size else newest[0]
        self._after_id = max(self._after_id, last)
        return len(rows)

    async def _fetch_one(self, row: dict[str, Any]) -> None:
        source = self._sources(row["channel_id"])
        if source is None:
            return  # the channel is gone or disabled: keep the reference for later
        media = dict(row["media"])
        outcome = await self._fetch_with_retries(row["id"], _ref(media), source)
        if outcome is None:
            return  # stopping: the next start tries again
        if isinstance(outcome, StoredMedia):
            media.update(stored=outcome.digest, mime=outcome.mime_type, size=outcome.size)
        else:
            media["fetch_error"] = outcome
        await Message.filter(id=row["id"]).update(media=media)

    async def _fetch_with_retries(self, message_id: int, ref: MediaRef,
                                  source: MediaSource) -> StoredMedia | str | None:
        """The stored file, the reason it will not be, or None when stopping."""
        delays = iter(self._retry_delays)
        tries = 0
        while not self._stopping:
            tries += 1
            try:
                return await self._downloader.fetch(ref, source)
            except MediaRefused as refused:
                log.warning("media: message %d not fetched: %s", message_id, refused)
                return str(refused)
            except MediaTryAgain as error:
                delay = next(delays, None)
                if delay is None:
                    log.warning("media: message %d not fetched after %d tries: %s",
                                message_id, tries, error)
                    return f"{error} (after {tries} tries)"
                await self._clock.sleep(delay)
        return None
