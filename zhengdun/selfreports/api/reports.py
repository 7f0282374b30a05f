"""Self-reports through the API: 我的自查 (the officer's own report), 代为填报 (discipline staff on
behalf of an officer of their subtree), a draft's items, related persons and attachments,
submitting, 更正 (a new version), and the scoped list and detail.

Every read goes through accounts.permissions.scope (a report out of reach answers 404, as one
that does not exist; an officer sees only their own), every write through selfreports.actions:
a draft is guarded by its `revision` (409 when someone saved or submitted it since).
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Annotated, Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.params.functions import Path as PathParam

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core import files
from zhengdun.core.api import (
    BODY_RESPONSES,
    COMMON_RESPONSES,
    MAX_ID,
    ErrorOut,
    actor,
    field_error,
    page,
    path_id,
    refuse_unknown_params,
)
from zhengdun.org.models import Person, Unit
from zhengdun.selfreports import actions
from zhengdun.selfreports.api.schemas import (
    ItemChangeIn,
    MineOut,
    RevisionIn,
    RevisionQuery,
    SelfReportDraftIn,
    SelfReportFilters,
    SelfReportItemIn,
    SelfReportOut,
    SelfReportPage,
    SelfReportStartIn,
    campaign_out,
    report_out,
    report_row,
)
from zhengdun.selfreports.filters import filter_reports
from zhengdun.selfreports.models import Campaign, ReportStatus, SelfReport, SelfReportAttachment
from zhengdun.selfreports.views.common import REPORTS, load_report, visible_reports

router = Router(tags=["自查事项：自查报告"])
ReportId = Annotated[int, path_id("自查报告ID")]
# the item's key (hex, the same in every version of the report); an unknown one answers 404
ItemKey = Annotated[
    str, PathParam(min_length=1, max_length=32, pattern="^[0-9a-f]+$", description="事项标识")
]
WRITE = {200: SelfReportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES}


def _report(user: User, pk: int) -> SelfReport:
    return load_report(user, pk)


def _fresh(user: User, report: SelfReport) -> dict[str, Any]:
    return report_out(user, REPORTS.get(pk=report.pk))


def _current_items(report: SelfReport) -> list[dict[str, Any]]:
    """The draft's items as save_draft takes them, every attachment kept."""
    rows = report.items.prefetch_related("related_persons", "attachments").order_by("seq")
    return [
        {
            "key": i.key,
            "category": i.category_id,
            "gj2_subtype": i.gj2_subtype,
            "description": i.description,
            "period_from": i.period_from,
            "period_to": i.period_to,
            "amount": i.amount,
            "related_persons": [
                {"name": p.name, "relation": p.relation, "detail": p.detail}
                for p in i.related_persons.order_by("id")
            ],
            "keep_attachments": [a.pk for a in i.attachments.all()],
            "uploads": [],
        }
        for i in rows
    ]


def _item_input(item: SelfReportItemIn, key: str = "", keep: list[int] | None = None) -> dict[str, Any]:
    values = item.dict()
    values["category"] = values.pop("category_id")
    values["key"] = key
    if values["keep_attachments"] is None:
        values["keep_attachments"] = keep or []
    values["uploads"] = []
    return values


def _save(user: User, report: SelfReport, items: list[dict[str, Any]], revision: int) -> dict[str, Any]:
    actions.save_draft(
        user,
        report,
        items=items,
        declares_nothing=report.declares_nothing and not items,
        correction_reason=report.correction_reason,
        revision=revision,
    )
    return _fresh(user, report)


def _position(items: list[dict[str, Any]], key: str) -> int:
    for n, row in enumerate(items):
        if row["key"] == key:
            return n
    raise Http404


# --- 我的自查 and starting a report ---------------------------------------------------------------


