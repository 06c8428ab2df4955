from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgeFinanceConfig(AppConfig):
    name = "pledge_finance"
    verbose_name = _("Pledge finance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ipops import navigation
        from ipops.models import Role
        from ipops.tasks import register_city_job
        from pledge_finance import home, permissions  # noqa: F401 - permissions registers the rule predicates

        institutions = [Role.BANK, Role.INSURER, Role.GUARANTOR]
        navigation.register(
            _("Apply for a pledge loan"), "pledge-apply", roles=[Role.ENTERPRISE], icon="bank", order=40
        )
        navigation.register(
            _("Pledge loans"),
            "pledge-loan-list",
            roles=[Role.ENTERPRISE, *institutions, Role.BUREAU_STAFF, Role.BUREAU_ADMIN, Role.OFFICIAL],
            icon="cash-coin",
            order=41,
        )
        navigation.register(
            _("Review queue"), "pledge-queue", roles=[*institutions, Role.SERVICE], icon="inbox", order=42
        )
        navigation.register(
            _("Loan portfolio"), "pledge-portfolio", roles=institutions, icon="briefcase", order=43
        )
        navigation.register(
            _("Loan products"),
            "pledge-product-list",
            roles=[Role.BUREAU_STAFF, Role.BUREAU_ADMIN],
            icon="sliders",
            order=44,
        )
        navigation.register(
            _("Risk reserve"),
            "pledge-reserve",
            roles=[Role.BUREAU_STAFF, Role.BUREAU_ADMIN, Role.OFFICIAL],
            icon="safe",
            order=45,
        )
        navigation.register_panel(
            "pledge_finance/home/_queue.html",
            home.institution_queue,
            roles=[*institutions, Role.SERVICE],
            order=10,
        )
        navigation.register_panel(
            "pledge_finance/home/_my_loans.html", home.enterprise_loans, roles=[Role.ENTERPRISE], order=20
        )
        navigation.register_panel(
            "pledge_finance/home/_city.html",
            home.city_pledge,
            roles=[Role.BUREAU_STAFF, Role.BUREAU_ADMIN, Role.OFFICIAL],
            order=20,
        )
        register_city_job("pledge_mark_overdue", "pledge_finance.tasks.mark_overdue")
