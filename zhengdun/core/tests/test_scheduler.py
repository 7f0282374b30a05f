"""The embedded tier's in-process scheduler: one process wins the lock and runs the jobs."""

import datetime as dt

import pytest
from django.utils import timezone

from zhengdun.clues.models import Clue, Notification
from zhengdun.clues.testing import register, walk
from zhengdun.core import scheduler


@pytest.mark.django_db
def test_run_due_jobs_raises_deadline_notifications(city):
    clue = walk(city, register(city), "assigned")
    Clue.objects.filter(pk=clue.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    scheduler.run_due_jobs()
    assert Notification.objects.filter(clue=clue, user=city.handler_a, kind="overdue").exists()
    before = Notification.objects.count()
    scheduler.run_due_jobs()
    assert Notification.objects.count() == before  # once per clue, user and threshold


def test_only_one_process_becomes_the_scheduler(settings, tmp_path, monkeypatch):
    settings.EMBEDDED_SCHEDULER = True
    settings.DATA_DIR = tmp_path
    settings.SCHEDULER_INTERVAL_MINUTES = 60
    monkeypatch.setattr(scheduler, "_lock_file", None)
    first = scheduler.start_embedded_scheduler()
    try:
        assert first is not None
        # a second open file description is what another worker process would have
        assert scheduler.start_embedded_scheduler() is None
    finally:
        first.set()
        scheduler._lock_file.close()


def test_it_stays_off_when_a_broker_runs_the_jobs(settings):
    settings.EMBEDDED_SCHEDULER = False
    assert scheduler.start_embedded_scheduler() is None
