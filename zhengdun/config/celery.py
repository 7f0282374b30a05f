"""Celery for the scale tier. Without CELERY_BROKER_URL every task runs eagerly in-process,
through the same task functions, so the embedded tier needs no worker."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengdun.config.settings")

app = Celery("zhengdun")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery beat: the deadline scan every 30 minutes (it is idempotent: a notification is raised
# once per clue, user, threshold and deadline).
app.conf.beat_schedule = {
    "scan-clue-deadlines": {
        "task": "zhengdun.clues.tasks.scan_deadlines",
        "schedule": crontab(minute="*/30"),
    },
}
