"""The event bus, in-process and over a real Redis."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

from core.bus import BusUnavailable, InProcessBus, RedisBus
from tests.conftest import redis_or_skip


def _own_topic() -> str:
    """A topic no other test publishes on. Redis pub/sub ignores the database number of
    PASOKH_TEST_REDIS_URL: every run and worker on that Redis hears every channel, and a
    shared topic would let one test take another's notice."""
    return f"test.{uuid.uuid4().hex}"


async def _first(bus, *topics):
    async for notice in bus.subscribe(*topics):
        return notice


async def test_in_process_subscribers_get_what_they_asked_for():
    bus = InProcessBus()
    waiting = asyncio.create_task(_first(bus, "message.new"))
    await asyncio.sleep(0)
    await bus.publish("conversation.updated", {"conversation_id": 1})
    await bus.publish("message.new", {"message_id": 7})
    notice = await asyncio.wait_for(waiting, 2)
    assert (notice.topic, notice.data) == ("message.new", {"message_id": 7})


async def test_a_notice_published_before_the_first_read_is_kept():
    """A live page asks for a fresh copy as soon as its stream opens: whatever changes after
    the stream subscribed must reach it, even before the stream's first read."""
    bus = InProcessBus()
    stream = bus.subscribe("message.delivery")
    await bus.publish("message.delivery", {"message_id": 3, "state": "sent"})
    assert (await asyncio.wait_for(anext(stream), 2)).data == {"message_id": 3, "state": "sent"}
    await stream.aclose()
    await bus.publish("message.delivery", {"message_id": 4, "state": "sent"})
    assert stream.queue.empty()  # closed: no longer offered anything


async def test_a_slow_subscriber_keeps_only_the_newest_notices():
    bus = InProcessBus(capacity=3)
    stream = bus.subscribe()
    first = asyncio.create_task(anext(stream))
    await asyncio.sleep(0)
    await bus.publish("message.new", {"n": 0})
    assert (await first).data == {"n": 0}
    for n in range(1, 10):  # nobody reads meanwhile
        await bus.publish("message.new", {"n": n})
    rest = [(await anext(stream)).data["n"] for _ in range(3)]
    assert rest == [7, 8, 9]
    await stream.aclose()


async def test_redis_bus_reaches_another_process_subscriber():
    """Two buses on one Redis stand for two Pasokh processes."""
    url = await redis_or_skip()
    publisher, listener = RedisBus(url), RedisBus(url)
    await publisher.start()
    await listener.start()
    topic = _own_topic()
    try:
        waiting = asyncio.create_task(_first(listener, topic))
        await asyncio.sleep(0.05)
        await publisher.publish(topic, {"message_id": 42, "text": "سلام"})
        notice = await asyncio.wait_for(waiting, 5)
        assert notice.data == {"message_id": 42, "text": "سلام"}
    finally:
        await publisher.close()
        await listener.close()


async def test_redis_bus_publishes_a_batch_in_order():
    url = await redis_or_skip()
    publisher, listener = RedisBus(url), RedisBus(url)
    await publisher.start()
    await listener.start()
    topic = _own_topic()
    try:
        stream = listener.subscribe(topic)
        first = asyncio.create_task(anext(stream))
        await asyncio.sleep(0.05)
        await publisher.publish_many(topic, [{"n": n} for n in range(3)])
        received = [(await asyncio.wait_for(first, 5)).data]
        received += [(await asyncio.wait_for(anext(stream), 5)).data for _ in range(2)]
        assert received == [{"n": 0}, {"n": 1}, {"n": 2}]
        await stream.aclose()
    finally:
        await publisher.close()
        await listener.close()


async def test_a_redis_outage_does_not_fail_the_publisher():
    """Writers publish after their commit: a refused publish must not raise into them."""
    bus = RedisBus(f"redis://127.0.0.1:{_closed_port()}")  # nothing listens there
    waiting = asyncio.create_task(_first(bus, "message.new"))
    await asyncio.sleep(0)
    await bus.publish_many("message.new", [{"message_id": 9}])
    notice = await asyncio.wait_for(waiting, 5)
    assert notice.data == {"message_id": 9}  # this process's subscribers still hear it
    await bus.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_listener_cut_off_by_redis_subscribes_again():
    """Regression: after a lost connection the listener ended, and the process's panels
    heard nothing more until a restart."""
    url = await redis_or_skip()
    publisher, listener = RedisBus(url), RedisBus(url)
    await publisher.start()
    await listener.start()
    try:
        await _kill_connections_named(url, listener.client_name)
        topic = _own_topic()
        stream = listener.subscribe(topic)
        received = asyncio.create_task(anext(stream))

        async def publish_until_heard():
            while not received.done():
                await publisher.publish(topic, {"message_id": 5})
                await asyncio.sleep(0.1)

        await asyncio.wait_for(publish_until_heard(), 10)
        assert received.result().data == {"message_id": 5}
        await stream.aclose()
    finally:
        await publisher.close()
        await listener.close()


async def _kill_connections_named(url: str, name: str) -> None:
    from redis import asyncio as redis_asyncio

    admin = redis_asyncio.from_url(url)
    try:
        clients = [c for c in await admin.client_list() if c.get("name") == name]
        assert any("psubscribe" in c.get("cmd", "") or int(c.get("psub", 0)) for c in clients)
        for client in clients:
            await admin.client_kill_filter(_id=client["id"])
    finally:
        await admin.aclose()


async def test_a_redis_that_does_not_answer_at_start_is_a_clear_error():
    bus = RedisBus(f"redis://:secret@127.0.0.1:{_closed_port()}", start_timeout=1)
    with pytest.raises(BusUnavailable, match="did not answer within 1 s; check REDIS_URL") as error:
        await bus.start()
    assert "secret" not in str(error.value)
