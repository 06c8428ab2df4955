from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from ipops.platform import CityJob, NavEntry, Panel, PlatformApp


def _roles():
    # Models (and so the roles) may be imported only once the app registry is ready.
    from ipops.models.accounts import Role

    return Role


class TradingConfig(PlatformApp):
    name = "trading"
    verbose_name = _("Trading marketplace")
    page_urls = "trading.urls"
    api_urls = "trading.api.urls"
    demo = "trading.demo"
    demo_order = 10
    permissions = "trading.permissions"

    def city_jobs(self) -> list[CityJob]:
        return [
            CityJob("listing_expiry", "trading.tasks.expire_listings", crontab(hour=0, minute=15)),
            CityJob("match_refresh", "trading.tasks.refresh_all_matches", crontab(hour=1, minute=0)),
        ]

    def navigation(self) -> list[NavEntry]:
        role = _roles()
        holders = [role.ENTERPRISE, role.UNIVERSITY, role.SERVICE]
        city_readers = [role.BUREAU_STAFF, role.BUREAU_ADMIN, role.OFFICIAL]
        return [
            NavEntry(_("Marketplace"), "trading-market", order=20, icon="shop"),
            NavEntry(_("Sell"), "trading-sell", roles=holders, order=21, icon="tag"),
            NavEntry(_("Buy"), "trading-buy", roles=holders, order=22, icon="search"),
            NavEntry(_("Deals"), "trading-deals", order=23, icon="arrow-left-right"),
            NavEntry(
                _("Operations centres"),
                "trading-centres",
                roles=[role.UNIVERSITY, *city_readers],
                order=24,
                icon="building",
            ),
        ]

    def home_panels(self) -> list[Panel]:
        role = _roles()
        holders = [role.ENTERPRISE, role.UNIVERSITY, role.SERVICE]
        city_readers = [role.BUREAU_STAFF, role.BUREAU_ADMIN, role.OFFICIAL]
        return [
            Panel("trading/home/_holder.html", "trading.home.holder_trading", roles=holders, order=15),
            Panel("trading/home/_city.html", "trading.home.city_trading", roles=city_readers, order=15),
        ]
