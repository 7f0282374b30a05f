"""任务清单 and progress through the API: add a task, report its progress (0–100, a reason to go
back, evidence files as multipart) and download a 佐证材料 file (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.core import files as stored_files
from zhengdun.core.api import BODY_RESPONSES, COMMON_RESPONSES, ErrorOut, actor, path_id
from zhengdun.core.errors import ConflictError
from zhengdun.rectification import actions
from zhengdun.rectification.api import schemas
from zhengdun.rectification.api._shared import (
    VIEW,
    as_422,
    load_problem,
    load_task,
    require_on,
    require_open,
)
from zhengdun.rectification.api.problems import detail
from zhengdun.rectification.models import Evidence, Problem

router = Router(tags=["任务与进展"])

ProblemId = Annotated[int, path_id("问题ID")]
TaskId = Annotated[int, path_id("任务ID")]
FileId = Annotated[int, path_id("文件ID")]
RESPONSES: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES}
FILE_TYPES = sorted(set(stored_files.ALLOWED.values()))


@router.post(
    "/problems/{problem_id}/tasks",
    response={201: schemas.RectProblemDetail, **RESPONSES},
    summary="添加任务",
    description=(
        "在本轮任务清单中添加任务：任务责任人从名册选择，完成时限晚于今天且不晚于问题的整改时限，权重1–100。"
        "已销号的问题返回422。成功时返回问题详情。"
    ),
)
def add_task(request: HttpRequest, problem_id: ProblemId, payload: schemas.RectTaskIn) -> Any:
    user = actor(request)
    problem = load_problem(user, problem_id)
    require_on(user, "rectification.register", problem, "您没有修改该问题的权限")
    require_open(problem)
    with as_422({"owner": "owner_id"}):
        actions.add_task(
            user,
            problem,
            title=payload.title,
            owner=payload.owner_id,
            deadline=payload.deadline,
            weight=payload.weight,
        )
    return Reply(201, detail(user, problem.pk))


@router.post(
    "/tasks/{task_id}/reports",
    response={201: schemas.RectProblemDetail, **RESPONSES},
    summary="报告进展",
    description=(
        "multipart/form-data：percent（0–100）、narrative、reason（进度低于上次时必填）、version，"
        f"以及佐证材料 files（可多个，最多{schemas.MAX_FILES}个，类型按内容识别）。"
        "任务已被他人更新时返回409；已销号的问题或以前轮次的任务返回422。成功时返回问题详情。"
    ),
)
def report_progress(
    request: HttpRequest,
    task_id: TaskId,
    payload: Form[schemas.RectReportForm],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja: `| None` makes it a query param
) -> Any:
    user = actor(request)
    task = load_task(user, task_id)
    require_on(user, "rectification.report", task.problem, "您没有报告该问题整改进展的权限")
    require_open(task.problem)
    if task.round != task.problem.round:
        raise ConflictError("该任务属于以前的整改轮次，不能再报告进展")
    with as_422(source="form"):
        actions.report_progress(
            user,
            task,
            percent=payload.percent,
            narrative=payload.narrative,
            reason=payload.reason,
            files=files or [],
            version=payload.version,
        )
    return Reply(201, detail(user, task.problem_id))


@router.get(
    "/evidence/{file_id}",
    response={404: ErrorOut, **COMMON_RESPONSES},
    url_name="rect_evidence",
    summary="下载佐证材料",
    description="进展报告或销号的佐证材料；须可查看其问题。每次下载记入审计日志。",
    openapi_extra={
        "responses": {
            "200": {
                "description": "文件，类型为上传时按内容识别的类型",
                "content": {mime: {"schema": {"type": "string", "format": "binary"}} for mime in FILE_TYPES},
            }
        }
    },
)
def evidence(request: HttpRequest, file_id: FileId) -> Any:
    user = actor(request)
    row = Evidence.objects.select_related("report__task", "close_off").filter(pk=file_id).first()
    problem_id = None
    if row is not None:
        # exactly one owner (rect_evidence_one_owner): a progress report or a close-off
        owner_problem = row.report.task.problem_id if row.report else None
        problem_id = owner_problem or (row.close_off.problem_id if row.close_off else None)
    # one 404 for a file that does not exist and one whose problem the caller may not see
    problem = permissions.get_for_user(user, VIEW, Problem.objects.all(), pk=problem_id or 0)
    return stored_files.serve(user, row, "rectification.evidence_downloaded", problem)
