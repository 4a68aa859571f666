"""Received files, served from the media store to those who may see their conversation.

A file is always served with the type the platform declared and the store checked, never
sniffed, and in a sandbox: what a customer sent can be looked at or downloaded, never run.
Only pictures, sound and video the browser plays natively are shown inline; everything
else (SVG included, were it ever stored) is a download.
"""

from __future__ import annotations

import mimetypes

from aiohttp import web

from admin_panel.typedefs import DESK, SETTINGS, viewer_of
from core.desk import ConversationNotFound
from core.ids import MAX_MESSAGE_ID, id_or_none
from core.media import media_path

INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
INLINE_SOUNDS = frozenset({"audio/ogg", "audio/opus", "audio/mpeg", "audio/mp4", "audio/aac",
                           "audio/wav", "audio/webm", "audio/x-m4a"})
INLINE_VIDEOS = frozenset({"video/mp4", "video/webm"})
INLINE_TYPES = INLINE_IMAGES | INLINE_SOUNDS | INLINE_VIDEOS
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=3600",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def disposition(message_id: int, mime: str) -> str:
    how = "inline" if mime in INLINE_TYPES else "attachment"
    extension = mimetypes.guess_extension(mime) or ".bin"
    return f'{how}; filename="pasokh-{message_id}{extension}"'


async def media(request: web.Request) -> web.StreamResponse:
    message_id = id_or_none(request.match_info["message_id"], maximum=MAX_MESSAGE_ID)
    if message_id is None:
        raise web.HTTPNotFound()
    try:
        stored = await request.app[DESK].stored_file(viewer_of(request), message_id)
    except ConversationNotFound:
        raise web.HTTPNotFound() from None
    path = media_path(request.app[SETTINGS], stored.digest)
    if path is None or not path.is_file():
        raise web.HTTPNotFound()
    mime = stored.mime or "application/octet-stream"
    return web.FileResponse(path, headers={
        **SAFE_HEADERS, "Content-Type": mime,
        "Content-Disposition": disposition(stored.message_id, mime),
    })
