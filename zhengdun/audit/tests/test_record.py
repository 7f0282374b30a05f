"""record() inside an action: exactly one entry, written in the action's own transaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from zhengdun.audit.chain import check_chain
from zhengdun.audit.models import ChainHead, Entry
from zhengdun.core.testing import make_id_number
from zhengdun.org import actions as org_actions


def _new_person(city, **extra):
    values = {
        "name": "孙立",
        "unit": city.court_a,
        "gender": "M",
        "police_no": "A900001",
        "position": "书记员",
    }
    values.update(extra)
    return org_actions.create_person(city.office_handler, id_number=make_id_number(901), **values)


def test_it_writes_one_entry_per_action(city):
    before = Entry.objects.count()
    person = _new_person(city)
    new = list(Entry.objects.filter(seq__gt=before).order_by("seq"))
    assert len(new) == 1
    entry = new[0]
    assert entry.action == "person.created"
    assert entry.actor_id == city.office_handler.pk
    assert (entry.object_type, entry.object_id) == ("org.person", str(person.pk))
    assert entry.data["after"]["name"] == "孙立"
    assert check_chain().intact


def test_it_leaves_no_entry_when_the_change_rolls_back(city):
    before_count = Entry.objects.count()
    head = ChainHead.objects.get(id=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _new_person(city)
        assert Entry.objects.count() == before_count + 1  # written inside the transaction …
        raise RuntimeError("something later in the same request failed")
    assert Entry.objects.count() == before_count  # … and gone with it
    assert ChainHead.objects.get(id=1).seq == head.seq
    assert check_chain().intact
    # the next entry reuses the seq the rolled-back one had, so the chain has no gap
    _new_person(city)
    assert Entry.objects.order_by("-seq").first().seq == head.seq + 1
    assert check_chain().intact


def test_it_leaves_no_entry_for_a_refused_change(city):
    before = Entry.objects.count()
    with pytest.raises(ValidationError):
        _new_person(city, police_no=city.people["judge_a"].police_no)
    assert Entry.objects.count() == before
