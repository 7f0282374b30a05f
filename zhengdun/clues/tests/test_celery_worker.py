"""The deadline scan on the scale tier: a real Celery worker process on Redis, against the
same PostgreSQL database the test writes to. (SQLite's test database lives in this process's
memory, so no second process can share it; there the scan runs in-process, tested elsewhere.)"""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from zhengdun.clues.models import Clue, Notification
from zhengdun.clues.tasks import scan_deadlines
from zhengdun.clues.testing import register, walk
from zhengdun.config.celery import app as celery_app

BROKER = os.environ.get("ZHENGDUN_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.mark.django_db(transaction=True)
def test_it_scans_deadlines_on_a_real_worker(city):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process can share only a server database (runs in the PostgreSQL pass)")
    clue = walk(city, register(city), "assigned")
    Clue.objects.filter(pk=clue.pk).update(deadline=timezone.localdate() - dt.timedelta(days=2))

    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "ZHENGDUN_TESTING": "1",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "zhengdun.config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {k: celery_app.conf.get(k) for k in keys}
    try:
        celery_app.conf.update(broker_url=BROKER, result_backend=BROKER, task_always_eager=False)
        started = time.monotonic()
        raised = scan_deadlines.apply_async(queue=queue).get(timeout=90)
        assert raised >= 1, "the worker ran the scan but raised nothing"
        assert Notification.objects.filter(clue=clue, kind=Notification.Kind.OVERDUE).exists()
        assert time.monotonic() - started < 90
    finally:
        celery_app.conf.update(**saved)
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
