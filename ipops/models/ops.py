"""Operational records: background job runs and the business audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of a scheduled or long job, so the UI can show progress and the last success."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(max_length=80)
    city = models.ForeignKey("ipops.City", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["city", "name", "-created_at"], name="jobrun_city_name")]

    def __str__(self) -> str:
        return f"{self.name} [{self.status}]"

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    @cached_property
    def waiting_for_queue(self) -> bool:
        """Queued and its task still in the outbox: the broker was unreachable when the job was started, and
        the sweeper sends it when the broker is back (`ipops.outbox`)."""
        from ipops.models.outbox import OutboxMessage

        return (
            self.status == self.Status.QUEUED
            and OutboxMessage.objects.filter(job_run_id=self.pk, sent_at__isnull=True).exists()
        )


class AuditEvent(models.Model):
    """A business decision: who did what to which record, from → to, why, for how much.

    Append-only; sealed into the hash chain by a database trigger (see `ipops.audit`).
    Row-level history of every tracked table lives in pghistory's event tables.
    """

    city = models.ForeignKey("ipops.City", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["city", "object_type", "object_id"], name="auditevent_object")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class AuditSeal(models.Model):
    """One link of a hash chain: digest = SHA-256(previous digest | table | row as JSON).

    One chain per city (`chain` is the row's city id; 0 for rows of no city), so cities never wait for
    each other's seals. Written only by the `ipops_audit_seal` trigger; `manage.py verify_audit`
    recomputes it.
    """

    chain = models.BigIntegerField(default=0)
    source_table = models.CharField(max_length=80)
    source_pk = models.CharField(max_length=40)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["source_table", "source_pk"], name="auditseal_source"),
            models.Index(fields=["chain", "-id"], name="auditseal_chain_head"),
        ]

    def __str__(self) -> str:
        return f"{self.source_table}:{self.source_pk} {self.digest[:12]}"
