"""Received files in the timeline: shown or downloadable, to those who may see them only,
with the stored type and never sniffed or run."""

from __future__ import annotations

import hashlib

from core.media import MediaStore
from core.models import Conversation, Message, Team
from tests.integration.helpers import post_update, text_update
from tests.panel.helpers import log_in, make_user
from tests.panel.test_pages import _conversation_of

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4 hello"


def _keep(settings, content: bytes) -> str:
    store = MediaStore(settings.data_dir / "media")
    incoming, file = store.open_incoming()
    with file:
        file.write(content)
    digest = hashlib.sha256(content).hexdigest()
    store.commit(incoming, digest)
    return digest


async def _message_with(conversation: Conversation, media: dict, kind: str) -> int:
    message = await Message.filter(conversation_id=conversation.id, author="customer").first()
    await Message.filter(id=message.id).update(media=media, kind=kind)
    return message.id


async def test_a_picture_is_shown_and_a_document_downloads_never_sniffed(pasokh,
                                                                         settings_with_fake):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6201, "عکس"))
    picture = await _message_with(await _conversation_of(6201),
                                  {"stored": _keep(settings_with_fake, JPEG),
                                   "mime": "image/jpeg"}, "photo")
    await post_update(pasokh, text_update(6202, "فاکتور"))
    document = await _message_with(await _conversation_of(6202),
                                   {"stored": _keep(settings_with_fake, PDF),
                                    "mime": "application/pdf"}, "document")
    await log_in(pasokh, "agent@example.com")

    page = await (await pasokh.get(f"/conversations/{(await _conversation_of(6201)).id}")).text()
    assert f'<img src="/media/{picture}"' in page
    shown = await pasokh.get(f"/media/{picture}")
    assert shown.status == 200 and await shown.read() == JPEG
    assert shown.headers["Content-Type"] == "image/jpeg"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]

    downloaded = await pasokh.get(f"/media/{document}")
    assert downloaded.headers["Content-Type"] == "application/pdf"
    assert downloaded.headers["Content-Disposition"] == (
        f'attachment; filename="pasokh-{document}.pdf"')


async def test_files_only_for_those_who_may_see_the_conversation(pasokh, settings_with_fake):
    await make_user("a@example.com", "agent", "A")
    await make_user("b@example.com", "agent", "B")
    await post_update(pasokh, text_update(6203, "عکس"))
    conversation = await _conversation_of(6203)
    picture = await _message_with(conversation, {"stored": _keep(settings_with_fake, JPEG),
                                                 "mime": "image/jpeg"}, "photo")
    assert (await pasokh.get(f"/media/{picture}", allow_redirects=False)).status == 303
    await Conversation.filter(id=conversation.id).update(team_id=(await Team.get(name="B")).id)
    await log_in(pasokh, "a@example.com")
    for path in (f"/media/{picture}", "/media/999999", "/media/abc"):
        assert (await pasokh.get(path)).status == 404, path
    failed = await _message_with(conversation, {"fetch_error": "too large"}, "photo")
    await Conversation.filter(id=conversation.id).update(team_id=None)
    assert (await pasokh.get(f"/media/{failed}")).status == 404
    page = await (await pasokh.get(f"/conversations/{conversation.id}")).text()
    assert "<img" not in page
