"""What each domain app contributes to the platform, declared on its `AppConfig`.

A domain app's config derives from `PlatformApp` and names its parts: page URLs, API routes, demo
data, nightly per-city jobs (with their beat schedule), navigation entries and home panels. The core
finds them through Django's app registry — no list of app names anywhere — and imports each named
module plainly, so an import error inside an app fails loudly instead of making its pages vanish.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from celery.schedules import crontab
from django.apps import AppConfig, apps
from django.conf import settings


@dataclass(frozen=True)
class CityJob:
    """A job run for every active city: `manage.py run_job NAME`, and nightly by beat at `schedule`."""

    name: str
    task: str
    schedule: crontab | None = None
    #: A task that does many cities at once more cheaply than one by one (the indicator roll-up reads
    #: each source once for all of them): the nightly fan-out and `run_job` for every city call it with a
    #: list of `per_task` city ids instead. `task` still does one city (run now, `run_job --city`).
    many: str = ""
    per_task: int = 50


@dataclass(frozen=True)
class NavEntry:
    label: Any
    url_name: str
    roles: Iterable[str] = ()
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class AssetAction:
    """A next step from an asset's page: a label, where it leads, and whether it is possible now (a
    pledged asset cannot be sold: the button shows why instead of leading to a refusal)."""

    label: Any
    url: str
    icon: str = ""
    blocked_by: Any = ""


@dataclass(frozen=True)
class Panel:
    """A home-page panel: `context(actor) -> dict` rendered into `template` for these roles."""

    template: str
    context: str  # dotted path of the function, imported at ready()
    roles: Iterable[str] = ()
    order: int = 100


class PlatformApp(AppConfig):
    """Base of every domain app's config. Leave a part None until the app has it."""

    default_auto_field = "django.db.models.BigAutoField"
    #: Module of the app's pages, included under /<city>/.
    page_urls: str | None = None
    #: Module of the app's API routes, included under /api/v1/<city>/.
    api_urls: str | None = None
    #: Module with `seed(*, city)`, run by `manage.py seed_demo` inside each demo city's scope.
    demo: str | None = None
    #: Order among the apps for demo data (an app seeding loans needs the registry's assets first).
    demo_order: int = 100
    #: Module that registers the app's django-rules predicates (imported at ready()).
    permissions: str | None = None
    #: OpenAPI enum names for the app's choices ("DealTypeEnum": "trading.models.DealType"), so the schema
    #: stays stable when several models share a field name like "status".
    schema_enums: dict[str, str] = {}

    def city_jobs(self) -> list[CityJob]:
        return []

    def navigation(self) -> list[NavEntry]:
        return []

    def home_panels(self) -> list[Panel]:
        return []

    def asset_actions(self, actor, asset) -> list[AssetAction]:
        """What an actor can do with a registry asset in this app, shown on the asset's page ("list it
        on the market", "pledge it"): the app decides, the registry only shows the links."""
        return []

    def reference_url(self, reference: str, city_slug: str) -> str | None:
        """The page that shows the record behind a reference this app wrote elsewhere
        ("<app_label>.<model>:<pk>", e.g. on an expenditure of the special budget), or None. The app that
        keeps a reference need not know the app that wrote it: `reference_url()` below asks the writer."""
        return None

    def landing(self, user, cities: list) -> str | None:
        """Where this user should land after signing in, if this app knows better than the city's home
        (an official of several cities lands on the comparison of their indicators)."""
        return None

    def ready(self) -> None:
        from ipops import navigation
        from ipops.tasks import register_city_job

        if self.permissions:
            importlib.import_module(self.permissions)
        spectacular: dict[str, Any] = settings.SPECTACULAR_SETTINGS
        spectacular.setdefault("ENUM_NAME_OVERRIDES", {}).update(self.schema_enums)
        for entry in self.navigation():
            navigation.register(
                entry.label, entry.url_name, roles=entry.roles, order=entry.order, icon=entry.icon
            )
        for panel in self.home_panels():
            navigation.register_panel(
                panel.template, _import_attr(panel.context), roles=panel.roles, order=panel.order
            )
        for job in self.city_jobs():
            register_city_job(job.name, job.task, many=job.many, per_task=job.per_task)


def _import_attr(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def asset_actions(actor, asset) -> list[AssetAction]:
    """Every app's next steps for this asset, in the apps' order."""
    return [action for app in platform_apps() for action in app.asset_actions(actor, asset)]


def reference_url(reference: str, city_slug: str) -> str | None:
    """Where to read the record a reference names: the app whose label starts it answers (None when no
    installed platform app has that label, or it has no page for the record)."""
    label = reference.partition(".")[0]
    for app in platform_apps():
        if app.label == label:
            return app.reference_url(reference, city_slug)
    return None


def landing(user, cities: list) -> str | None:
    """The first app's claim on where a signed-in user lands (None: the first city's home)."""
    for app in platform_apps():
        if page := app.landing(user, cities):
            return page
    return None


def platform_apps() -> Iterator[PlatformApp]:
    for config in apps.get_app_configs():
        if isinstance(config, PlatformApp):
            yield config


def modules(attribute: str) -> list[ModuleType]:
    """Every app's module named by `attribute` ("page_urls", "api_urls", "demo"), imported."""
    found = [
        (app.demo_order if attribute == "demo" else 0, getattr(app, attribute)) for app in platform_apps()
    ]
    return [importlib.import_module(path) for _, path in sorted(found, key=lambda x: x[0]) if path]


def url_modules(attribute: str) -> list[str]:
    return [path for app in platform_apps() if (path := getattr(app, attribute))]


#: The core's own periodic entries (not per city): the outbox sweep sends what a broker outage held back.
CORE_PERIODIC = {"outbox-sweep": {"task": "ipops.tasks.outbox_sweep", "schedule": 60.0}}


def beat_schedule() -> dict[str, dict]:
    """The core's periodic entries, and one beat entry per scheduled city job (`ipops.tasks.for_every_city`
    fans out to the cities)."""
    from ipops.tasks import CORE_CITY_JOBS

    jobs = [*CORE_CITY_JOBS, *(job for app in platform_apps() for job in app.city_jobs())]
    return CORE_PERIODIC | {
        job.name.replace("_", "-"): {
            "task": "ipops.tasks.for_every_city",
            "args": [job.task, job.many, job.per_task] if job.many else [job.task],
            "schedule": job.schedule,
        }
        for job in jobs
        if job.schedule is not None
    }
