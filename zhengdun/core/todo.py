"""The home page's to-do cards: each capability contributes counts for the signed-in user.

Counts go through accounts.permissions.scope(), like every other read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from zhengdun.accounts import permissions


@dataclass
class Card:
    label: str
    value: int
    unit: str
    url: str
    tone: str = ""  # badge colour when the number needs attention


def todo_cards(user: Any) -> list[Card]:
    from zhengdun.org.models import Person, Unit

    cards: list[Card] = []
    if permissions.has_permission(user, "org.view_unit"):
        units = permissions.scope(user, "org.view_unit", Unit.objects.filter(is_active=True)).count()
        cards.append(Card("辖区单位", units, "个", reverse("org:unit_list")))
    if permissions.has_permission(user, "org.view_person"):
        people = permissions.scope(
            user, "org.view_person", Person.objects.filter(status=Person.Status.ACTIVE)
        )
        cards.append(Card("在职干警", people.count(), "名", reverse("org:person_list")))
    return cards
