"""The review of a submitted report's item by discipline staff through the API: 核实情况 with its
outcome (guarded by the review's version: 409 when someone saved it since) and 转为问题线索.
Nobody reviews or converts their own report (回避: 403)."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Router, Status

from zhengdun.accounts.models import User
from zhengdun.core.api import BODY_RESPONSES, COMMON_RESPONSES, ErrorOut, actor, path_id
from zhengdun.selfreports import actions
from zhengdun.selfreports.api.schemas import ConvertOut, ItemReviewIn, SelfReportItemOut, report_out
from zhengdun.selfreports.models import SelfReport, SelfReportItem
from zhengdun.selfreports.views.common import load_report

router = Router(tags=["自查事项：核实与转化"])
ItemId = Annotated[int, path_id("自查事项ID")]
ANSWERS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _item(user: User, pk: int) -> tuple[SelfReportItem, SelfReport]:
    """The item, when its report is in the user's sight (else 404, as if it did not exist)."""
    item = SelfReportItem.objects.select_related("category").filter(pk=pk).first()
    if item is None:
        raise Http404
    return item, load_report(user, item.report_id)


@router.put(
    "/items/{item_id}/review",
    response={200: SelfReportItemOut, **ANSWERS, **BODY_RESPONSES},
    summary="核实自查事项",
    description="填写核实情况和处理结果。首次核实 version 为0；再次核实提交读取时的 version，已被他人修改时返回409。"
    "只能核实已提交的当前版本中的事项。",
)
def review(request: HttpRequest, item_id: ItemId, payload: ItemReviewIn) -> Any:
    user = actor(request)
    item, report = _item(user, item_id)
    actions.review_item(
        user, item, check_note=payload.check_note, outcome=payload.outcome, version=payload.version
    )
    shown = report_out(user, report)
    return next(i for i in shown["items"] if i["id"] == item.pk)


@router.post(
    "/items/{item_id}/convert",
    response={201: ConvertOut, **ANSWERS, **COMMON_RESPONSES},
    summary="转为问题线索",
    description="登记一条来源为“自查转化”的问题线索（被反映人为报告人），与该事项相互关联。"
    "同一事项只能转化一次，重复转化返回422。",
)
def convert(request: HttpRequest, item_id: ItemId) -> Any:
    user = actor(request)
    item, _ = _item(user, item_id)
    clue = actions.convert_item_to_clue(user, item)
    return Status(201, {"clue_id": clue.pk, "clue_number": clue.number})
