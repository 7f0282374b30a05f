"""Every list answers a page number out of range or not a number with its last or first page
(core.listing.page_of, the one pager; Django's Paginator.get_page for the org and user lists),
never a 500 (issue #11: /clues/notifications/?page=99999999999999999999 answered 500)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from zhengdun.core import listing
from zhengdun.org.models import Unit

BAD_PAGES = ["99999999999999999999", "-1", "abc", "0", "1.5", "", "１", "2e5"]

# (list, who may read it)
LISTS = [
    ("/clues/", "office_handler"),
    ("/clues/notifications/", "office_handler"),
    ("/selfreports/", "office_handler"),
    ("/rectification/problems/", "office_handler"),
    ("/rectification/institutions/", "office_handler"),
    ("/org/units/", "office_handler"),
    ("/org/people/", "office_handler"),
    ("/accounts/users/", "secadmin"),
    ("/audit/", "auditor"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "who"), LISTS)
def test_it_answers_any_page_number_on_every_list(city: Any, url: str, who: str) -> None:
    client = Client()
    client.force_login(city.users[who])
    for page in BAD_PAGES:
        response = client.get(url, {"page": page, "before": page, "after": page})
        assert response.status_code == 200, (url, page)


@given(st.text(max_size=30))
def test_it_reads_any_text_as_a_page_between_1_and_the_maximum(raw: str) -> None:
    number = listing.page_number(raw)
    assert 1 <= number <= listing.MAX_PAGE
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= listing.MAX_PAGE:
        assert number == int(raw)


def test_it_reads_out_of_range_page_numbers_as_first_or_maximum() -> None:
    assert listing.page_number("99999999999999999999") == listing.MAX_PAGE
    assert listing.page_number("-1") == 1
    assert listing.page_number("abc") == 1
    assert listing.page_number(None) == 1
    assert listing.page_number("3") == 3


@pytest.fixture
def pages_of_three(monkeypatch: Any) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZES", (3,))
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)


@pytest.mark.django_db
@pytest.mark.usefixtures("pages_of_three")
def test_it_shows_the_last_page_past_the_end(city: Any) -> None:
    units = Unit.objects.order_by("pk")
    total = units.count()
    assert total > 6  # three pages at least
    last = listing.page_of(units, "99999999999999999999", None)
    size = last.per_page
    assert last.number == -(-total // size) > 1
    assert last.rows and last.rows[-1] == units.last()
    assert listing.page_of(units, "-1", None).number == 1
    assert listing.page_of(units, "abc", None).rows[0] == units.first()


@pytest.mark.django_db
@pytest.mark.usefixtures("pages_of_three")
def test_it_shows_the_last_page_of_a_capped_list_past_the_end(city: Any, settings: Any) -> None:
    # a count stopped at the cap does not know the last page: one exact count finds it
    settings.LIST_COUNT_CAP = 2
    units = Unit.objects.order_by("pk")
    total = units.count()
    page = listing.page_of(units, "99999999999999999999", None)
    assert page.capped
    assert page.number == -(-total // 3) > 1
    assert page.rows and page.rows[-1] == units.last()
    assert not page.has_next
    assert listing.page_of(units, "2", None).rows == list(units[3:6])
