"""The API's choice types (api.schemas SourceCode, StatusFilter, ReopenKind) are spelled-out
Literals so that mypy takes them as types; they must stay the models' choices, and the OpenAPI
schema an enum of them."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from django.test import Client

from zhengdun.rectification.api import schemas
from zhengdun.rectification.models import ProblemSource, Reopening
from zhengdun.rectification.status import ProblemStatus

CHOICES = [
    (schemas.SourceCode, ProblemSource.values),
    (schemas.StatusFilter, [*ProblemStatus.values, "open"]),
    (schemas.ReopenKind, Reopening.Kind.values),
]


@pytest.mark.parametrize(("literal", "values"), CHOICES)
def test_it_spells_exactly_the_models_choices(literal: Any, values: list[str]) -> None:
    assert list(get_args(literal)) == list(values)


def _enum(prop: dict[str, Any]) -> list[str]:
    """The enum of a property, optional ones being anyOf [enum, null]."""
    if "enum" in prop:
        return list(prop["enum"])
    return next(list(p["enum"]) for p in prop["anyOf"] if "enum" in p)


def test_the_schema_describes_each_choice_as_an_enum_of_the_values(db: Any, client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    components = doc["components"]["schemas"]
    assert _enum(components["RectProblemIn"]["properties"]["source"]) == ProblemSource.values
    assert _enum(components["RectReopenIn"]["properties"]["kind"]) == Reopening.Kind.values
    listing = doc["paths"]["/api/v1/rectification/problems"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in listing}
    assert _enum(by_name["status"]) == [*ProblemStatus.values, "open"]
    assert _enum(by_name["source"]) == ProblemSource.values