@router.get(
    "/mine",
    response={200: MineOut, 403: ErrorOut, **COMMON_RESPONSES},
    summary="我的自查",
    description="当前进行的教育整顿中本人的自查报告：当前有效版本、未提交的草稿及全部版本。本人看不到核实情况。",
)
def mine(request: HttpRequest) -> Any:
    refuse_unknown_params(request)
    user = actor(request)
    permissions.require(user, "selfreports.file_own")
    campaign = Campaign.active()
    person_id = actions.own_person_id(user)
    result: dict[str, Any] = {"campaign": None, "current": None, "draft": None, "versions": []}
    if campaign is None:
        return result
    result["campaign"] = campaign_out(campaign)
    if not person_id:
        return result
    versions = list(REPORTS.filter(campaign=campaign, person_id=person_id).order_by("version"))
    result["versions"] = [report_row(r) for r in versions]
    current = REPORTS.current().filter(campaign=campaign, person_id=person_id).first()
    draft = next((r for r in versions if r.status == ReportStatus.DRAFT), None)
    result["current"] = report_out(user, current) if current else None
    result["draft"] = report_out(user, draft) if draft else None
    return result


@router.post(
    "/reports",
    response={201: SelfReportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES},
    summary="开始填写自查报告（本人或代为填报）",
    description="不提交 person_id 时为本人的自查报告；提交时为代为填报（本单位管辖范围内的在职干警，不含本人）。"
    "已有草稿时返回409。",
)
def start(request: HttpRequest, payload: SelfReportStartIn) -> Any:
    user = actor(request)
    if payload.campaign_id is None:
        campaign = Campaign.active()
        if campaign is None:
            raise field_error("campaign_id", "当前没有进行中的教育整顿")
    else:
        campaign = Campaign.objects.filter(pk=payload.campaign_id).first()
        if campaign is None:
            raise field_error("campaign_id", "教育整顿不存在")
    person = None
    if payload.person_id is not None:
        permissions.require(user, "selfreports.file")
        person = (
            permissions.scope(user, "selfreports.file", Person.objects.select_related("unit"))
            .filter(pk=payload.person_id)
            .first()
        )
        if person is None:
            raise Http404
    report = actions.start_draft(user, campaign=campaign, person=person)
    return Status(201, _fresh(user, report))


# --- the list and a report ---------------------------------------------------------------------


@router.get(
    "/reports",
    response={200: SelfReportPage, 403: ErrorOut, **COMMON_RESPONSES},
    summary="自查报告列表",
    description="您可查看的自查报告（当前有效版本，或草稿），分页。不支持的筛选条件返回422。",
)
def list_reports(request: HttpRequest, filters: Query[SelfReportFilters]) -> Any:
    refuse_unknown_params(request, SelfReportFilters)
    user = actor(request)
    permissions.require(user, "selfreports.view")
    params: dict[str, Any] = {
        "campaign": filters.campaign,
        "category": filters.category,
        "reviewed": filters.reviewed,
        "outcome": filters.outcome,
        "q": filters.q,
        "status": filters.status,
    }
    if filters.late is not None:
        params["late"] = "1" if filters.late else "0"
    reports = visible_reports(user)
    if filters.unit is not None:
        unit = permissions.scope(user, "selfreports.view", Unit.objects.all()).filter(pk=filters.unit).first()
        # a unit out of reach lists nothing rather than saying whether it exists
        reports = reports.none() if unit is None else reports
        params["unit"] = unit
    rows = filter_reports(reports, params).select_related("campaign", "person", "unit", "filed_by")
    result = page(rows, filters)
    result["items"] = [report_row(r) for r in result["items"]]
    return result


@router.get(
    "/reports/{report_id}",
    response={200: SelfReportOut, 404: ErrorOut, **COMMON_RESPONSES},
    summary="自查报告详情",
    description="含全部事项；核实情况仅向有核实权限的纪检人员显示，不向本人显示。不可查看的返回404。",
)
def get_report(request: HttpRequest, report_id: ReportId) -> Any:
    refuse_unknown_params(request)
    user = actor(request)
    return report_out(user, _report(user, report_id))


# --- the draft ------------------------------------------------------------------------------------


@router.put(
    "/reports/{report_id}/draft",
    response=WRITE,
    summary="保存草稿（整体）",
    description="以提交的事项整体替换草稿的事项。任何一项有误时整体不保存，返回422（字段为 items.<序号>.<字段>）。",
)
def save_draft(request: HttpRequest, report_id: ReportId, payload: SelfReportDraftIn) -> Any:
    user = actor(request)
    report = _report(user, report_id)
    existing = {row["key"]: row["keep_attachments"] for row in _current_items(report)}
    items = [_item_input(i, i.key, existing.get(i.key)) for i in payload.items]
    actions.save_draft(
        user,
        report,
        items=items,
        declares_nothing=payload.declares_nothing,
        correction_reason=payload.correction_reason,
        revision=payload.revision,
    )
    return _fresh(user, report)


