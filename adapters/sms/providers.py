"""The SMS providers Pasokh speaks, by SMS_PROVIDER's value: adding one is its module and
one line here."""

from __future__ import annotations

from adapters.sms.ghasedak import GHASEDAK
from adapters.sms.kavenegar import KAVENEGAR
from adapters.sms.provider import Provider

PROVIDERS: dict[str, Provider] = {provider.name: provider for provider in (KAVENEGAR, GHASEDAK)}
