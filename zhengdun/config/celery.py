"""Celery for the scale tier. Without CELERY_BROKER_URL every task runs eagerly in-process,
through the same task functions, so the embedded tier needs no worker."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengdun.config.settings")

app = Celery("zhengdun")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery beat: every periodic job apps registered in core.hooks.JOBS (the deadline scan, the
# planner statistics, …), every 30 minutes, as one task. The jobs are idempotent: a
# notification is raised once per clue, user, threshold and deadline.
app.conf.beat_schedule = {
    "run-periodic-jobs": {
        "task": "zhengdun.core.tasks.run_jobs",
        "schedule": crontab(minute="*/30"),
    },
}