@router.post(
    "/reports/{report_id}/items",
    response={**WRITE, 201: SelfReportOut},
    summary="添加自查事项",
)
def add_item(request: HttpRequest, report_id: ReportId, payload: ItemChangeIn) -> Any:
    user = actor(request)
    report = _report(user, report_id)
    items = [*_current_items(report), _item_input(payload.item)]
    return Status(201, _save(user, report, items, payload.revision))


@router.put(
    "/reports/{report_id}/items/{key}",
    response=WRITE,
    summary="修改自查事项",
    description="替换该事项的内容（含相关人员）；keep_attachments 缺省时保留其全部附件。",
)
def change_item(request: HttpRequest, report_id: ReportId, key: ItemKey, payload: ItemChangeIn) -> Any:
    user = actor(request)
    report = _report(user, report_id)
    items = _current_items(report)
    n = _position(items, key)
    items[n] = _item_input(payload.item, key, items[n]["keep_attachments"])
    return _save(user, report, items, payload.revision)


@router.delete(
    "/reports/{report_id}/items/{key}",
    response=WRITE,
    summary="删除自查事项",
)
def remove_item(request: HttpRequest, report_id: ReportId, key: ItemKey, query: Query[RevisionQuery]) -> Any:
    refuse_unknown_params(request, RevisionQuery)
    user = actor(request)
    report = _report(user, report_id)
    items = _current_items(report)
    del items[_position(items, key)]
    return _save(user, report, items, query.revision)


@router.post(
    "/reports/{report_id}/items/{key}/attachments",
    response={**WRITE, 201: SelfReportOut},
    summary="上传事项附件",
    description="PDF、图片或 Office 文档（按文件内容识别类型），每项最多10个。",
)
def upload(
    request: HttpRequest,
    report_id: ReportId,
    key: ItemKey,
    file: UploadedFile = File(..., description="附件文件"),  # noqa: B008 - ninja's parameter marker
    revision: int = Form(..., ge=0, le=MAX_ID, description="读取草稿时的 revision"),  # noqa: B008
) -> Any:
    user = actor(request)
    report = _report(user, report_id)
    items = _current_items(report)
    items[_position(items, key)]["uploads"] = [file]
    return Status(201, _save(user, report, items, revision))


@router.post(
    "/reports/{report_id}/submit",
    response=WRITE,
    summary="提交自查报告",
    description="提交后不能再修改（如需修改请更正）。截止后提交的标记为逾期。",
)
def submit(request: HttpRequest, report_id: ReportId, payload: RevisionIn) -> Any:
    user = actor(request)
    report = _report(user, report_id)
    actions.submit(user, report, revision=payload.revision)
    return _fresh(user, report)


@router.post(
    "/reports/{report_id}/correct",
    response={201: SelfReportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_RESPONSES},
    summary="更正自查报告",
    description="以当前有效的已提交版本为底稿，新建下一版的更正草稿；原版本保留不变。已有更正草稿时返回409。",
)
def correct(request: HttpRequest, report_id: ReportId) -> Any:
    user = actor(request)
    draft = actions.start_correction(user, _report(user, report_id))
    return Status(201, _fresh(user, draft))


@router.delete(
    "/reports/{report_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_RESPONSES},
    summary="放弃草稿",
    description="只能放弃未提交的草稿；已提交的返回409。",
)
def discard(request: HttpRequest, report_id: ReportId) -> Any:
    user = actor(request)
    actions.discard_draft(user, _report(user, report_id))
    return Status(204, None)


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, 404: ErrorOut, **COMMON_RESPONSES},
    summary="下载事项附件",
    description="可查看该报告者可下载；每次下载记入审计日志。",
)
def attachment(request: HttpRequest, attachment_id: Annotated[int, path_id("附件ID")]) -> FileResponse:
    refuse_unknown_params(request)
    user = actor(request)
    row = SelfReportAttachment.objects.select_related("item").filter(pk=attachment_id).first()
    if row is None:
        raise Http404
    report = _report(user, row.item.report_id)
    return files.serve(user, row, "selfreport.attachment_downloaded", report)
