"""WhatsApp media: Graph's GET /{media-id} answers a short-lived URL on Meta's lookaside
host, downloaded with the same access token."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp
import orjson

from adapters.meta.graph import TIMEOUT, graph_error
from core.delivery import RetryLater, TransientError
from core.events import MediaRef
from core.media import MediaLocation, MediaRefused, MediaTryAgain


class WhatsAppMedia:
    def __init__(self, session: aiohttp.ClientSession, *, graph_base: str, token: str) -> None:
        self._session = session
        self._graph_base = graph_base
        self._headers = {"Authorization": f"Bearer {token}"}

    async def locate(self, ref: MediaRef) -> MediaLocation:
        url = f"{self._graph_base}/{quote(ref.file_id, safe='')}"
        try:
            async with self._session.get(url, headers=self._headers, timeout=TIMEOUT,
                                         allow_redirects=False) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise MediaTryAgain(f"whatsapp media: {type(error).__name__}") from None
        try:
            answer = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        download = answer.get("url")
        if 200 <= status < 300 and isinstance(download, str):
            size = answer.get("file_size")
            return MediaLocation(url=download, headers=self._headers,
                                 mime_type=answer.get("mime_type"),
                                 size=size if isinstance(size, int) else None)
        details = answer.get("error")
        error = graph_error("whatsapp media", status, details if isinstance(details, dict) else {})
        if isinstance(error, TransientError | RetryLater):
            raise MediaTryAgain(str(error))
        raise MediaRefused(str(error))
