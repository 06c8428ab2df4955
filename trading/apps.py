from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from ipops.platform import AssetAction, CityJob, NavEntry, Panel, PlatformApp


class TradingConfig(PlatformApp):
    name = "trading"
    verbose_name = _("Trading marketplace")
    page_urls = "trading.urls"
    api_urls = "trading.api.urls"
    demo = "trading.demo"
    demo_order = 10
    permissions = "trading.permissions"
    schema_enums = {
        "DealTypeEnum": "trading.models.DealType",
        "VisibilityEnum": "trading.models.Visibility",
        "ListingStatusEnum": "trading.models.ListingStatus",
        "BuyRequestStatusEnum": "trading.models.BuyRequestStatus",
        "NegotiationStatusEnum": "trading.models.NegotiationStatus",
        "OfferSideEnum": "trading.models.OfferSide",
        "OfferStatusEnum": "trading.models.OfferStatus",
        "TransactionStatusEnum": "trading.models.TransactionStatus",
        "EscrowStatusEnum": "trading.models.EscrowStatus",
        "CentreKindEnum": "trading.models.CentreKind",
    }

    def city_jobs(self) -> list[CityJob]:
        return [
            CityJob("listing_expiry", "trading.tasks.expire_listings", crontab(hour=0, minute=15)),
            CityJob("match_refresh", "trading.tasks.refresh_all_matches", crontab(hour=1, minute=0)),
        ]

    def navigation(self) -> list[NavEntry]:
        # The role groups (and so the models) may be imported only once the app registry is ready.
        from ipops.access import ASSET_HOLDER_ROLES, CITY_READER_ROLES
        from ipops.models import Role

        holders = sorted(ASSET_HOLDER_ROLES)
        return [
            NavEntry(_("Marketplace"), "trading-market", order=20, icon="shop"),
            NavEntry(_("Sell"), "trading-sell", roles=holders, order=21, icon="tag"),
            NavEntry(_("Buy"), "trading-buy", roles=holders, order=22, icon="search"),
            NavEntry(_("Deals"), "trading-deals", order=23, icon="arrow-left-right"),
            NavEntry(
                _("Operations centres"),
                "trading-centres",
                roles=sorted({Role.UNIVERSITY, *CITY_READER_ROLES}),
                order=24,
                icon="building",
            ),
        ]

    def home_panels(self) -> list[Panel]:
        from ipops.access import ASSET_HOLDER_ROLES, CITY_READER_ROLES

        return [
            Panel(
                "trading/home/_holder.html", "trading.home.holder_trading", roles=ASSET_HOLDER_ROLES, order=15
            ),
            Panel("trading/home/_city.html", "trading.home.city_trading", roles=CITY_READER_ROLES, order=15),
            # Until the funds app arrives, a fund manager's own work here is sourcing deals.
            Panel(
                "trading/home/_market_watch.html",
                "trading.home.market_watch",
                roles=["fund_manager"],
                order=15,
            ),
        ]

    def asset_actions(self, actor, asset) -> list[AssetAction]:
        from trading.availability import sell_action

        action = sell_action(actor, asset)
        return [action] if action else []
