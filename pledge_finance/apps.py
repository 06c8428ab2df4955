from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from ipops.platform import AssetAction, CityJob, NavEntry, Panel, PlatformApp


class PledgeFinanceConfig(PlatformApp):
    name = "pledge_finance"
    verbose_name = _("Pledge finance")
    page_urls = "pledge_finance.urls"
    api_urls = "pledge_finance.api.urls"
    demo = "pledge_finance.demo"
    demo_order = 20
    permissions = "pledge_finance.permissions"
    schema_enums = {
        "RepaymentMethodEnum": "pledge_finance.models.RepaymentMethod",
        "LoanPartyEnum": "pledge_finance.models.PARTY_CHOICES",
        "InstitutionRoleEnum": "pledge_finance.models.InstitutionRole",
        "LoanStateEnum": "pledge_finance.models.LoanState",
        "ApprovalDecisionEnum": "pledge_finance.models.ApprovalDecision.Decision",
        "InstalmentStatusEnum": "pledge_finance.models.Instalment.Status",
        "LoanFeeKindEnum": "pledge_finance.models.LoanFeeKind",
        "ReserveEntryKindEnum": "pledge_finance.models.ReserveEntry.Kind",
    }

    def city_jobs(self) -> list[CityJob]:
        # Before the 02:00 roll-up reads overdue figures.
        return [
            CityJob("pledge_mark_overdue", "pledge_finance.tasks.mark_overdue", crontab(hour=0, minute=30))
        ]

    def navigation(self) -> list[NavEntry]:
        # Models (and so the roles) may be imported only once the app registry is ready.
        from ipops.access import BUREAU_ROLES, CITY_READER_ROLES
        from pledge_finance.models import APPLICANT_ROLES, INSTITUTION_ACTOR_ROLES, PARTY_ACTOR_ROLES

        return [
            NavEntry(
                _("Apply for a pledge loan"), "pledge-apply", roles=APPLICANT_ROLES, icon="bank", order=40
            ),
            NavEntry(
                _("Pledge loans"),
                "pledge-loan-list",
                roles=APPLICANT_ROLES | PARTY_ACTOR_ROLES | CITY_READER_ROLES,
                icon="cash-coin",
                order=41,
            ),
            NavEntry(
                _("Review queue"), "pledge-queue", roles=INSTITUTION_ACTOR_ROLES, icon="inbox", order=42
            ),
            NavEntry(
                _("Loan portfolio"), "pledge-portfolio", roles=PARTY_ACTOR_ROLES, icon="briefcase", order=43
            ),
            NavEntry(_("Loan products"), "pledge-product-list", roles=BUREAU_ROLES, icon="sliders", order=44),
            NavEntry(_("Risk reserve"), "pledge-reserve", roles=CITY_READER_ROLES, icon="safe", order=45),
        ]

    def home_panels(self) -> list[Panel]:
        from ipops.access import CITY_READER_ROLES
        from pledge_finance.models import APPLICANT_ROLES, INSTITUTION_ACTOR_ROLES

        return [
            Panel(
                "pledge_finance/home/_queue.html",
                "pledge_finance.home.institution_queue",
                roles=INSTITUTION_ACTOR_ROLES,
                order=10,
            ),
            Panel(
                "pledge_finance/home/_my_loans.html",
                "pledge_finance.home.enterprise_loans",
                roles=APPLICANT_ROLES,
                order=20,
            ),
            Panel(
                "pledge_finance/home/_city.html",
                "pledge_finance.home.city_pledge",
                roles=CITY_READER_ROLES,
                order=20,
            ),
        ]

    def asset_actions(self, actor, asset) -> list[AssetAction]:
        """ "Pledge it" for the asset's owner: the application with this asset chosen, or, when the registry
        would refuse the pledge (pledged already, on sale, not in force), the button disabled with why."""
        from django.urls import reverse

        from ipops.errors import ApplicationError
        from ipops.services import registry
        from pledge_finance.permissions import can

        if asset.owner_id != actor.organization_id or not can(actor, "loan.create"):
            return []
        url = f"{reverse('pledge-apply', kwargs={'city': actor.city.slug})}?asset={asset.pk}"
        label = _("Pledge it for a loan")
        try:
            registry.check_assets_available(assets=[asset], action="pledge", owner_id=actor.organization_id)
        except ApplicationError as refusal:
            return [AssetAction(label, url, icon="bank", blocked_by=refusal.message)]
        return [AssetAction(label, url, icon="bank")]

    def reference_url(self, reference: str, city_slug: str) -> str | None:
        """The reserve's money booked against the special budget ("pledge_finance.reserveentry:<pk>", see
        `services.losses._post_to_budget`) is read on the reserve's ledger."""
        from django.urls import reverse

        from pledge_finance.models import ReserveEntry

        kind, pk = reference.partition(":")[::2]
        if kind == ReserveEntry._meta.label_lower and pk.isdigit():
            return reverse("pledge-reserve", kwargs={"city": city_slug}) + "#ledger"
        return None
