"""Looking an order up in the shop's system: its HTTP API or a CSV file the owner keeps.

Runs in core, never in the flows: the engine asks here for a `LookupOrder` action and hands
the outcome to the flow as the system event "order_status". Whatever goes wrong (timeout,
refused connection, 5xx, a body that is not JSON, a missing file) becomes the outcome
"failed", which the customer hears as a clear message with the offer of a person; the reason
goes to the log, the configured headers (which hold the shop's secrets) never do.
"""

from __future__ import annotations

import asyncio
import csv
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
import orjson

from core.formats import DEFAULT_TZ, parse_jalali_date
from core.owner_config import OrderFields, OrderLookup

log = logging.getLogger(__name__)

FOUND, UNKNOWN, FAILED = "found", "unknown", "failed"
MAX_BODY = 1 << 20


@dataclass(frozen=True, slots=True)
class _CsvSnapshot:
    path: str
    modified: float
    rows: dict[str, dict[str, str]]


class OrderLookups:
    """One per process: the HTTP session to use and the CSV file last read (one, replaced when
    the file changes)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self._csv: _CsvSnapshot | None = None

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
        url = (config.url or "").replace("{order_id}", quote(order_id, safe=""))
        timeout = aiohttp.ClientTimeout(total=config.timeout_seconds)
        async with self._session.get(url, headers=config.headers, timeout=timeout,
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

    async def _from_csv(self, path: str, fields: OrderFields, order_id: str
                        ) -> dict[str, Any] | None:
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
