"""The "校验日志链" button: it starts a background run (VerificationRun) instead of checking the
chain inside the request; the run records its outcome and one audit entry; one run at a time;
the panel polls while a run is in flight; runs that crashed or were abandoned are shown so."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from zhengdun.audit import actions, tasks
from zhengdun.audit.models import Entry, VerificationRun
from zhengdun.audit.tests.conftest import make_chain, raw_update

LIST = reverse("audit:entry_list")
VERIFY = reverse("audit:verify")
STATUS = reverse("audit:verify_status")
HTMX = {"HTTP_HX_REQUEST": "true"}
POLLING = 'hx-trigger="every 2s"'
NOT_AUDITORS = [
    "office_handler",
    "leader_a",
    "handler_a",
    "officer_a",
    "outsider",
    "sysadmin",
    "secadmin",
]


@pytest.fixture
def auditor_client(client, city):
    client.force_login(city.auditor)
    return client


@pytest.fixture
def no_background(monkeypatch):
    """Record the runs handed to the background instead of starting them: the tests run the
    job themselves, synchronously, through the same function the thread and the task call."""
    started: list[int] = []
    monkeypatch.setattr(tasks, "start", started.append)
    return started


def _press(client: Client, **extra: Any):
    # the test's transaction never commits: run the on-commit hand-over (tasks.start) as if it had
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(VERIFY, **HTMX, **extra)


def _request(user: Any) -> tuple[VerificationRun, bool]:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return actions.request_verification(user)


def _last_entry() -> Entry:
    return Entry.objects.order_by("-seq").first()


def _entries(action: str) -> list[Entry]:
    return list(Entry.objects.filter(action=action).order_by("seq"))


def _running_run(**fields: Any) -> VerificationRun:
    return VerificationRun.objects.create(status=VerificationRun.Status.RUNNING, **fields)


# --- the press starts a run; nothing is checked in the request ---------------------------


def test_it_starts_a_run_instead_of_checking_in_the_request(
    auditor_client, city, monkeypatch, django_capture_on_commit_callbacks
):
    def no_inline_check(*args, **kwargs):
        raise AssertionError("the chain must not be checked inside the request")

    monkeypatch.setattr(actions, "check_chain", no_inline_check)
    handed: list[int] = []
    monkeypatch.setattr(tasks, "start", handed.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auditor_client.post(VERIFY, **HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text  # htmx gets the panel only
    assert "正在校验…" in text and "等待后台任务开始" in text
    assert POLLING in text and f'hx-get="{STATUS}"' in text

    run = VerificationRun.objects.get()
    assert run.requested_by == city.auditor
    assert run.status == VerificationRun.Status.PENDING and run.ok is None and run.in_progress
    assert run.requested_ip == "127.0.0.1"
    # the press is audited; the outcome comes later, from the run
    entry = _last_entry()
    assert entry.action == "audit.verify_requested"
    assert entry.actor_id == city.auditor.pk
    assert (entry.object_type, entry.object_id) == ("audit.verificationrun", str(run.pk))
    assert not _entries("audit.verified")
    # the background job is handed the run only once the transaction commits
    assert handed == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert handed == [run.pk]


def test_a_plain_form_post_is_redirected_to_the_verification_page(auditor_client, no_background):
    response = auditor_client.post(VERIFY)
    assert response.status_code == 302 and response["Location"] == VERIFY
    page = auditor_client.get(VERIFY)
    text = page.content.decode()
    assert "正在校验…" in text
    assert f'hx-get="{STATUS}?history=1"' in text  # the page polls the panel with its history
    again = auditor_client.post(VERIFY, follow=True)
    assert "已有一次校验正在进行，未重复发起" in again.content.decode()
    assert VerificationRun.objects.count() == 1


def test_it_needs_the_csrf_token(city, no_background):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.auditor)
    assert client.post(VERIFY, **HTMX).status_code == 403
    assert not VerificationRun.objects.exists()


# --- the run's outcome ----------------------------------------------------------------------


def test_the_run_records_an_intact_chain(auditor_client, city, no_background):
    make_chain(7)
    _press(auditor_client)
    run = VerificationRun.objects.get()
    assert no_background == [run.pk]
    checked = Entry.objects.count()  # everything up to and including the press
    head = _last_entry()

    actions.run_verification(run.pk)

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.INTACT and run.ok is True
    assert run.entries_checked == checked
    assert (run.last_seq, run.last_hash) == (head.seq, head.hash)
    assert run.first_broken_seq is None and run.message == ""
    assert run.started_at is not None and run.finished_at is not None and not run.in_progress
    entry = _last_entry()
    assert entry.action == "audit.verified" and entry.success
    assert entry.actor_id == city.auditor.pk
    assert entry.ip == "127.0.0.1"  # the auditor's address, though written by the job
    assert (entry.object_type, entry.object_id) == ("audit.verificationrun", str(run.pk))
    assert entry.data == {
        "run": run.pk,
        "intact": True,
        "count": checked,
        "last_seq": head.seq,
        "problem": None,
    }

    text = auditor_client.get(STATUS).content.decode()
    assert f"审计日志完整：共 {checked} 条，链尾第 {head.seq} 条" in text
    assert head.hash in text
    assert POLLING not in text  # done: the panel stops polling


def test_the_run_records_a_broken_chain(auditor_client, city, no_background):
    make_chain(5)
    raw_update(3, "action", "unit.deleted")
    _press(auditor_client)
    run = VerificationRun.objects.get()

    actions.run_verification(run.pk)

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.BROKEN and run.ok is False
    assert run.first_broken_seq == 3
    assert run.message == "内容与哈希不符（条目被篡改）"
    assert run.entries_checked == 2
    entry = _last_entry()
    assert entry.action == "audit.verified" and entry.actor_id == city.auditor.pk
    assert entry.data["intact"] is False
    assert entry.data["problem"] == "审计日志第 3 条内容与哈希不符（条目被篡改）"

    for response in (auditor_client.get(STATUS), auditor_client.get(LIST), auditor_client.get(VERIFY)):
        text = response.content.decode()
        assert "断裂于第 3 条：内容与哈希不符（条目被篡改）。此前 2 条校验通过。" in text
        assert f'href="{reverse("audit:entry_detail", args=[3])}"' in text
        assert POLLING not in text


def test_the_run_notes_its_progress(auditor_client, monkeypatch, no_background):
    make_chain(12)
    _press(auditor_client)
    run = VerificationRun.objects.get()
    seen: list[tuple[str, int]] = []
    real_check = actions.check_chain

    def check_in_small_batches(progress=None, **kwargs):
        def spy(count: int) -> None:
            progress(count)
            row = VerificationRun.objects.get(pk=run.pk)
            seen.append((row.status, row.entries_checked))

        return real_check(batch_size=5, progress=spy)

    monkeypatch.setattr(actions, "PROGRESS_EVERY_SECONDS", 0)
    monkeypatch.setattr(actions, "check_chain", check_in_small_batches)
    actions.run_verification(run.pk)
    assert seen[:2] == [("running", 5), ("running", 10)]


def test_a_crashed_run_is_marked_failed_with_the_message(auditor_client, city, monkeypatch, no_background):
    _press(auditor_client)
    run = VerificationRun.objects.get()

    def broken_check(**kwargs):
        raise RuntimeError("磁盘读取失败")

    monkeypatch.setattr(actions, "check_chain", broken_check)
    actions.run_verification(run.pk)

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED and run.ok is False
    assert run.message == "校验过程中出错：RuntimeError: 磁盘读取失败"
    assert run.finished_at is not None and not run.in_progress
    entry = _last_entry()
    assert entry.action == "audit.verify_failed" and not entry.success
    assert entry.actor_id == city.auditor.pk
    assert entry.data == {"run": run.pk, "error": run.message}

    text = auditor_client.get(STATUS).content.decode()
    assert "校验出错" in text and "磁盘读取失败" in text
    assert POLLING not in text
    # a failed run does not block the next press
    monkeypatch.undo()
    no_background.clear()
    monkeypatch.setattr(tasks, "start", no_background.append)
    _press(auditor_client)
    assert VerificationRun.objects.count() == 2 and len(no_background) == 1


def test_a_run_is_checked_once_even_if_delivered_twice(auditor_client, no_background):
    _press(auditor_client)
    run = VerificationRun.objects.get()
    assert actions.run_verification(run.pk) is not None
    assert actions.run_verification(run.pk) is None
    assert len(_entries("audit.verified")) == 1


# --- one run at a time ----------------------------------------------------------------------


def test_a_second_press_shows_the_running_one(auditor_client, city, no_background):
    first = _press(auditor_client)
    assert "已有一次校验正在进行" not in first.content.decode()
    run = VerificationRun.objects.get()
    run_status_before = run.status

    second = _press(auditor_client)
    text = second.content.decode()
    assert "正在校验…" in text
    assert "已有一次校验正在进行，未重复发起；请等待其完成。" in text
    assert POLLING in text
    assert VerificationRun.objects.count() == 1
    assert no_background == [run.pk]
    assert len(_entries("audit.verify_requested")) == 1
    run.refresh_from_db()
    assert run.status == run_status_before

    # once it has finished, the next press starts a new run
    actions.run_verification(run.pk)
    _press(auditor_client)
    assert VerificationRun.objects.count() == 2
    assert len(no_background) == 2


def test_the_database_allows_one_run_in_progress(db):
    VerificationRun.objects.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationRun.objects.create()
    VerificationRun.objects.create(in_progress=False)  # finished runs are not limited


def test_of_two_presses_at_once_one_starts_a_run(auditor_client, city, monkeypatch, no_background):
    # The other press commits its run after this one looked for a running one.
    def other_press_slips_in():
        VerificationRun.objects.create(requested_by=city.auditor)
        return None

    monkeypatch.setattr(actions, "_run_in_progress", other_press_slips_in)
    run, started = _request(city.auditor)
    assert not started
    assert VerificationRun.objects.count() == 1 and run == VerificationRun.objects.get()
    assert no_background == []
    assert not _entries("audit.verify_requested")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_presses_start_one_run(monkeypatch, no_background):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite serialises writers at BEGIN anyway")
    from zhengdun.core.testing import build_city

    city = build_city()
    both_checked = threading.Barrier(2, timeout=20)
    real_check = actions._run_in_progress

    def check_then_wait():
        found = real_check()
        both_checked.wait()  # both have looked, and found nothing, before either inserts
        return found

    monkeypatch.setattr(actions, "_run_in_progress", check_then_wait)
    results: list[tuple[VerificationRun, bool]] = []
    errors: list[BaseException] = []

    def press() -> None:
        try:
            results.append(actions.request_verification(city.auditor))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(started for _, started in results) == [False, True]
    assert {run.pk for run, _ in results} == set(VerificationRun.objects.values_list("pk", flat=True))
    assert VerificationRun.objects.count() == 1
    assert len(no_background) == 1


# --- abandoned runs -------------------------------------------------------------------------


def test_an_abandoned_run_is_shown_so_and_does_not_block(auditor_client, city, no_background):
    long_ago = timezone.now() - dt.timedelta(hours=1, minutes=5)
    stuck = _running_run(
        requested_by=city.auditor, requested_at=long_ago, started_at=long_ago, entries_checked=4200
    )
    assert stuck.abandoned and not stuck.in_flight and stuck.ok is None

    for response in (auditor_client.get(STATUS), auditor_client.get(LIST)):
        text = response.content.decode()
        assert "已中断" in text and "超过 1 小时仍未完成（已校验 4200 条）" in text
        assert "正在校验…" not in text
        assert POLLING not in text

    response = _press(auditor_client)
    assert "正在校验…" in response.content.decode()
    new = VerificationRun.objects.exclude(pk=stuck.pk).get()
    assert no_background == [new.pk]
    stuck.refresh_from_db()
    assert not stuck.in_progress
    assert stuck.status == VerificationRun.Status.RUNNING  # its row is kept as it was
    history = auditor_client.get(VERIFY).content.decode()
    assert history.count('<span class="badge grey">已中断</span>') == 1


def test_a_run_never_started_is_abandoned_after_an_hour_too(auditor_client, city, no_background):
    VerificationRun.objects.create(requested_at=timezone.now() - dt.timedelta(hours=2))
    assert "已中断" in auditor_client.get(STATUS).content.decode()
    _, started = _request(city.auditor)
    assert started


def test_a_run_within_the_hour_is_still_running(auditor_client, city, no_background):
    fifty_minutes_ago = timezone.now() - dt.timedelta(minutes=50)
    # queued long ago, started recently: the hour counts from the start
    run = _running_run(
        requested_by=city.auditor,
        requested_at=timezone.now() - dt.timedelta(hours=3),
        started_at=fifty_minutes_ago,
        entries_checked=1234,
    )
    text = auditor_client.get(STATUS).content.decode()
    assert "正在校验…已校验 1234 条" in text and POLLING in text
    again, started = _request(city.auditor)
    assert not started and again == run


# --- the panel and the page -----------------------------------------------------------------


def test_the_polling_panel_follows_the_run(auditor_client, city, no_background):
    assert "尚未校验过审计日志链" in auditor_client.get(STATUS).content.decode()
    _press(auditor_client)
    run = VerificationRun.objects.get()

    text = auditor_client.get(STATUS).content.decode()
    assert text.lstrip().startswith('<div id="verification"')  # replaces itself (outerHTML)
    assert POLLING in text and f'hx-get="{STATUS}"' in text
    assert "<table" not in text  # the log page's panel has no history
    with_history = auditor_client.get(STATUS, {"history": "1"}).content.decode()
    assert f'hx-get="{STATUS}?history=1"' in with_history and "最近 1 次校验" in with_history

    VerificationRun.objects.filter(pk=run.pk).update(
        status=VerificationRun.Status.RUNNING, started_at=timezone.now(), entries_checked=25000
    )
    assert "已校验 25000 条" in auditor_client.get(STATUS).content.decode()
    VerificationRun.objects.filter(pk=run.pk).update(status=VerificationRun.Status.PENDING)

    actions.run_verification(run.pk)
    text = auditor_client.get(STATUS).content.decode()
    assert "审计日志完整" in text and POLLING not in text and "hx-get" not in text


def test_the_page_lists_the_last_ten_runs(auditor_client, city):
    now = timezone.now()
    for i in range(12):
        VerificationRun.objects.create(
            requested_by=city.auditor,
            requested_at=now - dt.timedelta(minutes=60 - i),
            started_at=now - dt.timedelta(minutes=60 - i),
            finished_at=now - dt.timedelta(minutes=60 - i) + dt.timedelta(seconds=57),
            status=VerificationRun.Status.INTACT,
            in_progress=False,
            entries_checked=1000 + i,
            last_seq=1000 + i,
        )
    response = auditor_client.get(VERIFY)
    assert response.status_code == 200
    history = response.context["history"]
    assert [r.entries_checked for r in history] == list(range(1011, 1001, -1))
    text = response.content.decode()
    assert "最近 10 次校验" in text
    assert text.count("用时 57 秒") == 1 and text.count(">57 秒<") == 10
    assert "链尾第 1001 条" not in text  # the 11th and 12th are not listed
    assert POLLING not in text


def test_it_shows_html_in_a_failure_message_inert(auditor_client, city):
    VerificationRun.objects.create(
        requested_by=city.auditor,
        status=VerificationRun.Status.FAILED,
        in_progress=False,
        finished_at=timezone.now(),
        message="<script>alert(1)</script>",
    )
    for url in (STATUS, VERIFY):
        text = auditor_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- who may press --------------------------------------------------------------------------


@pytest.mark.parametrize("who", NOT_AUDITORS)
def test_only_the_auditor_may_verify(client, city, who, no_background):
    client.force_login(city.users[who])
    before = Entry.objects.count()
    assert client.post(VERIFY, **HTMX).status_code == 403
    assert client.post(VERIFY).status_code == 403
    assert client.get(VERIFY).status_code == 403
    assert client.get(STATUS).status_code == 403
    assert not VerificationRun.objects.exists()
    assert Entry.objects.count() == before
    with pytest.raises(PermissionDenied):
        actions.request_verification(city.users[who])


def test_anonymous_visitors_are_sent_to_login(client, city, no_background):
    for response in (client.post(VERIFY), client.get(VERIFY), client.get(STATUS)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not VerificationRun.objects.exists()


# --- the background: a thread on the embedded tier, Celery on the scale tier ----------------


def _join_verification_threads(timeout: float = 30) -> None:
    for thread in threading.enumerate():
        if thread.name.startswith(tasks.THREAD_PREFIX):
            thread.join(timeout)
            assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_the_embedded_tier_runs_the_check_in_a_thread_after_commit(client, settings, monkeypatch):
    from zhengdun.core.testing import build_city

    settings.CELERY_BROKER_URL = ""
    city = build_city()
    make_chain(30)
    closed_in: list[str] = []
    real_close_all = tasks.connections.close_all

    def close_all() -> None:
        closed_in.append(threading.current_thread().name)
        real_close_all()

    monkeypatch.setattr(tasks.connections, "close_all", close_all)
    # The job waits until the request is over: SQLite's in-memory test database (shared cache)
    # refuses, rather than waits for, a write while another connection reads.
    request_over = threading.Event()
    real_job = actions.run_verification

    def job_after_the_request(run_id: int):
        assert request_over.wait(10)
        return real_job(run_id)

    monkeypatch.setattr(actions, "run_verification", job_after_the_request)
    client.force_login(city.auditor)
    response = client.post(VERIFY, **HTMX)
    assert response.status_code == 200 and "正在校验…" in response.content.decode()
    run = VerificationRun.objects.get()
    request_over.set()
    _join_verification_threads()

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.INTACT, run.message
    assert run.entries_checked >= 31 and run.finished_at is not None
    assert closed_in == [f"{tasks.THREAD_PREFIX}{run.pk}"]  # the thread closed its connection
    entry = _last_entry()
    assert entry.action == "audit.verified" and entry.actor_id == city.auditor.pk
    assert entry.data["intact"] is True
    assert "审计日志完整" in client.get(STATUS).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_thread_marks_a_crash_as_failed(settings, monkeypatch):
    from zhengdun.core.testing import build_city

    settings.CELERY_BROKER_URL = ""
    city = build_city()

    def broken_check(**kwargs):
        raise ValueError("unsupported audit hash algorithm 'md5'")

    monkeypatch.setattr(actions, "check_chain", broken_check)
    run, started = actions.request_verification(city.auditor)
    assert started
    _join_verification_threads()
    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED
    assert "unsupported audit hash algorithm" in run.message
    assert _last_entry().action == "audit.verify_failed"


def test_the_scale_tier_queues_the_celery_task(settings, monkeypatch, city):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    queued: list[int] = []
    monkeypatch.setattr(tasks.verify_chain, "delay", queued.append)
    threads_before = {t.name for t in threading.enumerate()}
    run, _ = _request(city.auditor)  # hands the run over on commit (tasks.start)
    assert queued == [run.pk]
    assert not any(
        t.name.startswith(tasks.THREAD_PREFIX) for t in threading.enumerate() if t.name not in threads_before
    )
    assert tasks.verify_chain.name == "zhengdun.audit.tasks.verify_chain"
    # what the worker runs: the same job
    assert tasks.verify_chain(run.pk) == "intact"
    run.refresh_from_db()
    assert run.status == VerificationRun.Status.INTACT
    assert _last_entry().action == "audit.verified"


def test_a_run_that_cannot_be_queued_is_marked_failed(settings, monkeypatch, city):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"

    def broker_down(run_id: int) -> None:
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(tasks.verify_chain, "delay", broker_down)
    run, _ = _request(city.auditor)  # hands the run over on commit (tasks.start)
    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED and not run.in_progress
    assert run.message == "无法启动后台校验任务：ConnectionRefusedError: Connection refused"
    entry = _last_entry()
    assert entry.action == "audit.verify_failed" and entry.actor_id == city.auditor.pk
