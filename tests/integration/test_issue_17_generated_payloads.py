"""Issue 17, part 2: every corpus payload, spoiled by Hypothesis, through the real webhook
endpoints with valid signatures. Never a 5xx, and the good event sent beside the spoiled one
(in the same Meta batch; next on Telegram, whose webhook carries one update) is stored.

`make test` runs a few hundred cases, the same ones every run (derandomized, so a failure
is reproducible); `make soak` sets PASOKH_FUZZ_EXAMPLES=10000 and draws new ones.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Direction, Message
from tests.conftest import corpus_files
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET
from tests.integration.helpers import post_update, text_update
from tests.integration.meta_helpers import (
    INSTAGRAM_ACCOUNT_ID,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    ig_text,
    wa_text,
)
from tests.integration.mutations import mutated, spoiled_bytes

SOAK_EXAMPLES = int(os.environ.get("PASOKH_FUZZ_EXAMPLES", "0"))
cases = settings(
    max_examples=SOAK_EXAMPLES or 60,
    derandomize=not SOAK_EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
_good_ids = itertools.count(1)


def _corpus(platform: str) -> list[dict]:
    return [json.loads(path.read_text()) for path in corpus_files(platform)]


TELEGRAM, WHATSAPP, INSTAGRAM = _corpus("telegram"), _corpus("whatsapp"), _corpus("instagram")


@pytest.fixture
async def pasokh(aiohttp_client, settings_with_fake):
    """Pasokh with Telegram, WhatsApp and Instagram channels."""
    from bots.runtime import create_app

    return await aiohttp_client(create_app(settings_with_fake.with_environment(
        META_APP_SECRET=DEFAULT_APP_SECRET,
        META_VERIFY_TOKEN=VERIFY_TOKEN,
        META_GRAPH_BASE="http://127.0.0.1:9",
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
        INSTAGRAM_ACCOUNT_ID=INSTAGRAM_ACCOUNT_ID,
        INSTAGRAM_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
    )))


async def _post_meta(client, platform: str, body: bytes):
    signature = "sha256=" + hmac.new(DEFAULT_APP_SECRET.encode(), body,
                                     hashlib.sha256).hexdigest()
    return await client.post(f"/webhooks/{platform}", data=body,
                             headers={"X-Hub-Signature-256": signature,
                                      "Content-Type": "application/json"})


async def _stored(text: str) -> bool:
    return await Message.filter(direction=Direction.INBOUND.value, text=text).exists()


@cases
@given(data=st.data())
async def test_issue_17_spoiled_telegram_updates_never_fail_the_next_one(pasokh, data):
    update = data.draw(mutated(data.draw(st.sampled_from(TELEGRAM))), label="update")
    response = await post_update(pasokh, data.draw(spoiled_bytes(update), label="body"))
    assert response.status < 500, await response.text()

    good = f"good {next(_good_ids)}"
    response = await post_update(pasokh, text_update(6100, good))
    assert response.status == 200
    assert await _stored(good)


def _batch_beside(data, good_entry: dict, spoiled_entries: object, envelope: dict) -> bytes:
    """The corpus body with its entries spoiled and one good entry after them; a broken
    encoding lands in the spoiled entries only."""
    entries = spoiled_entries if isinstance(spoiled_entries, list) else [spoiled_entries]
    batch = {**envelope, "entry": [*entries, good_entry]}
    return data.draw(spoiled_bytes(batch, lambda path: path[:1] == ("entry",)
                                   and path[1:2] != (len(entries),)), label="body")


@cases
@given(data=st.data())
async def test_issue_17_spoiled_whatsapp_entry_beside_a_good_one(pasokh, data):
    payload = data.draw(st.sampled_from(WHATSAPP))
    good = f"good {next(_good_ids)}"
    good_entry = wa_text("989121230000", good)["entry"][0]
    spoiled = data.draw(mutated(payload["entry"]), label="entries")
    body = _batch_beside(data, good_entry, spoiled, payload)
    response = await _post_meta(pasokh, "whatsapp", body)
    assert response.status == 200, await response.text()
    assert await _stored(good)


@cases
@given(data=st.data())
async def test_issue_17_spoiled_instagram_entry_beside_a_good_one(pasokh, data):
    payload = data.draw(st.sampled_from(INSTAGRAM))
    good = f"good {next(_good_ids)}"
    good_entry = ig_text(f"20000000000{next(_good_ids)}", good)["entry"][0]
    spoiled = data.draw(mutated(payload["entry"]), label="entries")
    body = _batch_beside(data, good_entry, spoiled, payload)
    response = await _post_meta(pasokh, "instagram", body)
    assert response.status == 200, await response.text()
    assert await _stored(good)


@cases
@given(data=st.data())
async def test_issue_17_spoiled_meta_envelopes_answer_below_500(pasokh, data):
    platform = data.draw(st.sampled_from(("whatsapp", "instagram")))
    payload = data.draw(st.sampled_from(WHATSAPP if platform == "whatsapp" else INSTAGRAM))
    body = data.draw(spoiled_bytes(data.draw(mutated(payload), label="payload")), label="body")
    response = await _post_meta(pasokh, platform, body)
    assert response.status < 500, await response.text()
