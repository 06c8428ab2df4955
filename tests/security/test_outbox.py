"""No lost task, no false 500: tasks go through the transactional outbox (`ipops.outbox`).

With the broker unreachable a request that publishes a task still answers success, once; its task waits in
the outbox; when the broker is back the sweeper sends it and a real worker does the work. Two sweepers
never send one message twice."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from ipops import outbox
from ipops.celery import app
from ipops.models import JobRun, OrgKind, OutboxMessage
from ipops.tenancy import city_scope, scopes_disabled
from tests.conftest import actor, api, make_asset, make_org, make_user
from tests.support import celery_worker, race
from trading import services
from trading.models import BuyRequest, BuyRequestMatch

#: Nothing listens there: connections are refused at once.
UNREACHABLE = "redis://127.0.0.1:1/0"


def _use_broker(url: str) -> None:
    """Point the app's publishing at `url`, dropping the pooled connections to the previous broker."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down() -> Iterator[None]:
    previous = app.conf.broker_url
    _use_broker(UNREACHABLE)
    try:
        yield
    finally:
        _use_broker(previous)


@contextlib.contextmanager
def eager() -> Iterator[None]:
    """Set-up data with its tasks run in-process (nothing reaches a broker nobody drains)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def _unsent() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id"))


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_requests_succeed_once_and_the_work_is_done_when_it_is_back(client, qingdao):
    with eager():
        seller = make_org(qingdao, name="青岛海纳智能装备有限公司")
        patent = make_asset(qingdao, seller, title="一种动力电池热管理系统及其控制方法", ipc=("H01M 10/613",))
        seller_user = make_user(qingdao, "enterprise", org=seller)
        buyer = make_user(qingdao, "enterprise")
        bureau = make_user(qingdao, "bureau_staff", org=make_org(qingdao, OrgKind.BUREAU))
        with city_scope(qingdao):
            services.listing_create(
                actor=actor(seller_user, qingdao),
                asset_ids=[patent.pk],
                deal_type="assignment",
                asking_price="500000.00",
                publish=True,
            )
    assert not OutboxMessage.objects.exists()

    with broker_down():
        # The API: one POST, one 201 carrying the new id; one row; one message waiting.
        answer = api(buyer).post("/api/v1/qingdao/buy-requests/", {"title": "求购动力电池热管理技术"})
        assert answer.status_code == 201, answer.content
        created = answer.json()["id"]
        with scopes_disabled():
            assert list(BuyRequest.objects.values_list("pk", flat=True)) == [created]
            assert BuyRequest.objects.get().matches_computed_at is None
        (waiting,) = _unsent()
        assert (waiting.task, waiting.args) == (
            "trading.tasks.refresh_buy_request_matches",
            [qingdao.pk, created],
        )
        assert waiting.attempts == 1 and "Connection refused" in waiting.last_error

        # A page that starts a job: the run is queued, and its page says it waits for the task queue.
        client.force_login(bureau)
        started = client.post("/qingdao/jobs/snapshot/")
        assert started.status_code == 302
        run = JobRun.objects.get(name="registry_snapshot")
        assert run.status == JobRun.Status.QUEUED and run.waiting_for_queue
        page = client.get(started.url)
        assert page.status_code == 200 and 'id="job-waiting"' in page.content.decode()
        assert len(_unsent()) == 2

        # A sweep while the broker is still down sends nothing and loses nothing.
        assert outbox.sweep() == 0
        assert len(_unsent()) == 2

    # The broker is back: the sweeper sends both (to a real worker's private queue) and the work is done.
    assert app.conf.broker_url == (settings.REDIS_URL or app.conf.broker_url)
    with celery_worker() as (queue, worker):
        assert outbox.sweep(queue=queue) == 2
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.refresh_from_db()
            with scopes_disabled():
                computed = BuyRequest.objects.get().matches_computed_at
            if computed and run.status in (JobRun.Status.SUCCEEDED, JobRun.Status.FAILED):
                break
            assert worker.poll() is None, "the worker died"
            time.sleep(0.3)
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert not JobRun.objects.get(pk=run.pk).waiting_for_queue
    with scopes_disabled():
        br = BuyRequest.objects.get()
        assert br.matches_computed_at is not None
        assert BuyRequestMatch.objects.filter(buy_request=br).exists()
    assert _unsent() == []
    assert OutboxMessage.objects.count() == 2  # one message per published task, each sent once
    assert all(m.task_id for m in OutboxMessage.objects.all())


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_publish_that_reaches_the_broker_sends_what_an_outage_left_behind(qingdao, monkeypatch):
    with broker_down():
        with transaction.atomic():
            outbox.publish("ipops.tasks.registry_snapshot", qingdao.pk)
    assert len(_unsent()) == 1
    sent: list[list] = []
    monkeypatch.setattr(
        "celery.app.task.Task.apply_async",
        lambda self, args=None, kwargs=None, **options: sent.append(args) or type("R", (), {"id": "x"})(),
    )
    with transaction.atomic():
        outbox.publish("ipops.tasks.registry_snapshot", qingdao.pk, 7)
    assert _unsent() == []
    assert sorted(sent) == [[qingdao.pk], [qingdao.pk, 7]]


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing(qingdao):
    with broker_down(), contextlib.suppress(RuntimeError), transaction.atomic():
        outbox.publish("ipops.tasks.registry_snapshot", qingdao.pk)
        raise RuntimeError("the request failed")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_in_eager_mode_the_task_runs_on_commit_and_no_message_is_kept(
    qingdao, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.publish("ipops.tasks.registry_snapshot", qingdao.pk)
        assert not JobRun.objects.exists()  # not before the commit
    assert JobRun.objects.get().status == JobRun.Status.SUCCEEDED
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_racing_send_each_message_exactly_once(monkeypatch):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task="ipops.tasks.registry_snapshot", args=[n]) for n in range(40)
    )
    lock = threading.Lock()
    sent: list[int] = []

    def fake_send(message, *, queue=None):
        with lock:
            sent.append(message.args[0])
        time.sleep(0.005)  # widen the window in which the other sweeper looks for work
        message.task_id, message.sent_at = f"t{message.pk}", outbox.timezone.now()

    monkeypatch.setattr(outbox, "_send", fake_send)
    monkeypatch.setattr(outbox, "SWEEP_BATCH", 5)
    first, second = race(outbox.sweep, outbox.sweep)
    assert first + second == 40
    assert sorted(sent) == list(range(40))  # each once
    assert _unsent() == []


@pytest.mark.django_db(transaction=True)
def test_the_send_after_commit_and_a_sweeper_racing_send_the_message_once(monkeypatch):
    message = OutboxMessage.objects.create(task="ipops.tasks.registry_snapshot", args=[1])
    sent: list[int] = []

    def fake_send(m, *, queue=None):
        sent.append(m.pk)
        time.sleep(0.05)
        m.task_id, m.sent_at = "t", outbox.timezone.now()

    monkeypatch.setattr(outbox, "_send", fake_send)
    race(lambda: outbox._send_after_commit(message.pk), outbox.sweep)
    assert sent == [message.pk]
    assert _unsent() == []


@pytest.mark.django_db
def test_the_sweep_runs_every_minute_and_from_the_command_line(monkeypatch, capsys):
    from ipops.platform import beat_schedule

    entry = beat_schedule()["outbox-sweep"]
    assert entry["task"] == "ipops.tasks.outbox_sweep" and entry["schedule"] == 60.0
    OutboxMessage.objects.create(task="ipops.tasks.registry_snapshot", args=[1])
    queues: list[str | None] = []

    def fake_send(m, *, queue=None):
        queues.append(queue)
        m.task_id, m.sent_at = "t", outbox.timezone.now()

    monkeypatch.setattr(outbox, "_send", fake_send)
    call_command("outbox_sweep", "--queue", "elsewhere")
    assert queues == ["elsewhere"]
    assert "sent 1; 0 still waiting" in capsys.readouterr().out
