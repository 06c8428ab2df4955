"""The reports as background jobs: started from the reports page, built by a task with progress, kept as a
PDF under the private media root, handed out to the city's readers when finished.

No model of its own: the run is an `ipops.JobRun` (name `annual_report` or `midterm_assessment`), whose
`result` holds who asked, the year, and — once built — the stored file's path, SHA-256, size and name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops import clock, outbox, uploads
from ipops.access import Actor
from ipops.errors import Conflict, FieldErrors, NotFound
from ipops.models import JobRun
from reporting.errors import ReportingErrorCode
from reporting.permissions import require

ANNUAL = "annual_report"
MIDTERM = "midterm_assessment"
#: Each report's title, as filed (it is also the stored file's name).
TITLES = {ANNUAL: "年度知识产权发展状况报告", MIDTERM: "中期绩效自评"}
PDF_MIME = uploads.KINDS["pdf"].mime


class ReportNotFound(NotFound):
    code = ReportingErrorCode.REPORT_NOT_FOUND
    default_message = gettext_lazy("No such report.")


class ReportNotReady(Conflict):
    code = ReportingErrorCode.REPORT_NOT_READY
    default_message = gettext_lazy("The report is not ready yet: wait until it is built, then download it.")


def report_years(city) -> list[int]:
    """The years an annual report can be made for: the plan's years up to the current one, newest first."""
    last = min(city.plan_end_year, clock.today().year)
    return list(range(last, city.plan_start_year - 1, -1))


def report_start(*, actor: Actor, kind: str, year: int | None = None) -> JobRun:
    """Queue a report for the actor's city (after this transaction commits) and return its run.

    The city's readers (bureau staff and officials) may: making a report writes no record of the city,
    and the mid-term self-assessment is the officials' own deliverable to the central review."""
    from reporting.documents import tasks

    require(actor, "indicator.view")
    errors = FieldErrors()
    if kind not in TITLES:
        errors.add("kind", ReportingErrorCode.REPORT_NOT_FOUND, _("Choose a report."))
    if kind == ANNUAL and year not in report_years(actor.city):
        errors.add("year", ReportingErrorCode.INVALID_PERIOD, _("Choose a year of the plan, up to this one."))
    errors.raise_if_any()
    result: dict = {"user_id": actor.user.pk, "title": TITLES[kind]}
    if kind == ANNUAL:
        result["year"] = year
    task = tasks.annual_report if kind == ANNUAL else tasks.midterm_assessment
    with transaction.atomic():  # the run and its task message, or neither
        run = JobRun.objects.create(name=kind, city=actor.city, result=result)
        outbox.publish(task, actor.city.pk, run.pk, job_run=run)
    return run


def report_runs(actor: Actor) -> QuerySet[JobRun]:
    """The city's reports, newest first."""
    require(actor, "indicator.view")
    return JobRun.objects.filter(city=actor.city, name__in=list(TITLES)).order_by("-created_at", "-pk")


def report_get(actor: Actor, run_id: int) -> JobRun:
    run = report_runs(actor).filter(pk=run_id).first()
    if run is None:
        raise ReportNotFound()
    return run


def file_name(run: JobRun) -> str:
    """The stored report's name: 青岛2025年度知识产权发展状况报告.pdf, 青岛中期绩效自评.pdf."""
    city = run.city.name_zh if run.city else ""
    return f"{city}{run.result.get('year') or ''}{TITLES.get(run.name, run.name)}.pdf"


def report_download(actor: Actor, run_id: int) -> FileResponse:
    """The finished report as an attachment; 404 for another city's run, 409 until it has been built."""
    run = report_get(actor, run_id)
    if run.status == JobRun.Status.FAILED:
        raise ReportNotReady(
            _("This report could not be built. Start it again; if it fails again, tell the administrator.")
        )
    path = run.result.get("path")
    if run.status != JobRun.Status.SUCCEEDED or not path:
        raise ReportNotReady()
    return uploads.download(path, filename=run.result.get("file_name") or file_name(run), mime=PDF_MIME)


@dataclass(frozen=True)
class Stored:
    path: str
    sha256: str
    size: int


def store_pdf(content: bytes, *, city_slug: str) -> Stored:
    """Keep a built report under the private media root (`reports/<city>/…/<sha256>.pdf`)."""
    digest = hashlib.sha256(content).hexdigest()
    checked = uploads.CheckedFile(
        name=f"{digest}.pdf", kind="pdf", mime=PDF_MIME, size=len(content), sha256=digest, content=content
    )
    path = uploads.store(checked, prefix=f"reports/{city_slug.lower().replace('.', '-')}")
    return Stored(path, digest, len(content))
