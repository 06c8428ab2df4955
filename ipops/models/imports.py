"""Spreadsheet imports (`ipops.imports`): each uploaded file is kept with what its preview found, so the
preview page shows the rows and its "import" button commits exactly the file that was checked, once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipops.tenancy import CityOwned


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, ready to import")
    FAILED = "failed", _("Has errors, nothing imported")
    COMMITTED = "committed", _("Imported")


class ImportBatch(CityOwned):
    """One uploaded workbook of one kind of import ("fund_records", "expenditures", …). `errors` lists every
    problem the last run found: `{"sheet", "row" (as Excel numbers it), "column" (its header), "code",
    "detail"}`; `counts` the rows per sheet."""

    kind = models.CharField(_("kind"), max_length=40)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows with errors"), default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["city", "uploaded_by", "-created_at"], name="ipops_import_city_user")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="committed", committed_at__isnull=False, rows_failed=0)
                | ~Q(status="committed"),
                name="ipops_import_committed_clean",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.file_name}"
