"""Looking an order up in the shop's system: its HTTP API or a CSV file the owner keeps.

Runs in core, never in the flows: the engine asks here for a `LookupOrder` action and hands
the outcome to the flow as the system event "order_status". Whatever goes wrong (timeout,
refused connection, 5xx, a body that is not JSON, a missing file) becomes the outcome
"failed", which the customer hears as a clear message with the offer of a person; the reason
goes to the log, the configured headers (which hold the shop's secrets) never do.

The owner's settings are not a way into the server (`OrderSources`): the URL is called only
when core/address_policy.py allows it (no loopback, private or link-local address unless
PASOKH_ALLOW_PRIVATE_URLS says so), checked when the settings are saved and again on every
connection, by a resolver that checks the addresses it connects to (DNS rebinding); a CSV
file is read only from the orders folder of the data directory (`<data dir>/orders/`, where
the owner's upload puts it), by file name, so no other path on the server is read or probed.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import aiohttp
import orjson

from core.address_policy import AddressPolicy, AddressRefused, HostUnresolved
from core.formats import DEFAULT_TZ, parse_jalali_date
from core.i18n import gettext
from core.owner_config import Finding, OrderFields, OrderLookup, csv_name_allowed
from core.settings import Settings

log = logging.getLogger(__name__)

FOUND, UNKNOWN, FAILED = "found", "unknown", "failed"
MAX_BODY = 1 << 20
ORDERS_FOLDER = "orders"  # under the data directory: the only place CSV files are read from
SAMPLE_ORDER = "12345"  # what {order_id} becomes when a URL is checked before any lookup


class SourceRefused(ValueError):
    """An order source the owner's settings name but Pasokh will not read; the message says
    why without saying anything about the server's other files."""


@dataclass(frozen=True, slots=True)
class OrderSources:
    """Where order lookups may read: URLs under the address policy, CSV files by name from
    one folder."""

    policy: AddressPolicy
    folder: Path

    @classmethod
    def of(cls, settings: Settings) -> OrderSources:
        return cls(AddressPolicy.of(settings), Path(settings.data_dir) / ORDERS_FOLDER)

    def url_for(self, template: str, order_id: str) -> str:
        """The URL to call for `order_id`, its form and any IP literal host checked (a name
        is checked by the resolver on connection); AddressRefused otherwise."""
        return str(self.policy.check_url(template.replace("{order_id}",
                                                          quote(order_id, safe=""))))

    def csv_file(self, name: str) -> Path:
        """The file `name` in the orders folder (links followed, still inside it);
        SourceRefused for anything else, whether it exists or not."""
        if not csv_name_allowed(name):
            raise SourceRefused("not a file name in the orders folder")
        folder = self.folder.resolve()
        path = (folder / name).resolve()
        if path.parent != folder:
            raise SourceRefused("not a file name in the orders folder")
        return path

    async def keep(self, file_name: str, data: bytes) -> str:
        """Keeps an uploaded CSV file (UTF-8, else UnicodeDecodeError) in the orders folder,
        readable by Pasokh's user alone; the name it is kept under, to put in the settings."""
        data.decode("utf-8")
        # As a browser or client sent it: percent-escapes undone, any folder dropped.
        name = PurePath(unquote(file_name).replace("\\", "/")).name
        if not csv_name_allowed(name) or not name.lower().endswith(".csv"):
            name = "orders.csv"
        await asyncio.to_thread(self._write, name, data)
        return name

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def problems(self, lookup: OrderLookup | None) -> list[Finding]:
        """What the owner is told before such settings are saved: the URL's host is not
        allowed (an address, or a name resolving to one), or the CSV file is not in the
        orders folder."""
        at = "$.order_lookup"
        if lookup is None:
            return []
        if lookup.url is not None:
            try:
                url = self.policy.check_url(lookup.url.replace("{order_id}", SAMPLE_ORDER))
                await self.policy.check_resolved(url.raw_host or "", url.port or 0)
            except AddressRefused as refused:
                return [(f"{at}.url", f"Pasokh calls only public internet addresses ({refused})",
                         gettext("Pasokh calls only public internet addresses; this address "
                                 "is on the server's own network or is not allowed."))]
        elif lookup.csv is not None:
            try:
                found = (await asyncio.to_thread(self.csv_file(lookup.csv).is_file))
            except SourceRefused:
                found = False
            if not found:
                return [(f"{at}.csv", f"no file named {lookup.csv!r} in the orders folder "
                         f"({self.folder}); put it there or upload it on the order lookup page",
                         gettext("There is no file with this name among the uploaded order "
                                 "files; upload the CSV file on this page."))]
        return []


