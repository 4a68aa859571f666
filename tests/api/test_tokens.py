"""API tokens: made for owners only, stored hashed, refused once revoked."""

from __future__ import annotations

import hashlib

import pytest

from core.api_tokens import ApiTokenError, create_token, revoke_token, token_user
from core.models import ApiToken, User
from tests.panel.helpers import make_user


async def test_a_token_acts_for_its_owner_and_only_its_hash_is_stored(any_database):
    owner_id = await make_user("owner@example.com", "owner")
    issued = await create_token("  crm sync ", "Owner@Example.com")
    stored = await ApiToken.get(id=issued.id)
    assert stored.name == "crm sync"
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in repr(issued)
    assert stored.last_used_at is None
    assert await token_user(issued.token) == owner_id
    assert (await ApiToken.get(id=issued.id)).last_used_at is not None


async def test_unknown_revoked_and_demoted_tokens_are_refused(any_database):
    await make_user("owner@example.com", "owner")
    first = await create_token("one", "owner@example.com")
    second = await create_token("two", "owner@example.com")
    assert await token_user(first.token + "x") is None
    assert await token_user("not-even-a-pasokh-token") is None
    await revoke_token(first.id)
    assert await token_user(first.token) is None
    assert await token_user(second.token) is not None
    await User.filter(email="owner@example.com").update(role="agent")
    assert await token_user(second.token) is None


async def test_only_an_active_owner_can_have_a_token(database):
    await make_user("agent@example.com", "agent")
    with pytest.raises(ApiTokenError, match="no active owner"):
        await create_token("x", "agent@example.com")
    with pytest.raises(ApiTokenError, match="no active owner"):
        await create_token("x", "nobody@example.com")
    await make_user("owner@example.com", "owner")
    with pytest.raises(ApiTokenError, match="name"):
        await create_token("   ", "owner@example.com")
    with pytest.raises(ApiTokenError, match="no API token 999"):
        await revoke_token(999)


def test_the_cli_prints_a_token_once_and_revokes_it(cli_cwd):
    from tests.test_cli import pasokh

    added = pasokh("user", "add", "owner@shop.ir", "--role", "owner", cwd=cli_cwd,
                   PASOKH_PASSWORD="a-long-passphrase")
    assert added.returncode == 0, added.stderr
    created = pasokh("api-token", "create", "crm", "--owner", "owner@shop.ir", cwd=cli_cwd)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("pasokh_") and len(token) > 40
    assert "API token 1 (crm) for owner@shop.ir" in created.stderr
    refused = pasokh("api-token", "create", "crm", "--owner", "nobody@shop.ir", cwd=cli_cwd)
    assert refused.returncode == 1 and "no active owner" in refused.stderr
    assert pasokh("api-token", "revoke", "1", cwd=cli_cwd).returncode == 0
    assert pasokh("api-token", "revoke", "7", cwd=cli_cwd).returncode == 1
