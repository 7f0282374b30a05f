"""工期模板 through the API (the office's configuration): list, create and change a template.
A problem's plan keeps the durations it was made with; new problems use the changed template."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Count, Prefetch
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.core.api import BODY_RESPONSES, COMMON_RESPONSES, ErrorOut, actor, path_id
from zhengdun.rectification import actions
from zhengdun.rectification.api import schemas
from zhengdun.rectification.api._shared import as_422
from zhengdun.rectification.api.problems import category_by_code
from zhengdun.rectification.models import MilestoneTemplate, TemplateStep

router = Router(tags=["工期模板"])

TemplateId = Annotated[int, path_id("工期模板ID")]
CONFIGURE = "rectification.configure"
RESPONSES: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES}


def _templates() -> Any:
    return (
        MilestoneTemplate.objects.select_related("category")
        .prefetch_related(Prefetch("steps", queryset=TemplateStep.objects.order_by("position")))
        .annotate(used=Count("problem"))
    )


def _out(t: MilestoneTemplate) -> dict[str, Any]:
    steps = [{"name": s.name, "workdays": s.workdays} for s in t.steps.all()]
    c = t.category
    return {
        "id": t.pk,
        "name": t.name,
        "category": {"id": c.pk, "code": c.code, "name": c.name} if c else None,
        "steps": steps,
        "total_workdays": sum(s["workdays"] for s in steps),
        "used": getattr(t, "used", 0),
        "version": t.version,
    }


def _save(request: HttpRequest, template: MilestoneTemplate | None, payload: schemas.RectTemplateIn) -> Any:
    user = actor(request)
    category = category_by_code(payload.category).pk if payload.category else None
    with as_422():
        saved = actions.save_template(
            user,
            template,
            name=payload.name,
            category=category,
            steps=[(s.name, s.workdays) for s in payload.steps],
            version=getattr(payload, "version", None),
        )
    return _out(_templates().get(pk=saved.pk))


@router.get(
    "/templates",
    response={200: list[schemas.RectTemplateOut], 403: ErrorOut, **COMMON_RESPONSES},
    summary="工期模板",
    description="各问题类别的工期模板（节点与工期）；没有专用模板的类别使用默认模板。仅教育整顿办。",
)
def list_templates(request: HttpRequest) -> Any:
    permissions.require(actor(request), CONFIGURE)
    return [_out(t) for t in _templates()]


@router.post(
    "/templates",
    response={201: schemas.RectTemplateOut, **RESPONSES},
    summary="新建工期模板",
    description="为一个问题类别（或作为默认）新建模板；该类别已有模板时返回422。仅教育整顿办。",
)
def create_template(request: HttpRequest, payload: schemas.RectTemplateIn) -> Any:
    permissions.require(actor(request), CONFIGURE)
    return Reply(201, _save(request, None, payload))


@router.put(
    "/templates/{template_id}",
    response={200: schemas.RectTemplateOut, **RESPONSES},
    summary="修改工期模板",
    description=(
        "整体替换模板名称、适用类别和节点；须提交读取时的 version，已被他人修改时返回409。"
        "已制定的工期计划不受影响，新登记的问题按新模板倒排。仅教育整顿办。"
    ),
)
def update_template(request: HttpRequest, template_id: TemplateId, payload: schemas.RectTemplatePatch) -> Any:
    permissions.require(actor(request), CONFIGURE)
    template = MilestoneTemplate.objects.filter(pk=template_id).first()
    if template is None:
        from django.http import Http404

        raise Http404("未找到该工期模板")
    return _save(request, template, payload)
