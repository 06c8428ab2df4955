from django.utils.translation import gettext_lazy as _

from ipops.platform import PlatformApp


class SubsidiesConfig(PlatformApp):
    name = "subsidies"
    verbose_name = _("Subsidies and awards")