@dataclass(frozen=True, slots=True)
class _CsvSnapshot:
    path: str
    modified: float
    rows: dict[str, dict[str, str]]


class OrderLookups:
    """One per process: the HTTP session to use and the CSV file last read (one, replaced when
    the file changes)."""

    def __init__(self, sources: OrderSources) -> None:
        self._sources = sources
        self._session: aiohttp.ClientSession | None = None
        self._csv: _CsvSnapshot | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Its own session: the resolver refuses names that lead to private addresses,
            # and the connection goes to the address it checked.
            connector = aiohttp.TCPConnector(resolver=self._sources.policy.resolver(),
                                             limit=32)
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def look_up(self, config: OrderLookup | None, order_id: str) -> dict[str, Any]:
        """{"order_id", "outcome", "status", "updated_at" (ISO 8601 or None), "tracking_code"}."""
        outcome: dict[str, Any] = {"order_id": order_id, "outcome": FAILED}
        if config is None:
            return outcome
        fields = config.fields or OrderFields()
        try:
            if config.url is not None:
                record = await self._from_http(config, order_id)
            else:
                record = await self._from_csv(config.csv or "", fields, order_id)
        except HostUnresolved:
            log.warning("order lookup failed: the shop's host does not resolve")
            return outcome
        except AddressRefused:
            log.warning("order lookup refused: the shop's address is not a public one")
            return outcome
        except SourceRefused:
            log.warning("order lookup refused: the CSV file is not in the orders folder")
            return outcome
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError, csv.Error) as error:
            log.warning("order lookup failed: %s", type(error).__name__)
            return outcome
        if record is None:
            return {**outcome, "outcome": UNKNOWN}
        updated = _moment(_field(record, fields.updated_at))
        tracking = _field(record, fields.tracking_code)
        return {
            **outcome,
            "outcome": FOUND,
            "status": _text(_field(record, fields.status)),
            "updated_at": updated.isoformat() if updated else None,
            "tracking_code": _text(tracking) or None,
        }

    async def _from_http(self, config: OrderLookup, order_id: str) -> dict[str, Any] | None:
        url = self._sources.url_for(config.url or "", order_id)
        timeout = aiohttp.ClientTimeout(total=config.timeout_seconds)
        async with self._http().get(url, headers=config.headers, timeout=timeout,
                                    allow_redirects=False) as response:
            if response.status == 404:
                return None
            if response.status != 200:
                raise aiohttp.ClientResponseError(response.request_info, (),
                                                  status=response.status)
            body = await response.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            raise ValueError("the shop's answer is too large")
        record = orjson.loads(body)
        if not isinstance(record, dict):
            raise ValueError("the shop's answer is not a JSON object")
        return record

    async def _from_csv(self, name: str, fields: OrderFields, order_id: str
                        ) -> dict[str, Any] | None:
        path = str(self._sources.csv_file(name))
        modified = (await asyncio.to_thread(Path(path).stat)).st_mtime
        snapshot = self._csv
        if snapshot is None or snapshot.path != path or snapshot.modified != modified:
            rows = await asyncio.to_thread(_read_csv, path, fields.order_id)
            snapshot = self._csv = _CsvSnapshot(path, modified, rows)
        return snapshot.rows.get(_key(order_id))


def _read_csv(path: str, id_column: str) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        if id_column not in (reader.fieldnames or ()):
            raise ValueError(f"the CSV has no column {id_column!r}")
        return {_key(row[id_column]): row for row in reader if row.get(id_column)}


def _key(order_id: str) -> str:
    return order_id.strip().lstrip("#").upper()


def _field(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()[:200]


def _moment(value: Any) -> datetime | None:
    """ISO 8601, a Unix time, or a Jalali date ("1405/01/03"); naive means Tehran time."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    text = _text(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.combine(parse_jalali_date(text), time(12))
        except ValueError:
            return None
    if moment.year < 1700:  # a Jalali date written ISO-style (1405-01-03)
        try:
            moment = datetime.combine(parse_jalali_date(text[:10]), moment.time())
        except ValueError:
            return None
    return moment if moment.utcoffset() is not None else moment.replace(
        tzinfo=ZoneInfo(DEFAULT_TZ))
