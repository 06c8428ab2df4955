"""Celery app. Broker from REDIS_URL; without it tasks run eagerly in-process (quick start)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipops.settings")

app = Celery("ipops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.beat_init.connect
def _schedule_city_jobs(sender, **kwargs) -> None:
    """Beat's schedule comes from the apps' configs (`PlatformApp.city_jobs`), known once Django is set up."""
    import django

    django.setup()
    from ipops.platform import beat_schedule

    app.conf.beat_schedule = beat_schedule()
