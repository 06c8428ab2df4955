"""Celery app. Broker from REDIS_URL; without it tasks run eagerly in-process (quick start)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipops.settings")

app = Celery("ipops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
