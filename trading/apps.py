from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading marketplace")
    default_auto_field = "django.db.models.BigAutoField"
