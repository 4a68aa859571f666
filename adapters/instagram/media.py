"""Instagram media: the webhook carries a CDN URL, fetched without any token (the
downloader checks its host; a payload cannot send Pasokh anywhere else)."""

from __future__ import annotations

from core.events import MediaRef
from core.media import MediaLocation


class InstagramMedia:
    async def locate(self, ref: MediaRef) -> MediaLocation:
        return MediaLocation(url=ref.file_id, mime_type=ref.mime_type, size=ref.size)
