"""Two people recording a subject's result from the same page: the second is told, nothing lost."""

import pytest
from django.urls import reverse

from zhengdun.audit.models import Entry
from zhengdun.clues import actions
from zhengdun.clues.models import ClueSubject, Result
from zhengdun.clues.testing import register, walk
from zhengdun.core.errors import ConflictError
from zhengdun.core.testing import PASSWORD


@pytest.mark.django_db
def test_a_stale_result_is_refused_by_the_action(city):
    clue = walk(city, register(city), "handling")
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=Result.TRUE, note="甲录入", expected_result="")
    stale = ClueSubject.objects.get(pk=subject.pk)
    stale.result = ""  # what the second person's page still shows
    with pytest.raises(ConflictError):
        actions.record_result(city.handler_a, stale, result=Result.FALSE, note="乙录入", expected_result="")
    subject.refresh_from_db()
    assert (subject.result, subject.result_note) == (Result.TRUE, "甲录入")
    assert Entry.objects.filter(action="clue.result_recorded").count() == 1


@pytest.mark.django_db
def test_the_page_carries_the_shown_result_and_reports_the_conflict(client, city):
    clue = walk(city, register(city), "handling")
    subject = clue.subjects.get()
    client.login(username=city.handler_a.username, password=PASSWORD)
    url = reverse("clues:subject_action", args=[subject.pk, "record_result"])
    form = client.get(url).content.decode()
    assert 'name="expected_result"' in form
    # someone else records first
    actions.record_result(city.handler_a, subject, result=Result.PARTLY_TRUE, note="先录入")
    assert 'name="expected_result" value="-"' in form
    response = client.post(url, {"result": Result.FALSE, "result_note": "后录入", "expected_result": "-"})
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    subject.refresh_from_db()
    assert subject.result == Result.PARTLY_TRUE
