"""对账销号 and 重新整改 through the API, with the same checks as the page: the office only, every
task at 100%, the check against the standard, at least one evidence file, never by the
problem's own responsible leader or person (回避); reopening only a closed problem."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile

from zhengdun.core.api import BODY_RESPONSES, ErrorOut, actor, path_id
from zhengdun.core.errors import ConflictError
from zhengdun.rectification import actions
from zhengdun.rectification.api import schemas
from zhengdun.rectification.api._shared import as_422, load_problem, require_on
from zhengdun.rectification.api.problems import detail

router = Router(tags=["对账销号"])

ProblemId = Annotated[int, path_id("问题ID")]
RESPONSES: dict[int, Any] = {
    200: schemas.RectProblemDetail,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    **BODY_RESPONSES,
}


@router.post(
    "/problems/{problem_id}/close-off",
    response=RESPONSES,
    summary="对账销号",
    description=(
        "multipart/form-data：check_note（对照验收标准核查情况）、version 和佐证材料 files（至少一个）。"
        "只有教育整顿办可以销号（403）；已销号或任务未全部完成返回409，说明原因；"
        "责任领导、责任人为本人负责的问题销号（回避）返回403；佐证材料等输入有误返回422；问题已被他人修改返回409。成功时返回问题详情。"
    ),
)
def close_off(
    request: HttpRequest,
    problem_id: ProblemId,
    payload: Form[schemas.RectCloseOffForm],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja: `| None` makes it a query param
) -> Any:
    user = actor(request)
    problem = load_problem(user, problem_id)
    require_on(user, "rectification.close_off", problem, "只有教育整顿办可以对账销号")
    if problem.closed_on is not None:
        raise ConflictError("该问题已销号")
    if not problem.complete:
        raise ConflictError(f"整改任务尚未全部完成（当前进度{problem.progress}%），不能销号")
    person = getattr(user, "person", None)
    if person is not None and person.pk in (problem.responsible_leader_id, problem.responsible_person_id):
        raise PermissionDenied("责任领导、责任人不能为本人负责的问题销号（回避）")
    with as_422(source="form"):
        actions.close_off(
            user, problem, check_note=payload.check_note, files=files or [], version=payload.version
        )
    return detail(user, problem.pk)


@router.post(
    "/problems/{problem_id}/reopen",
    response=RESPONSES,
    summary="重新整改",
    description=(
        "已销号的问题因反弹回潮或回头看重新整改：进入新一轮，新的整改时限和第一项任务，以前的轮次、报告和"
        "销号记录保留。未销号的问题返回409；问题已被他人修改返回409。成功时返回问题详情。"
    ),
)
def reopen(request: HttpRequest, problem_id: ProblemId, payload: schemas.RectReopenIn) -> Any:
    user = actor(request)
    problem = load_problem(user, problem_id)
    require_on(user, "rectification.reopen", problem, "您没有重新启动该问题整改的权限")
    if problem.closed_on is None:
        raise ConflictError("只有已销号的问题才能重新整改")
    with as_422({"task_owner": "task_owner_id"}):
        actions.reopen(
            user,
            problem,
            kind=payload.kind,
            reason=payload.reason,
            new_deadline=payload.new_deadline,
            task_title=payload.task_title,
            task_owner=payload.task_owner_id,
            version=payload.version,
        )
    return detail(user, problem.pk)
