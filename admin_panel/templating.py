"""Jinja2 for the panel: autoescape on, gettext in the request's language, Persian digits
and Jalali dates through filters (core/formats.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from admin_panel import labels
from admin_panel.typedefs import CSRF_KEY, LANGUAGE_KEY, VIEWER_KEY
from core.channel_setup import PlatformLook
from core.clock import utcnow
from core.formats import format_jalali_datetime, format_number
from core.i18n import current_language, gettext, translation
from core.text import to_persian_digits

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translation(current_language.get()).ngettext(singular, plural, n)


def _number(value: int | float) -> str:
    return format_number(value, current_language.get())


def _digits(value: object) -> str:
    text = str(value)
    return to_persian_digits(text) if current_language.get() == "fa" else text


def _jalali(moment: datetime | None) -> str:
    return format_jalali_datetime(moment, current_language.get()) if moment else ""


def _waited(since: datetime | None) -> str:
    """How long someone has waited, in the largest whole unit: "۵ دقیقه", "2 h"."""
    if since is None:
        return ""
    minutes = max(0, int((utcnow() - since).total_seconds() // 60))
    if minutes < 60:
        return gettext("%(count)s min") % {"count": _number(minutes)}
    if minutes < 24 * 60:
        return gettext("%(count)s h") % {"count": _number(minutes // 60)}
    return gettext("%(count)s d") % {"count": _number(minutes // (24 * 60))}


def setup(app: web.Application, platforms: Mapping[str, PlatformLook]) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        filters={"number": _number, "digits": _digits, "jalali": _jalali, "waited": _waited},
    )
    env.install_gettext_callables(gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        platform_name=lambda code: labels.platform_name(platforms, code),
        status_name=lambda code: labels.label(labels.STATUSES, code),
        delivery_name=lambda code: labels.label(labels.DELIVERY, code),
        author_name=lambda code: labels.label(labels.AUTHORS, code),
        event_name=lambda code: labels.label(labels.EVENTS, code),
        initials=initials,
        avatar_hue=avatar_hue,
    )


AVATAR_HUES = 8  # .avatar-0 … .avatar-7 in panel.css


def initials(name: str) -> str:
    """An avatar's letters: the first of the first two words ("سارا احمدی" → "س‌ا"; an
    address gives its first letter). A zero-width non-joiner keeps Persian letters apart."""
    words = name.split("@")[0].replace(".", " ").replace("_", " ").split()
    letters = [word[0] for word in words[:2]]
    return "\u200c".join(letters).upper() if letters else "?"


def avatar_hue(name: str) -> int:
    """One of the avatar colours, the same for a name every time (not Python's hash, which
    changes between runs)."""
    return sum(map(ord, name)) % AVATAR_HUES


def render(request: web.Request, template: str, context: dict[str, Any], *,
           status: int = 200) -> web.Response:
    language = request[LANGUAGE_KEY]
    return aiohttp_jinja2.render_template(template, request, {
        "app": request.app,
        "request": request,
        "lang": language,
        "direction": "rtl" if language == "fa" else "ltr",
        "viewer": request.get(VIEWER_KEY),
        "csrf": request[CSRF_KEY],
        **context,
    }, status=status)
