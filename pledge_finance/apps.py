from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from ipops.platform import CityJob, NavEntry, Panel, PlatformApp


def _roles():
    # Models (and so the roles) may be imported only once the app registry is ready.
    from ipops.models.accounts import Role

    return Role


class PledgeFinanceConfig(PlatformApp):
    name = "pledge_finance"
    verbose_name = _("Pledge finance")
    page_urls = "pledge_finance.urls"
    api_urls = "pledge_finance.api.urls"
    demo = "pledge_finance.demo"
    demo_order = 20
    permissions = "pledge_finance.permissions"

    def city_jobs(self) -> list[CityJob]:
        # Before the 02:00 roll-up reads overdue figures.
        return [
            CityJob("pledge_mark_overdue", "pledge_finance.tasks.mark_overdue", crontab(hour=0, minute=30))
        ]

    def navigation(self) -> list[NavEntry]:
        role = _roles()
        institutions = [role.BANK, role.INSURER, role.GUARANTOR]
        bureau = [role.BUREAU_STAFF, role.BUREAU_ADMIN]
        return [
            NavEntry(
                _("Apply for a pledge loan"), "pledge-apply", roles=[role.ENTERPRISE], icon="bank", order=40
            ),
            NavEntry(
                _("Pledge loans"),
                "pledge-loan-list",
                roles=[role.ENTERPRISE, *institutions, *bureau, role.OFFICIAL],
                icon="cash-coin",
                order=41,
            ),
            NavEntry(
                _("Review queue"), "pledge-queue", roles=[*institutions, role.SERVICE], icon="inbox", order=42
            ),
            NavEntry(_("Loan portfolio"), "pledge-portfolio", roles=institutions, icon="briefcase", order=43),
            NavEntry(_("Loan products"), "pledge-product-list", roles=bureau, icon="sliders", order=44),
            NavEntry(
                _("Risk reserve"), "pledge-reserve", roles=[*bureau, role.OFFICIAL], icon="safe", order=45
            ),
        ]

    def home_panels(self) -> list[Panel]:
        role = _roles()
        institutions = [role.BANK, role.INSURER, role.GUARANTOR]
        bureau = [role.BUREAU_STAFF, role.BUREAU_ADMIN]
        return [
            Panel(
                "pledge_finance/home/_queue.html",
                "pledge_finance.home.institution_queue",
                roles=[*institutions, role.SERVICE],
                order=10,
            ),
            Panel(
                "pledge_finance/home/_my_loans.html",
                "pledge_finance.home.enterprise_loans",
                roles=[role.ENTERPRISE],
                order=20,
            ),
            Panel(
                "pledge_finance/home/_city.html",
                "pledge_finance.home.city_pledge",
                roles=[*bureau, role.OFFICIAL],
                order=20,
            ),
        ]
