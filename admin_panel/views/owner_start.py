"""The owner's start page: the sample shop a fresh install ships (keep, edit or clear it),
"try the bot", and the whole configuration as one YAML file to download or upload."""

from __future__ import annotations

from aiohttp import web

from admin_panel.typedefs import FLOW_CONFIGURATION
from admin_panel.views.owner_common import (
    notice_later,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from admin_panel.views.owner_settings import changed_meanwhile
from core import owner_config, owner_settings, sample_shop
from core.i18n import gettext
from core.owner_config import OwnerDocument


async def page(request: web.Request) -> web.Response:
    return render_owner(request, "owner/start.html", {
        "section": "setup",
        "sample_in_use": await sample_shop.in_use(),
        "empty": await owner_config.load_stored() == OwnerDocument(),
        "notice": await take_notice(request),
        "version": await owner_settings.version(),
    })


async def sample(request: web.Request) -> web.Response:
    """One click: clear the sample shop, or put it back in an empty configuration. The page
    offers neither over an owner's own configuration, which they would lose."""
    form = await request.post()
    choice, version = form.get("choice"), text_field(form, "version", 64)
    try:
        if choice == "clear" and await sample_shop.in_use():
            await owner_settings.replace_whole(None, version)
            message = gettext("The sample is cleared: the bot offers only “Talk to a person” "
                              "until you fill in the pages.")
        elif choice == "restore" and await owner_config.load_stored() == OwnerDocument():
            await owner_settings.replace_whole(sample_shop.sample(), version)
            message = gettext("The sample shop is back.")
        else:
            raise web.HTTPBadRequest(text=gettext(
                "Only the sample shop is cleared here, and it is put back only where nothing "
                "is configured."))
    except owner_settings.ChangedMeanwhile:
        message = changed_meanwhile()
    else:
        await request.app[FLOW_CONFIGURATION].refresh()
    await notice_later(request, message)
    raise see_other(request, "panel.owner.setup")
