"""The code tables of the clue API: every code a request may send or an answer may carry, with
its Chinese name, so an integration never hard-codes them."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Any

from django.http import HttpRequest

from zhengdun.clues import actions
from zhengdun.clues.api import schemas
from zhengdun.clues.api._common import router
from zhengdun.clues.filters import SORT_LABELS
from zhengdun.clues.models import (
    MEASURE_GROUPS,
    MEASURE_XINGTAI,
    STATUS_COLOURS,
    XINGTAI_LABELS,
    Category,
    Channel,
    Disposition,
    Feedback,
    MeasureKind,
    ReportingMode,
    Result,
    Sensitivity,
    Status,
    SupervisionLevel,
    Transfer,
)
from zhengdun.core.api import COMMON_RESPONSES


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"code": value, "label": label} for value, label in choices]


@router.get(
    "/reference",
    response={200: schemas.ClueReferenceOut, **COMMON_RESPONSES},
    summary="代码表",
    description="线索来源、问题类别、状态、处置方式、核查结论、处理措施及其形态、督办等级等代码与中文名称。",
)
def reference(request: HttpRequest) -> Any:
    group_of = {kind: group for group, kinds in MEASURE_GROUPS.items() for kind in kinds}
    return {
        "channels": [{"code": c.code, "label": c.name} for c in Channel.objects.filter(is_active=True)],
        "categories": [
            {"code": c.code, "name": c.name, "is_national": c.is_national}
            for c in Category.objects.filter(is_active=True)
        ],
        "statuses": [
            {"code": s.value, "label": s.label, "colour": STATUS_COLOURS.get(s, "grey")} for s in Status
        ],
        "dispositions": _choices(Disposition.choices),
        "results": _choices(Result.choices),
        "measure_kinds": [
            {"code": k.value, "label": k.label, "xingtai": MEASURE_XINGTAI[k], "group": group_of.get(k, "")}
            for k in MeasureKind
        ],
        "xingtai": [{"code": n, "label": label} for n, label in XINGTAI_LABELS.items()],
        "supervision_levels": _choices(c for c in SupervisionLevel.choices if c[0]),
        "supervision_reasons": list(actions.SUPERVISION_REASONS),
        "transfer_targets": _choices(Transfer.Target.choices),
        "feedback_methods": _choices(Feedback.Method.choices),
        "feedback_opinions": _choices(c for c in Feedback.Opinion.choices if c[0]),
        "reporting_modes": _choices(ReportingMode.choices),
        "sensitivities": _choices(Sensitivity.choices),
        "sorts": [{"code": k, "label": v} for k, v in SORT_LABELS.items()],
    }
