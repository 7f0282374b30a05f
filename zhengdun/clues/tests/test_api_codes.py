"""The codes the clue API accepts are spelled out as Literal types (so mypy reads them as
types); each must stay exactly its model's choices, or a new choice would be refused by the API
(or a removed one accepted)."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from zhengdun.clues.api import inputs
from zhengdun.clues.filters import SORTS
from zhengdun.clues.models import (
    Disposition,
    Feedback,
    MeasureKind,
    ReportingMode,
    Result,
    Sensitivity,
    SupervisionLevel,
    Transfer,
)


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (inputs.DispositionCode, Disposition.values),
        (inputs.ResultCode, Result.values),
        (inputs.MeasureCode, MeasureKind.values),
        (inputs.ReportingModeCode, ReportingMode.values),
        (inputs.SensitivityCode, Sensitivity.values),
        (inputs.TransferTarget, Transfer.Target.values),
        (inputs.FeedbackMethod, Feedback.Method.values),
        (inputs.FeedbackOpinion, Feedback.Opinion.values),
        (inputs.SortCode, list(SORTS)),
        (inputs.SupervisionCode, [v for v in SupervisionLevel.values if v]),
    ],
)
def test_each_code_literal_is_its_models_choices(literal: Any, values: list[str]) -> None:
    assert list(get_args(literal)) == list(values)
