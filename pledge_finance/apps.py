from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgeFinanceConfig(AppConfig):
    name = "pledge_finance"
    verbose_name = _("Pledge finance")
    default_auto_field = "django.db.models.BigAutoField"
