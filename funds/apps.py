from django.utils.translation import gettext_lazy as _

from ipops.platform import PlatformApp


class FundsConfig(PlatformApp):
    name = "funds"
    verbose_name = _("Funds")
    permissions = "funds.permissions"
    schema_enums = {
        "BudgetSourceKindEnum": "funds.models.SourceKind",
        "ExpenditureCategoryEnum": "funds.models.Category",
    }
