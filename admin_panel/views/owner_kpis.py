"""The KPI dashboard: figures for a Jalali range of days, their definitions, charts, CSV."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jdatetime
from aiohttp import web
from multidict import MultiMapping

from admin_panel import charts
from admin_panel.views.owner_common import number_field, render_owner
from core import kpis, owner_desk
from core.clock import utcnow
from core.formats import DEFAULT_TZ, format_number
from core.i18n import current_language, gettext
from core.targets import TargetKind, targets_csv, targets_report
from core.targets.report import KIND_NAMES
from core.text import to_persian_digits

DEFAULT_DAYS = 7
MAX_DAYS = 366  # a year at a time keeps the queries quick


def _today() -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=dt.datetime.now(ZoneInfo(DEFAULT_TZ)).date())


def _jalali_text(day: jdatetime.date) -> str:
    text = f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
    return text if current_language.get() == "en" else to_persian_digits(text)


def kpi_query(query: MultiMapping[str]) -> tuple[kpis.KpiQuery, str]:
    """The range and filters asked for, or the last seven days with the reason when the
    dates given cannot be used."""
    filters = {"channel_id": number_field(query, "channel"), "team_id": number_field(query, "team"),
               "agent_id": number_field(query, "agent")}
    last = _today()
    default = kpis.KpiQuery(first_day=last - dt.timedelta(days=DEFAULT_DAYS - 1), last_day=last,
                            **filters)
    first_text, last_text = query.get("from", "").strip(), query.get("to", "").strip()
    if not first_text and not last_text:
        return default, ""
    try:
        wanted = kpis.KpiQuery.from_text(first_text[:20], last_text[:20], **filters)
    except ValueError:
        return default, gettext("Those dates are not a Jalali range such as ۱۴۰۵/۰۱/۰۱ to "
                                "۱۴۰۵/۰۱/۳۱; the last seven days are shown.")
    if len(wanted.days()) > MAX_DAYS:
        return default, gettext("A range can be a year at most; the last seven days are shown.")
    return wanted, ""


def duration(seconds: float | None) -> str:
    """Seconds as the reader says them: "۴۵ ثانیه", "۱۲ دقیقه", "۳٫۵ ساعت"."""
    if seconds is None:
        return "—"
    lang = current_language.get()
    if seconds < 90:
        return gettext("%(count)s s") % {"count": format_number(round(seconds), lang)}
    if seconds < 90 * 60:
        return gettext("%(count)s min") % {"count": format_number(round(seconds / 60), lang)}
    if seconds < 48 * 3600:
        return gettext("%(count)s h") % {"count": format_number(round(seconds / 3600, 1), lang)}
    return gettext("%(count)s d") % {"count": format_number(round(seconds / 86400, 1), lang)}


def percent(share: kpis.Share) -> str:
    if share.ratio is None:
        return "—"
    return gettext("%(value)s%%") % {
        "value": format_number(round(share.ratio * 100, 1), current_language.get())}


def _filter_params(query: kpis.KpiQuery) -> dict[str, str]:
    params = {"from": f"{query.first_day.year}/{query.first_day.month}/{query.first_day.day}",
              "to": f"{query.last_day.year}/{query.last_day.month}/{query.last_day.day}"}
    for name, value in (("channel", query.channel_id), ("team", query.team_id),
                        ("agent", query.agent_id)):
        if value is not None:
            params[name] = str(value)
    return params


async def dashboard(request: web.Request) -> web.Response:
    query, problem = kpi_query(request.query)
    report = await kpis.compute_kpis(query)
    people = await owner_desk.people()
    csv_url = request.app.router["panel.owner.kpis_csv"].url_for().with_query(
        _filter_params(query))
    return render_owner(request, "owner/kpis.html", {
        "section": "kpis",
        "query": query,
        "problem": problem,
        "report": report,
        "first_text": _jalali_text(query.first_day),
        "last_text": _jalali_text(query.last_day),
        "definitions": {figure.key: figure for figure in kpis.FIGURES},
        "channels": await owner_desk.channels(),
        "teams": await owner_desk.teams(),
        "agents": [p for p in people if p.active],
        "duration": duration,
        "percent": percent,
        "daily_chart": charts.daily_volume_chart(report.per_day),
        "hourly_chart": charts.hourly_volume_chart(report.per_hour),
        "csat_chart": charts.csat_chart(report.csat),
        "csv_url": csv_url,
        "targets": await targets_report(query, utcnow()),
        "targets_csv_url": request.app.router["panel.owner.targets_csv"].url_for().with_query(
            _filter_params(query)),
        "target_kinds": list(TargetKind),
        "target_names": KIND_NAMES,
    })


async def export_csv(request: web.Request) -> web.Response:
    query, _ = kpi_query(request.query)
    report = await kpis.compute_kpis(query)
    name = f"pasokh-kpis-{_filter_params(query)['from']}-{_filter_params(query)['to']}"
    return web.Response(
        body=kpis.kpi_csv(report), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition":
                 f'attachment; filename="{name.replace("/", "-")}.csv"'})


async def export_targets_csv(request: web.Request) -> web.Response:
    """The share of response-time targets met (core/targets/report.py) as CSV."""
    query, _ = kpi_query(request.query)
    rows = await targets_report(query, utcnow())
    name = f"pasokh-targets-{_filter_params(query)['from']}-{_filter_params(query)['to']}"
    return web.Response(
        body=targets_csv(rows), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition":
                 f'attachment; filename="{name.replace("/", "-")}.csv"'})
