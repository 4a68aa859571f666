"""Where an owner-given URL may point: the public internet, not the server's own network.

An owner types a URL (an outgoing webhook's endpoint) and Pasokh then calls it from the
server, with a signature or a key. Without a rule that is a way into the server's own network:
loopback, private ranges, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
multicast, reserved. So only addresses that are globally routable are called, unless the
installation says otherwise (PASOKH_ALLOW_PRIVATE_URLS=true, for a receiver on the same
machine or LAN).

The rule is applied twice: when the URL is given (a clear error for the owner), and on every
connection, by the resolver the HTTP session uses: a name that resolved to a public address
when it was registered and to 127.0.0.1 later (DNS rebinding) is refused then.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from yarl import URL

from core.settings import Settings, env_bool

ALLOW_PRIVATE_SETTING = "PASOKH_ALLOW_PRIVATE_URLS"
MAX_URL_CHARS = 2048


class AddressRefused(ValueError):
    """A URL Pasokh will not call; the message says why, without secrets."""


class HostUnresolved(AddressRefused):
    """The name does not resolve (now): not refused at registration, retried when sending."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    allow_private: bool = False
    # Where names are looked up: aiohttp's resolver (tests pass one that answers as a DNS
    # server rebinding a name would).
    lookup: Callable[[], AbstractResolver] = field(default=DefaultResolver, compare=False)

    @classmethod
    def of(cls, settings: Settings) -> AddressPolicy:
        return cls(allow_private=env_bool(settings, ALLOW_PRIVATE_SETTING, False))

    def check_url(self, raw_url: str) -> URL:
        """The parsed URL if its form may be called; AddressRefused otherwise. A host given
        as an IP literal is checked here; a name is checked where it resolves."""
        if len(raw_url) > MAX_URL_CHARS:
            raise AddressRefused(f"the URL is longer than {MAX_URL_CHARS} characters")
        try:
            url = URL(raw_url.strip())
        except (TypeError, ValueError):
            raise AddressRefused("not a URL") from None
        host = (url.host or "").lower()
        if not url.absolute or url.scheme not in ("http", "https") or not host:
            raise AddressRefused("not an http(s) URL")
        if url.user is not None or url.password is not None:
            raise AddressRefused("a URL must not carry a user name or password")
        if url.fragment:
            raise AddressRefused("a URL must not have a fragment (#…)")
        literal = _literal(host)
        if literal is not None:
            self.check_address(literal)
        elif not self.allow_private and (host == "localhost" or host.endswith(".localhost")
                                         or "." not in host):
            raise AddressRefused(f"host {host} is not a public name")
        return url

    def check_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        if self.allow_private:
            return
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            address = mapped
        if not address.is_global or address.is_multicast:
            raise AddressRefused(f"address {address} is not a public internet address")

    async def check_resolved(self, host: str, port: int) -> None:
        """Resolves `host` and refuses it when any of its addresses is not public (what a
        registration checks; the connection itself is guarded by `resolver`). A name that
        does not resolve yet passes: each connection checks again."""
        if self.allow_private or _literal(host) is not None:
            return
        resolver = self.resolver()
        try:
            await resolver.resolve(host, port)
        except HostUnresolved:
            return
        finally:
            await resolver.close()

    def resolver(self) -> AbstractResolver:
        return _GuardedResolver(self)


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class _GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing a name with any address outside the policy: one
    private address among public ones is enough to refuse, since the connection may pick
    any of them."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = policy.lookup()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
        try:
            found = await self._inner.resolve(host, port, family)
        except OSError as error:
            raise HostUnresolved(f"host {host} does not resolve") from error
        for entry in found:
            self._policy.check_address(ipaddress.ip_address(entry["host"]))
        return found

    async def close(self) -> None:
        await self._inner.close()
