"""The owner's start page: the sample shop a fresh install ships (keep, edit or clear it),
"try the bot", and the whole configuration as one YAML file to download or upload."""

from __future__ import annotations

from aiohttp import web

from admin_panel.typedefs import FLOW_CONFIGURATION
from admin_panel.views.owner_common import notice_later, render_owner, see_other, take_notice
from core import owner_settings, sample_shop
from core.i18n import gettext


async def page(request: web.Request) -> web.Response:
    return render_owner(request, "owner/start.html", {
        "section": "setup",
        "sample_in_use": await sample_shop.in_use(),
        "notice": await take_notice(request),
        "version": await owner_settings.version(),
    })


async def sample(request: web.Request) -> web.Response:
    """One click: clear the configuration, or put the sample shop back."""
    form = await request.post()
    choice = form.get("choice")
    try:
        if choice == "clear":
            await owner_settings.replace_whole(None, str(form.get("version", ""))[:64])
            message = gettext("The sample is cleared: the bot offers only “Talk to a person” "
                              "until you fill in the pages.")
        elif choice == "restore":
            await owner_settings.replace_whole(sample_shop.sample(),
                                               str(form.get("version", ""))[:64])
            message = gettext("The sample shop is back.")
        else:
            raise web.HTTPBadRequest(text=gettext("Choose to clear or to restore the sample."))
    except owner_settings.ChangedMeanwhile:
        message = gettext("Someone saved the configuration after you opened this page, so "
                          "nothing was saved: open the page again and make your change once "
                          "more.")
    else:
        await request.app[FLOW_CONFIGURATION].refresh()
    await notice_later(request, message)
    raise see_other(request, "panel.owner.setup")
