"""The clue API's detail answer carries each subject's 从宽从严 basis and the leader's decision
(plugged in through core.hooks.CLUE_SUBJECT_LENIENCY), as the leniency endpoint answers it."""

from __future__ import annotations

import pytest

from zhengdun.core import hooks
from zhengdun.selfreports.tests.helpers import (
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
)
from zhengdun.selfreports.tests.test_api import Api
from zhengdun.selfreports.tests.test_assessments import substantiated_clue

pytestmark = pytest.mark.django_db


def clue_detail(client, user, clue_id):
    return Api(client, user).client.get(f"/api/v1/clues/{clue_id}", headers=Api(client, user).headers)


def test_the_clue_detail_carries_the_basis_and_the_decision(city, campaign, client):
    file(city.officer_a, campaign, [item("GJ2")])
    clue, subject = substantiated_clue(city)
    answer = clue_detail(client, city.leader_a, clue.pk)
    assert answer.status_code == 200
    (shown,) = [s for s in answer.json()["subjects"] if s["id"] == subject.pk]
    leniency = Api(client, city.leader_a).get(f"/leniency/{subject.pk}").json()
    assert shown["leniency"] == leniency
    assert shown["leniency"]["basis"] == "before" and shown["leniency"]["decision"] is None

    decided = Api(client, city.leader_a).post(
        f"/leniency/{subject.pk}/decision", {"basis": "before", "version": 0}
    )
    assert decided.status_code == 200
    again = clue_detail(client, city.leader_a, clue.pk).json()
    (shown,) = [s for s in again["subjects"] if s["id"] == subject.pk]
    assert shown["leniency"]["decision"]["basis"] == "before"
    assert shown["leniency"]["decision"]["version"] == 1


def test_without_the_plug_in_the_field_is_empty(city, campaign, client):
    file(city.officer_a, campaign, [item("GJ2")])
    clue, subject = substantiated_clue(city)
    provider = hooks.CLUE_SUBJECT_LENIENCY.get("selfreports.leniency")
    hooks.CLUE_SUBJECT_LENIENCY.unregister("selfreports.leniency")
    try:
        answer = clue_detail(client, city.leader_a, clue.pk).json()
    finally:
        hooks.CLUE_SUBJECT_LENIENCY.register("selfreports.leniency", provider)
    assert all(s["leniency"] is None for s in answer["subjects"])


def test_the_detail_reads_the_basis_once_per_clue(city, campaign, client):
    """Whatever the number of subjects, the provider runs once for the clue (not per subject)."""
    file(city.officer_a, campaign, [item("GJ2")])
    clue, subject = substantiated_clue(city)
    calls = []
    provider = hooks.CLUE_SUBJECT_LENIENCY.get("selfreports.leniency")

    def counting(user, c, subjects):
        calls.append(len(subjects))
        return provider(user, c, subjects)

    hooks.CLUE_SUBJECT_LENIENCY.register("selfreports.leniency", counting)
    try:
        assert clue_detail(client, city.leader_a, clue.pk).status_code == 200
    finally:
        hooks.CLUE_SUBJECT_LENIENCY.register("selfreports.leniency", provider)
    assert calls == [clue.subjects.count()]
