"""The transactional outbox: a task to publish, written in the same transaction as the rows it is about.

A request that changes data and then publishes a task writes an `OutboxMessage` inside its transaction;
after the commit the message is sent to the broker and marked sent. If the broker is unreachable the
request still succeeds and the message waits here until the sweeper (`ipops.outbox.sweep`: beat every
minute, `manage.py outbox_sweep`, and the next successful publish) sends it. See `ipops.outbox`.
"""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    """One task waiting to be (or already) handed to the broker.

    Deliberately not city-owned: the sweeper sends every city's messages from outside any city scope,
    so the table stands outside the row-level wall (no `city` foreign key, see `ipops.rls`). The city
    is kept as a plain number for operators (`for_city`), and a job's run as `job_run_id`, so a page
    can say that the job waits for the task queue.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=100, blank=True)
    #: Not to run before (a countdown at publishing); sent with this ETA when still in the future.
    not_before = models.DateTimeField(null=True, blank=True)
    for_city = models.BigIntegerField(null=True, blank=True)
    job_run_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The sweeper's scan: unsent messages, oldest first (a small partial index however many were sent).
            models.Index(fields=["id"], name="outbox_unsent", condition=models.Q(sent_at__isnull=True)),
            models.Index(
                fields=["job_run_id"], name="outbox_unsent_job", condition=models.Q(sent_at__isnull=True)
            ),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} [{'sent' if self.sent_at else 'waiting'}]"
