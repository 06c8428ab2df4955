"""Publishing tasks: the transactional outbox. Never call `.delay()` / `.apply_async()` from a service or a view.

`publish(task, *args, countdown=…, queue=…, job_run=…, **kwargs)` writes an `OutboxMessage` inside the
caller's transaction, so the task exists exactly when the rows it is about exist (a rolled-back request
publishes nothing, a committed one is never lost). After the commit the message is sent to the broker and
marked sent; if the broker is unreachable the failure is logged and the request still succeeds: the message
waits for the sweeper, which sends the unsent messages oldest first (beat every minute, `manage.py
outbox_sweep`, and opportunistically after the next publish that reached the broker). Concurrent sweepers
take rows with `FOR UPDATE SKIP LOCKED`, so a message is sent once; the row lock is held until it is marked
sent, and tasks are idempotent, so the rare duplicate (a send whose commit was lost) does no harm.

In eager mode (tests, quick start without `REDIS_URL`) there is no broker to lose: the task runs in-process
when the transaction commits, as `delay_on_commit` did, and no row is written.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django_scopes import get_scope
from kombu.exceptions import OperationalError

from ipops.models import OutboxMessage

logger = logging.getLogger(__name__)

#: What an unreachable or failing broker raises on publishing (redis-py's errors derive from these or
#: are wrapped by kombu into OperationalError).
BROKER_ERRORS: tuple[type[BaseException], ...] = (OperationalError, ConnectionError, OSError, TimeoutError)
try:  # the Redis client's own errors, when the transport is Redis
    import redis.exceptions

    BROKER_ERRORS += (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
except ImportError:  # pragma: no cover — redis is a dependency of the broker
    pass

#: Messages a sweep sends per transaction (each batch's rows stay locked until they are marked sent).
SWEEP_BATCH = 100


def _task_name(task: Any) -> str:
    return task if isinstance(task, str) else task.name


def publish(
    task: Any,
    *args: Any,
    countdown: float | None = None,
    queue: str | None = None,
    job_run: Any = None,
    **kwargs: Any,
) -> OutboxMessage | None:
    """Publish `task(*args, **kwargs)` once the current transaction commits; never lost, never raising.

    `task` is a Celery task or its registered name. `countdown` delays it (seconds), `queue` routes it
    elsewhere than the default queue, `job_run` (a `JobRun` or its id) lets pages say the job waits for
    the task queue. Returns the outbox row (None in eager mode)."""
    name = _task_name(task)
    if current_app.conf.task_always_eager:
        transaction.on_commit(
            lambda: _task(name).apply_async(args, kwargs, countdown=countdown, queue=queue or None)
        )
        return None
    city = get_scope().get("city")
    message = OutboxMessage.objects.create(
        task=name,
        args=list(args),
        kwargs=kwargs,
        queue=queue or "",
        not_before=timezone.now() + dt.timedelta(seconds=countdown) if countdown else None,
        for_city=getattr(city, "pk", city),
        job_run_id=getattr(job_run, "pk", job_run),
    )
    transaction.on_commit(lambda: _send_after_commit(message.pk))
    return message


def _task(name: str):
    from ipops.tasks import task_named

    return task_named(name)


def _send(message: OutboxMessage, *, queue: str | None = None) -> None:
    """Hand one message to the broker (raising one of BROKER_ERRORS when it cannot be reached)."""
    options: dict[str, Any] = {}
    if queue or message.queue:
        options["queue"] = queue or message.queue
    if message.not_before and message.not_before > timezone.now():
        options["eta"] = message.not_before
    result = _task(message.task).apply_async(message.args, message.kwargs, **options)
    message.task_id = result.id or ""
    message.sent_at = timezone.now()


def _sent(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=message.sent_at, task_id=message.task_id)


def _failed(message: OutboxMessage, exc: BaseException) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )


def _send_after_commit(pk: int) -> None:
    """Right after the publishing transaction committed: send its message unless a sweeper has it."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if message is None:  # a sweeper sends it (or has sent it)
                return
            try:
                _send(message)
            except BROKER_ERRORS as exc:
                logger.warning(
                    "broker unreachable: %s stays in the outbox (message %s): %s", message.task, pk, exc
                )
                _failed(message, exc)
                return
            _sent(message)
    except Exception:  # the request already committed: it must answer success; the sweeper retries
        logger.exception("outbox message %s could not be sent after commit", pk)
        return
    # The broker is reachable again: send what an outage left behind, if anything.
    if OutboxMessage.objects.filter(sent_at__isnull=True, pk__lt=pk).exists():
        try:
            sweep()
        except Exception:
            logger.exception("opportunistic outbox sweep failed")


def sweep(*, queue: str | None = None, limit: int | None = None) -> int:
    """Send every unsent message, oldest first; returns how many were sent. Stops at the first broker
    failure (the broker is down: the rest wait for the next sweep). Safe to run concurrently: each
    sweeper skips the rows another holds. `queue` overrides every message's queue (tests' private worker)."""
    sent = 0
    while limit is None or sent < limit:
        batch_size = SWEEP_BATCH if limit is None else min(SWEEP_BATCH, limit - sent)
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("id")[:batch_size]
            )
            if not batch:
                return sent
            for message in batch:
                try:
                    _send(message, queue=queue)
                except BROKER_ERRORS as exc:
                    logger.warning("outbox sweep: broker unreachable, %s messages wait: %s", len(batch), exc)
                    _failed(message, exc)
                    return sent
                _sent(message)
                sent += 1
    return sent


def waiting(*, older_than: dt.timedelta | None = None) -> int:
    """Unsent messages (older than `older_than`): what an operator watches during a broker outage."""
    qs = OutboxMessage.objects.filter(sent_at__isnull=True)
    if older_than is not None:
        qs = qs.filter(created_at__lt=timezone.now() - older_than)
    return qs.count()


def purge_sent(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete messages sent more than `older_than` ago (the sweep task calls it): the table stays small."""
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted
