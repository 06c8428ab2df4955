from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from ipops.platform import CityJob, NavEntry, Panel, PlatformApp


class SubsidiesConfig(PlatformApp):
    name = "subsidies"
    verbose_name = _("Subsidies and awards")
    page_urls = "subsidies.urls"
    permissions = "subsidies.permissions"
    demo = "subsidies.demo"
    api_urls = "subsidies.api.urls"
    # After pledge finance (its repaid loans are the interest subsidy's records) and trading.
    demo_order = 30
    schema_enums = {
        "PolicyRuleKindEnum": "subsidies.models.RuleKind",
        "PolicyFrequencyEnum": "subsidies.models.Frequency",
        "PolicyModeEnum": "subsidies.models.Mode",
        "PolicyBasisEnum": "subsidies.models.Basis",
        "ClaimStateEnum": "subsidies.models.ClaimState",
    }

    def city_jobs(self) -> list[CityJob]:
        # Before the 02:00 roll-up reads the subsidies paid.
        return [CityJob("subsidies_nightly", "subsidies.tasks.nightly", crontab(hour=1, minute=0))]

    def navigation(self) -> list[NavEntry]:
        # Models (and so the roles) may be imported only once the app registry is ready.
        from ipops.models import Role
        from subsidies.permissions import CLAIMANT_ROLES

        # One entry each: the claimant's other pages and the bureau's are a click away (buttons, tabs).
        # The bureau's top bar has no room left for a tenth section in English at 1400 px: its staff reach
        # the review queue from the subsidies panel on their home (always shown to them).
        return [
            NavEntry(
                _("Policy calculator"),
                "subsidies-calculator",
                roles=CLAIMANT_ROLES,
                icon="calculator",
                order=50,
            ),
            NavEntry(_("Subsidies"), "subsidies-queue", roles={Role.OFFICIAL}, icon="award", order=50),
        ]

    def home_panels(self) -> list[Panel]:
        from ipops.access import BUREAU_ROLES
        from subsidies.permissions import CLAIMANT_ROLES

        return [
            Panel(
                "subsidies/home/_claimant.html",
                "subsidies.home.claimant_claims",
                roles=CLAIMANT_ROLES,
                order=15,
            ),
            Panel(
                "subsidies/home/_bureau.html", "subsidies.home.bureau_claims", roles=BUREAU_ROLES, order=15
            ),
        ]

    def reference_url(self, reference: str, city_slug: str) -> str | None:
        """Awards paid in a batch ("subsidies.paymentbatch:<pk>", see `services.batch_pay`) are read on the
        batch's page."""
        from django.urls import reverse

        kind, pk = reference.partition(":")[::2]
        if kind == "subsidies.paymentbatch" and pk.isdigit():
            return reverse("subsidies-batch-detail", kwargs={"city": city_slug, "pk": int(pk)})
        return None
