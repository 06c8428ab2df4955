from django.utils.translation import gettext_lazy as _

from ipops.platform import NavEntry, Panel, PlatformApp


class FundsConfig(PlatformApp):
    name = "funds"
    verbose_name = _("Funds")
    page_urls = "funds.urls"
    api_urls = "funds.api.urls"
    permissions = "funds.permissions"
    demo = "funds.demo"
    # Before pledge_finance (20): the reserve it opens is booked against the special budget.
    demo_order = 15
    schema_enums = {
        "BudgetSourceKindEnum": "funds.models.SourceKind",
        "ExpenditureCategoryEnum": "funds.models.Category",
        "FundKindEnum": "funds.models.FundKind",
        "FundStatusEnum": "funds.models.FundStatus",
        "InvestorSourceEnum": "funds.models.InvestorSource",
        "DistributionKindEnum": "funds.models.DistributionKind",
    }

    def navigation(self) -> list[NavEntry]:
        # Models (and so the roles) may be imported only once the app registry is ready.
        from ipops.access import CITY_READER_ROLES

        return [
            NavEntry(
                # "Budget": the bureau's English menu has to stay on one line.
                _("Budget"),
                "funds-budget",
                roles=CITY_READER_ROLES,
                icon="piggy-bank",
                order=50,
            )
        ]

    def home_panels(self) -> list[Panel]:
        from ipops.access import CITY_READER_ROLES

        return [Panel("funds/home/_budget.html", "funds.home.city_budget", roles=CITY_READER_ROLES, order=30)]
