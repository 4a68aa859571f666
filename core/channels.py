"""Channels: which bots, numbers and accounts Pasokh answers for.

Declared in `.env` for a quick start and synced into the table at start, or added by an
owner in the panel. The directory keeps them in memory for the webhook path, which must
not query the database before it has verified a request.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.events import ChannelCredentials, Platform
from core.models import Channel


async def sync_channel(
    platform: Platform, *, key: str, token: str, webhook_secret: str, name: str = "",
    options: Sequence[tuple[str, str]] | None = None,
) -> int:
    """Create or update the channel with this key; returns its id. `options` replace the
    stored ones when given."""
    stored_options = [list(pair) for pair in options or ()]
    channel, created = await Channel.get_or_create(
        platform=platform.value,
        key=key,
        defaults={"token": token, "webhook_secret": webhook_secret, "name": name,
                  "options": stored_options},
    )
    if not created and (channel.token, channel.webhook_secret) != (token, webhook_secret):
        channel.token = token
        channel.webhook_secret = webhook_secret
        await channel.save(update_fields=["token", "webhook_secret"])
    if not created and options is not None and channel.options != stored_options:
        channel.options = stored_options
        await channel.save(update_fields=["options"])
    return channel.id


def options_of(stored: object) -> tuple[tuple[str, str], ...]:
    """A channel's stored options as pairs (anything else in the column is ignored)."""
    if not isinstance(stored, list):
        return ()
    return tuple((str(pair[0]), str(pair[1])) for pair in stored
                 if isinstance(pair, list | tuple) and len(pair) == 2)


async def save_poll_offset(channel_id: int, offset: int) -> None:
    await Channel.filter(id=channel_id).update(poll_offset=offset)


async def poll_offset(channel_id: int) -> int:
    channel = await Channel.get(id=channel_id)
    return channel.poll_offset


class ChannelDirectory:
    def __init__(self) -> None:
        self._by_platform: dict[Platform, tuple[ChannelCredentials, ...]] = {}

    async def load(self) -> None:
        channels = await Channel.filter(enabled=True).order_by("id")
        grouped: dict[Platform, list[ChannelCredentials]] = {}
        for channel in channels:
            grouped.setdefault(Platform(channel.platform), []).append(
                ChannelCredentials(channel.id, channel.token, channel.webhook_secret, channel.key,
                                   options_of(channel.options))
            )
        self._by_platform = {platform: tuple(items) for platform, items in grouped.items()}

    def of(self, platform: Platform) -> tuple[ChannelCredentials, ...]:
        return self._by_platform.get(platform, ())

    def all_by_id(self) -> dict[int, ChannelCredentials]:
        return {c.channel_id: c for items in self._by_platform.values() for c in items}

    def all(self) -> list[tuple[Platform, ChannelCredentials]]:
        return [(p, c) for p, items in self._by_platform.items() for c in items]
