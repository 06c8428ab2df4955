from django.utils.translation import gettext_lazy as _

from ipops.platform import CityJob, NavEntry, Panel, PlatformApp

#: Cities a nightly roll-up task takes: each source's grouped query then serves this many cities, and
#: 300 cities still make six tasks to spread over the workers.
ROLLUP_CITIES_PER_TASK = 50


class ReportingConfig(PlatformApp):
    name = "reporting"
    verbose_name = _("Indicators and reporting")
    page_urls = "reporting.urls"
    api_urls = "reporting.api.urls"
    permissions = "reporting.permissions"
    demo = "reporting.demo"
    # Last: the roll-up reads what every other app's demo wrote.
    demo_order = 90
    schema_enums = {
        "IndicatorKindEnum": "reporting.models.Kind",
        "IndicatorDirectionEnum": "reporting.models.Direction",
        "IndicatorSourceEnum": "reporting.models.SourceKind",
        "IndicatorUnitEnum": "reporting.models.Unit",
        "StatisticCodeEnum": "reporting.models.StatisticCode",
        "IndicatorStatusEnum": "reporting.models.Status",
        "PeriodKindEnum": "reporting.models.PeriodKind",
    }

    def city_jobs(self) -> list[CityJob]:
        from celery.schedules import crontab

        # 02:00 Asia/Shanghai (CELERY_TIMEZONE), after the other nightly jobs have settled the day's records.
        # Many cities a task: the roll-up reads each source once for all of them.
        return [
            CityJob(
                "indicator_rollup",
                "reporting.tasks.rollup",
                crontab(hour=2, minute=0),
                many="reporting.tasks.rollup_many",
                per_task=ROLLUP_CITIES_PER_TASK,
            )
        ]

    def navigation(self) -> list[NavEntry]:
        from ipops.models import Role

        # Officials only: the bureau's top bar has no room for a tenth section in English at 1400 px, and
        # its home opens with the scoreboard panel, which leads to the scoreboard, catalogue and statistics.
        return [
            NavEntry(
                _("Indicators"),
                "reporting-scoreboard",
                roles={Role.OFFICIAL},
                icon="speedometer2",
                order=5,
            )
        ]

    def home_panels(self) -> list[Panel]:
        from ipops.access import CITY_READER_ROLES

        # First on the official's and the bureau's home: the city's plan, lagging indicators first.
        return [
            Panel(
                "reporting/home/_scoreboard.html",
                "reporting.home.city_scoreboard",
                roles=CITY_READER_ROLES,
                order=5,
            )
        ]

    def landing(self, user, cities: list) -> str | None:
        """An official granted several cities lands on the comparison of their indicators."""
        from django.urls import reverse

        from ipops.access import actor_for

        if len(cities) > 1 and (first := actor_for(user, cities[0])) is not None and first.is_official:
            return reverse("reporting-compare", kwargs={"city": cities[0].slug})
        return None

    def ready(self) -> None:
        super().ready()
        from ipops.events import figures_changed
        from reporting.tasks import on_figures_changed

        figures_changed.connect(on_figures_changed, dispatch_uid="reporting.refresh")
