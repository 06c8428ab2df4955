from django.utils.translation import gettext_lazy as _

from ipops.platform import PlatformApp


class ReportingConfig(PlatformApp):
    name = "reporting"
    verbose_name = _("Indicators and reporting")
