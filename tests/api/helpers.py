"""Driving the API as a script would: a token from core/api_tokens, JSON over HTTP."""

from __future__ import annotations

from core.api_tokens import create_token
from core.models import Conversation
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import make_user


async def owner_token(email: str = "owner@example.com") -> dict[str, str]:
    await make_user(email, "owner")
    issued = await create_token("script", email)
    return {"Authorization": f"Bearer {issued.token}"}


async def telegram_conversation(client, chat_id: int, text: str = "سلام",
                                first_name: str = "مریم") -> int:
    await post_update(client, text_update(chat_id, text, first_name=first_name))
    await eventually(lambda: Conversation.exists(chat_id=str(chat_id)), what="conversation")
    return (await Conversation.get(chat_id=str(chat_id))).id
