"""`zhengdun seed --clues N` (clues.bulkload): rows written through the driver must be the same
clues the ORM would have written — complete, searchable, and leaving the database ready for
ordinary registration afterwards (SQLite's FTS trigger back, PostgreSQL's id sequence moved)."""

from django.db import connection

from zhengdun.clues import search
from zhengdun.clues.models import Clue, ClueSubject, SearchText, Sensitivity, Status, SupervisionLevel
from zhengdun.clues.seeding import bulk_clues
from zhengdun.clues.tests.domain_helpers import register


def test_it_writes_complete_clues(city):
    before = Clue.objects.count()
    assert bulk_clues(57, batch=20) == 57
    new = Clue.objects.order_by("id")[before:]
    assert len(new) == 57
    for clue in new:
        assert clue.number.endswith(f"B{clue.pk:09d}")
        assert clue.owner_unit_id == city.office.pk
        assert (
            clue.version == 1
            and clue.supervision_level == SupervisionLevel.NONE
            and clue.reporter_cipher == ""
        )
        assert clue.sensitivity in Sensitivity.values
        assert (clue.handling_unit_id is None) == (clue.status == Status.REGISTERED)
        assert (clue.closed_on is not None) == (clue.status in (Status.CLOSED, Status.ARCHIVED))
        assert clue.categories.count() == 1
        assert clue.categories_at_receipt == [clue.categories.get().pk]
        assert ClueSubject.objects.filter(clue=clue).count() == 1
        assert SearchText.objects.filter(clue=clue).exists()


def test_its_clues_are_found_by_search_exactly(city):
    bulk_clues(80, batch=30)
    name = ClueSubject.objects.order_by("-id").values_list("name", flat=True)[0]
    found = set(search.filter_clues(Clue.objects.all(), name).values_list("pk", flat=True))
    expected = {
        c.pk
        for c in Clue.objects.prefetch_related("subjects")
        if name in c.summary or name in c.content or any(name in s.name for s in c.subjects.all())
    }
    assert found == expected and found


def test_registration_works_as_usual_afterwards(city):
    bulk_clues(10)
    top = Clue.objects.order_by("-id").values_list("pk", flat=True)[0]
    clue = register(city, summary="反映某警员参与地下钱庄洗钱")
    assert clue.pk > top
    assert list(search.filter_clues(Clue.objects.all(), "钱庄").values_list("pk", flat=True)) == [clue.pk]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'clues_fts_ai'"
            )
            assert cursor.fetchone()[0] == 1


def test_a_second_load_appends(city):
    bulk_clues(5)
    first = set(Clue.objects.values_list("number", flat=True))
    bulk_clues(5, seed=2)
    assert Clue.objects.count() == len(first) + 5
    assert first < set(Clue.objects.values_list("number", flat=True))
