from django.utils.translation import gettext_lazy as _

from ipops.platform import PlatformApp


class FundsConfig(PlatformApp):
    name = "funds"
    verbose_name = _("Funds")
    permissions = "funds.permissions"
    demo = "funds.demo"
    # Before pledge_finance (20): the reserve it opens is booked against the special budget.
    demo_order = 15
    schema_enums = {
        "BudgetSourceKindEnum": "funds.models.SourceKind",
        "ExpenditureCategoryEnum": "funds.models.Category",
    }
