from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading marketplace")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ipops import navigation
        from ipops.models import Role
        from ipops.tasks import register_city_job

        from . import home, permissions  # noqa: F401 - permissions registers the rule set

        holders = [Role.ENTERPRISE, Role.UNIVERSITY, Role.SERVICE]
        navigation.register(_("Marketplace"), "trading-market", order=20, icon="shop")
        navigation.register(_("Sell"), "trading-sell", roles=holders, order=21, icon="tag")
        navigation.register(_("Buy"), "trading-buy", roles=holders, order=22, icon="search")
        navigation.register(_("Deals"), "trading-deals", order=23, icon="arrow-left-right")
        navigation.register(
            _("Operations centres"),
            "trading-centres",
            roles=[Role.UNIVERSITY, Role.BUREAU_STAFF, Role.BUREAU_ADMIN, Role.OFFICIAL],
            order=24,
            icon="building",
        )
        navigation.register_panel("trading/home/_holder.html", home.holder_trading, roles=holders, order=15)
        navigation.register_panel(
            "trading/home/_city.html",
            home.city_trading,
            roles=[Role.BUREAU_STAFF, Role.BUREAU_ADMIN, Role.OFFICIAL],
            order=15,
        )
        register_city_job("listing_expiry", "trading.tasks.expire_listings")
        register_city_job("match_refresh", "trading.tasks.refresh_all_matches")
