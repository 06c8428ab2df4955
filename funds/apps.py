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
        from funds.permissions import PERMISSION_ROLES

        # One entry for the fund register and the special budget (tabs on both pages lead to the other):
        # the bureau's menu has to stay on one line, in English too.
        return [
            NavEntry(
                _("Funds"), "funds-list", roles=PERMISSION_ROLES["fund.view"], icon="piggy-bank", order=50
            )
        ]

    def home_panels(self) -> list[Panel]:
        from ipops.access import CITY_READER_ROLES
        from ipops.models import Role

        return [
            Panel("funds/home/_budget.html", "funds.home.city_budget", roles=CITY_READER_ROLES, order=30),
            Panel("funds/home/_funds.html", "funds.home.manager_funds", roles={Role.FUND_MANAGER}, order=10),
        ]

    def reference_url(self, reference: str, city_slug: str) -> str | None:
        """A fund's page for a reference to a fund ("funds.fund:<pk>"); the demo's payments
        ("funds.demo…") have no record behind them."""
        from django.urls import reverse

        kind, pk = reference.partition(":")[::2]
        if kind == "funds.fund" and pk.isdigit():
            return reverse("funds-detail", kwargs={"city": city_slug, "pk": int(pk)})
        return None
