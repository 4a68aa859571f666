"""Issue 16 over HTTP: a shop posts an event to /api/v1/events, the owner's follow-up reaches
the customer on Telegram (the fake Bot API); opt-outs are read and changed through the API;
bad events are clear 4xx and schedule nothing."""

from __future__ import annotations

import msgspec

from core.clock import utcnow
from core.models import Channel, Customer, Followup, OptOut, OwnerConfig
from core.owner_config import parse
from tests.api.helpers import owner_token, telegram_conversation
from tests.integration.helpers import eventually, post_update, text_update

PROBLEM = "application/problem+json"
RULES = parse("""
followups:
  - id: shipped
    event: order.shipped
    text: "{name} عزیز، سفارش {order_id} ارسال شد."
followup_limits:
  quiet_hours: ""
""")


async def store_rules() -> None:
    await OwnerConfig.update_or_create(id=1, defaults={
        "document": msgspec.to_builtins(RULES), "updated_at": utcnow()})


async def test_a_shop_event_reaches_the_customer_on_telegram(pasokh, fake_telegram):
    headers = await owner_token()
    await store_rules()
    await telegram_conversation(pasokh, 7101, first_name="سارا")
    event = {"type": "order.shipped", "customer": {"channel": "telegram", "user_id": "7101"},
             "data": {"order_id": "A-1001"}}
    response = await pasokh.post("/api/v1/events", json=event, headers=headers)
    assert response.status == 202, await response.text()
    accepted = await response.json()
    assert [item["rule"] for item in accepted["scheduled"]] == ["shipped"]
    assert accepted["skipped"] == []
    await fake_telegram.wait_for(lambda fake: any(
        m["text"] == "سارا عزیز، سفارش A-1001 ارسال شد." for m in fake.sent_messages(7101)))
    again = await pasokh.post("/api/v1/events", json=event, headers=headers)
    assert (await again.json())["scheduled"] == accepted["scheduled"]
    assert await Followup.all().count() == 1


async def test_a_missing_value_is_reported_and_nothing_is_scheduled(pasokh):
    headers = await owner_token()
    await store_rules()
    response = await pasokh.post("/api/v1/events", headers=headers, json={
        "type": "order.shipped", "customer": {"phone": "۰۹۱۲۱۲۳۴۵۶۷"}, "data": {}})
    assert response.status == 202
    accepted = await response.json()
    assert accepted["scheduled"] == []
    # A customer known only by the number has no name either: neither is made up.
    assert accepted["skipped"] == [{"rule": "shipped", "reason": "missing_value",
                                    "missing": ["name", "order_id"]}]
    # Known only by the phone number now: an SMS channel can reach them once it is set up.
    assert await Customer.filter(phone="989121234567").count() == 1
    # An event no rule follows up adds nobody.
    response = await pasokh.post("/api/v1/events", headers=headers, json={
        "type": "order.paid", "customer": {"phone": "09350000000"}})
    assert response.status == 202
    assert await response.json() == {"customer_id": None, "scheduled": [], "skipped": []}
    assert not await Customer.exists(phone="989350000000")


async def test_bad_events_are_refused(pasokh):
    headers = await owner_token()
    await store_rules()
    for body, status in (
        (b"not json", 400),
        (b'{"type": "order.shipped"}', 422),
        (b'{"type": "Order Shipped", "customer": {"phone": "09121234567"}}', 422),
        (b'{"type": "order.shipped", "customer": {}}', 422),
        (b'{"type": "order.shipped", "customer": {"phone": "0912", "channel": "bale",'
         b' "user_id": "1"}}', 422),
        (b'{"type": "order.shipped", "customer": {"channel": "bale"}}', 422),
        (b'{"type": "order.shipped", "customer": {"phone": "----"}}', 422),
        (b'{"type": "order.shipped", "customer": {"channel": "bale", "user_id": "404"}}', 404),
        (b'{"type": "order.shipped", "customer": {"phone": "09121234567"},'
         b' "data": {"a.b": "x"}}', 422),
    ):
        response = await pasokh.post("/api/v1/events", data=body, headers={
            **headers, "Content-Type": "application/json"})
        assert response.status == status, (body, await response.text())
        assert response.content_type == PROBLEM
    assert not await Followup.exists()
    assert (await pasokh.post("/api/v1/events", json={})).status == 401


async def test_opt_outs_through_the_api_and_by_writing_stop(pasokh, fake_telegram):
    headers = await owner_token()
    await telegram_conversation(pasokh, 7102)
    customer_id = (await Customer.get(display_name="مریم")).id
    channel_id = (await Channel.get(platform="telegram")).id
    path = f"/api/v1/customers/{customer_id}/opt-outs"
    assert (await (await pasokh.get(path, headers=headers)).json()) == {"items": []}
    await post_update(pasokh, text_update(7102, "لغو"))
    await eventually(lambda: OptOut.exists(customer_id=customer_id), what="the opt-out")
    [record] = (await (await pasokh.get(path, headers=headers)).json())["items"]
    assert (record["channel_id"], record["opted_out"], record["source"]) == (
        channel_id, True, "keyword")
    response = await pasokh.put(f"{path}/{channel_id}", json={"opted_out": False},
                                headers=headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["items"] == []  # back in: the record goes
    assert not await OptOut.exists(customer_id=customer_id)
    response = await pasokh.put(f"{path}/{channel_id}", json={"opted_out": True},
                                headers=headers)
    [record] = (await response.json())["items"]
    assert (record["opted_out"], record["source"]) == (True, "api")
    assert (await pasokh.put(f"{path}/999999", json={"opted_out": True},
                             headers=headers)).status == 404
    assert (await pasokh.get("/api/v1/customers/999999/opt-outs",
                             headers=headers)).status == 404
