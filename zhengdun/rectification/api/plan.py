"""倒排工期 through the API: change milestone durations (the plan is scheduled back from the
deadline again, what moved is recorded) and mark a milestone done."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router

from zhengdun.core.api import BODY_RESPONSES, ErrorOut, actor, path_id
from zhengdun.rectification import actions
from zhengdun.rectification.api import schemas
from zhengdun.rectification.api._shared import (
    as_422,
    load_milestone,
    load_problem,
    require_on,
    require_open,
)
from zhengdun.rectification.api.problems import detail, milestone_out

router = Router(tags=["工期计划"])

ProblemId = Annotated[int, path_id("问题ID")]
MilestoneId = Annotated[int, path_id("工期节点ID")]
RESPONSES: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES}


@router.post(
    "/problems/{problem_id}/plan",
    response={200: schemas.RectPlanOut, **RESPONSES},
    summary="调整节点工期",
    description=(
        "修改若干节点的工期（按 position），从整改时限重新倒排并记录各节点的移动；工期不足时标记，不拒绝。"
        "须提交问题的 version（已被他人修改时返回409）和调整原因。已销号的问题返回422。"
    ),
)
def change_plan(request: HttpRequest, problem_id: ProblemId, payload: schemas.RectPlanIn) -> Any:
    user = actor(request)
    problem = load_problem(user, problem_id)
    require_on(user, "rectification.register", problem, "您没有修改该问题的权限")
    require_open(problem)
    durations: dict[int, Any] = {}
    for row in payload.workdays:
        durations[row.position] = row.workdays
    # the action names an unknown position "__all__" and a bad duration workdays_<position>
    with as_422({f"workdays_{p}": "workdays" for p in durations}):
        plan = actions.set_milestone_workdays(
            user, problem, durations, version=payload.version, reason=payload.reason
        )
    return {
        "fits": plan.fits,
        "shortfall": plan.shortfall,
        "milestones": [milestone_out(m) for m in problem.milestones.order_by("position")],
    }


@router.post(
    "/milestones/{milestone_id}/done",
    response={200: schemas.RectProblemDetail, **RESPONSES},
    summary="标记节点完成",
    description="以实际完成日期（不晚于今天）标记工期节点完成；已标记的节点返回409。成功时返回问题详情。",
)
def milestone_done(
    request: HttpRequest, milestone_id: MilestoneId, payload: schemas.RectMilestoneDoneIn
) -> Any:
    user = actor(request)
    milestone = load_milestone(user, milestone_id)
    require_on(user, "rectification.report", milestone.problem, "您没有报告该问题整改进展的权限")
    require_open(milestone.problem)
    with as_422():
        actions.complete_milestone(user, milestone, payload.done_on)
    return detail(user, milestone.problem_id)
