"""Meta's handshake and signature, checked against the fake's signer (an independent HMAC)."""

from __future__ import annotations

import pytest

from adapters.base import WebhookRejected
from adapters.meta import SIGNATURE_HEADER, answer_challenge, check_signature
from tests.fakes.meta import FakeMeta

SECRET = "test-app-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def test_the_challenge_is_echoed_for_our_verify_token():
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert answer_challenge(query, "tok") == "1158201444"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "other", "hub.challenge": "1"}, 403),
        ({"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "1"}, 403),
        ({"hub.challenge": "1"}, 403),
        ({"hub.mode": "subscribe", "hub.verify_token": "tok"}, 400),
    ],
)
def test_anyone_else_is_refused(query, status):
    with pytest.raises(WebhookRejected) as refused:
        answer_challenge(query, "tok")
    assert refused.value.status == status


def test_an_empty_verify_token_verifies_nobody():
    with pytest.raises(WebhookRejected):
        answer_challenge({"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
                         "")


def test_a_body_signed_with_the_app_secret_passes():
    signature = FakeMeta(app_secret=SECRET).sign(BODY)
    assert check_signature({SIGNATURE_HEADER: signature}, BODY, ["other", SECRET]) == SECRET


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, BODY, 401),
        ({SIGNATURE_HEADER: "sha1=abc"}, BODY, 403),
        ({SIGNATURE_HEADER: "sha256=" + "0" * 64}, BODY, 403),
        ({SIGNATURE_HEADER: FakeMeta(app_secret=SECRET).sign(BODY)}, BODY + b" ", 403),
        ({SIGNATURE_HEADER: FakeMeta(app_secret="someone-else").sign(BODY)}, BODY, 403),
    ],
    ids=["missing", "not-sha256", "wrong", "body-changed", "other-app"],
)
def test_unsigned_or_wrongly_signed_bodies_are_refused(headers, body, status):
    with pytest.raises(WebhookRejected) as refused:
        check_signature(headers, body, [SECRET])
    assert refused.value.status == status
