"""Thin tasks that build the reports (`reporting.documents.reports`) as job runs with progress, keep the
PDF and record where (`reporting.documents.jobs`). The worker imports this module through
`reporting.tasks` (Celery autodiscovers `<app>.tasks` only)."""

from __future__ import annotations

from celery import shared_task
from django.utils import translation

from ipops.access import actor_for
from ipops.errors import PermissionDenied
from ipops.jobs import job_run
from ipops.models import City, User
from ipops.tenancy import city_scope
from reporting.documents import jobs, reports

#: Steps each report reports progress in (its sections, then the PDF).
ANNUAL_STEPS = 7
MIDTERM_STEPS = 3


def _build(kind: str, city_id: int, run_id: int, task_id: str, steps: int, make) -> int:
    city = City.objects.get(pk=city_id)
    with city_scope(city), translation.override("zh-hans"):
        with job_run(kind, city_id=city_id, run_id=run_id, task_id=task_id) as progress:
            run = progress.run
            # The report is made with the standing of whoever asked, re-read now: a reader who lost access
            # to the city since gets nothing built in their name.
            user = User.objects.filter(pk=run.result.get("user_id")).first()
            actor = actor_for(user, city) if user is not None else None
            if actor is None:
                raise PermissionDenied()
            progress.total(steps)
            done = [0]

            def step() -> None:
                done[0] += 1
                progress.step(done[0])

            content = make(actor, run, step)
            stored = jobs.store_pdf(content, city_slug=city.slug)
            run.result = {
                **run.result,
                "path": stored.path,
                "sha256": stored.sha256,
                "size": stored.size,
                "file_name": jobs.file_name(run),
            }
            run.rows = 1  # job_run writes the run's rows and result as it succeeds
    return stored.size


@shared_task(acks_late=True, name="reporting.documents.tasks.annual_report")
def annual_report(city_id: int, run_id: int) -> int:
    """年度知识产权发展状况报告 for the year the run names; returns the PDF's size in bytes."""
    return _build(
        jobs.ANNUAL,
        city_id,
        run_id,
        annual_report.request.id or "",
        ANNUAL_STEPS,
        lambda actor, run, step: reports.annual_report(actor, int(run.result["year"]), step),
    )


@shared_task(acks_late=True, name="reporting.documents.tasks.midterm_assessment")
def midterm_assessment(city_id: int, run_id: int) -> int:
    """中期绩效自评 for the central special funds; returns the PDF's size in bytes."""
    return _build(
        jobs.MIDTERM,
        city_id,
        run_id,
        midterm_assessment.request.id or "",
        MIDTERM_STEPS,
        lambda actor, run, step: reports.midterm_assessment(actor, step),
    )
