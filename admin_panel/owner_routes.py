"""The owners' pages, under /owner. Every one is wrapped in `owner_only`: an agent gets
the 404 a page that does not exist would give."""

from __future__ import annotations

from aiohttp import web

from admin_panel.views import (
    owner_broadcasts,
    owner_channels,
    owner_forms,
    owner_insights,
    owner_kpis,
    owner_people,
    owner_routing,
    owner_settings,
    owner_start,
    owner_tokens,
    owner_try,
    owner_webhooks,
)
from admin_panel.views.owner_common import Handler, owner_only

# (method, path, handler, route name after "panel.owner.")
OWNER_ROUTES: tuple[tuple[str, str, Handler, str], ...] = (
    ("GET", "/owner", owner_kpis.dashboard, "home"),
    ("GET", "/owner/kpis", owner_kpis.dashboard, "kpis"),
    ("GET", "/owner/kpis.csv", owner_kpis.export_csv, "kpis_csv"),
    ("GET", "/owner/kpis/targets.csv", owner_kpis.export_targets_csv, "targets_csv"),
    ("GET", "/owner/faq", owner_settings.faq, "faq"),
    ("POST", "/owner/faq", owner_settings.save_faq, "faq_save"),
    ("POST", "/owner/faq/delete", owner_settings.delete_faq, "faq_delete"),
    ("POST", "/owner/faq/alternative", owner_settings.add_alternative, "faq_alternative"),
    ("GET", "/owner/faq.csv", owner_settings.faq_csv, "faq_csv"),
    ("POST", "/owner/faq/import", owner_settings.import_faq, "faq_import"),
    ("POST", "/owner/settings/order_lookup/try", owner_forms.try_lookup, "order_lookup_try"),
    ("POST", "/owner/settings/business_hours/holiday", owner_settings.toggle_holiday,
     "holiday_toggle"),
    ("POST", "/owner/settings/business_hours/holidays/import", owner_forms.import_holidays,
     "holidays_import"),
    ("GET", "/owner/settings/{section}", owner_forms.page, "section"),
    ("POST", "/owner/settings/{section}", owner_forms.save, "section_save"),
    ("GET", "/owner/settings/{section}/yaml", owner_settings.section, "section_yaml"),
    ("POST", "/owner/settings/{section}/yaml", owner_settings.save_section,
     "section_yaml_save"),
    ("GET", "/owner/config.yaml", owner_forms.download, "config_download"),
    ("POST", "/owner/config", owner_forms.upload, "config_upload"),
    ("GET", "/owner/start", owner_start.page, "setup"),
    ("POST", "/owner/start/sample", owner_start.sample, "sample"),
    ("GET", "/owner/try", owner_try.page, "try_bot"),
    ("POST", "/owner/try", owner_try.send, "try_send"),
    ("GET", "/owner/try/widget", owner_try.widget, "try_widget"),
    ("GET", "/owner/unanswered", owner_insights.unanswered, "unanswered"),
    ("GET", "/owner/customers/merge", owner_insights.merge_page, "merge"),
    ("POST", "/owner/customers/merge", owner_insights.merge, "merge_do"),
    ("GET", "/owner/people", owner_people.page, "people"),
    ("POST", "/owner/teams", owner_people.create_team, "team_create"),
    ("POST", "/owner/teams/members/add", owner_people.add_member, "member_add"),
    ("POST", "/owner/teams/members/remove", owner_people.remove_member, "member_remove"),
    ("POST", "/owner/people/invite", owner_people.invite, "invite"),
    ("POST", "/owner/people/active", owner_people.set_active, "user_active"),
    ("POST", "/owner/people/name", owner_people.rename, "user_name"),
    ("GET", "/owner/routing", owner_routing.page, "routing"),
    ("POST", "/owner/routing", owner_routing.save, "routing_save"),
    ("GET", "/owner/api-tokens", owner_tokens.page, "api_tokens"),
    ("POST", "/owner/api-tokens", owner_tokens.create, "api_token_create"),
    ("POST", "/owner/api-tokens/revoke", owner_tokens.revoke, "api_token_revoke"),
    ("GET", "/owner/webhooks", owner_webhooks.page, "webhooks"),
    ("POST", "/owner/webhooks", owner_webhooks.create, "webhook_create"),
    ("GET", "/owner/webhooks/{endpoint_id}", owner_webhooks.detail, "webhook"),
    ("POST", "/owner/webhooks/{endpoint_id}/rotate", owner_webhooks.rotate, "webhook_rotate"),
    ("POST", "/owner/webhooks/{endpoint_id}/enabled", owner_webhooks.set_enabled,
     "webhook_enabled"),
    ("POST", "/owner/webhooks/{endpoint_id}/test", owner_webhooks.send_test, "webhook_test"),
    ("POST", "/owner/webhooks/{endpoint_id}/replay", owner_webhooks.replay, "webhook_replay"),
    ("POST", "/owner/webhooks/{endpoint_id}/delete", owner_webhooks.delete, "webhook_delete"),
    ("GET", "/owner/broadcasts", owner_broadcasts.page, "broadcasts"),
    ("POST", "/owner/broadcasts", owner_broadcasts.send, "broadcast_send"),
    ("POST", "/owner/broadcasts/preview", owner_broadcasts.preview, "broadcast_preview"),
    ("GET", "/owner/broadcasts/{broadcast_id}", owner_broadcasts.detail, "broadcast"),
    ("GET", "/owner/channels", owner_channels.page, "channels"),
    ("POST", "/owner/channels/test", owner_channels.test_connection, "channel_test"),
    ("POST", "/owner/channels/secret", owner_channels.rotate_secret, "channel_secret"),
    # After /test and /secret, which it would otherwise match: one form per way of adding a channel.
    ("POST", "/owner/channels/{form}", owner_channels.add, "channel_add"),
)


def add_owner_routes(app: web.Application) -> None:
    for method, path, handler, name in OWNER_ROUTES:
        app.router.add_route(method, path, owner_only(handler), name=f"panel.owner.{name}")
