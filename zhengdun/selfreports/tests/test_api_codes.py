"""The codes the self-report API accepts are spelled out in api/schemas.py (a Literal built from
the choices at runtime is no type to mypy): each must stay exactly its model's choices."""

from typing import get_args

import pytest

from zhengdun.selfreports import leniency
from zhengdun.selfreports.api import schemas
from zhengdun.selfreports.models import Gj2Subtype, Outcome, Relation, Stage


@pytest.mark.parametrize(
    ("alias", "values"),
    [
        (schemas.StageCode, Stage.values),
        (schemas.RelationCode, Relation.values),
        (schemas.OutcomeCode, Outcome.values),
        (schemas.Gj2Code, ["", *Gj2Subtype.values]),
        (schemas.BasisCode, [b.value for b in leniency.Basis]),
    ],
)
def test_it_accepts_exactly_the_model_choices(alias, values):
    assert list(get_args(alias)) == list(values)
