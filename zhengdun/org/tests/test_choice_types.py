"""The API's choice types (org.api UnitType, PersonStatus, Gender) are spelled-out Literals so
that mypy takes them as types; they must stay the models' choices, and the schema an enum of them."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from django.test import Client

from zhengdun.org import api
from zhengdun.org.models import Person, Unit

CHOICES = [
    (api.UnitType, Unit.Type.values),
    (api.PersonStatus, Person.Status.values),
    (api.Gender, Person.Gender.values),
]


@pytest.mark.parametrize(("literal", "values"), CHOICES)
def test_it_spells_exactly_the_models_choices(literal: Any, values: list[str]) -> None:
    assert list(get_args(literal)) == list(values)


def test_it_describes_each_choice_as_an_enum_of_the_values(db: Any, client: Client) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["UnitOut"]["properties"]["type"]["enum"] == Unit.Type.values
    assert schemas["PersonOut"]["properties"]["gender"]["enum"] == Person.Gender.values
    assert schemas["PersonOut"]["properties"]["status"]["enum"] == Person.Status.values
    patch_status = schemas["PersonPatch"]["properties"]["status"]["anyOf"]
    assert {"enum": Person.Status.values, "type": "string"} in patch_status
