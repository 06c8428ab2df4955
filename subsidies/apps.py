from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from ipops.platform import CityJob, PlatformApp


class SubsidiesConfig(PlatformApp):
    name = "subsidies"
    verbose_name = _("Subsidies and awards")
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
