"""A clue's attachments (upload, audited download) and the audited reveal of the reporter's
identity — the only answer that carries it."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from typing import Any

from django.http import HttpRequest
from ninja import File
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.clues import actions
from zhengdun.clues.api import schemas
from zhengdun.clues.api._common import AttachmentId, ClueId, as_422, clue_of, router
from zhengdun.clues.models import Attachment, Clue
from zhengdun.core import files
from zhengdun.core.api import BODY_RESPONSES, COMMON_RESPONSES, ErrorOut, actor

ATTACHMENT_TYPES = sorted(set(files.ALLOWED.values()))


@router.post(
    "/{clue_id}/attachments",
    response={201: schemas.AttachmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES},
    summary="上传附件",
    description="multipart/form-data，字段 file。文件类型按内容识别且须与扩展名一致，大小受限。",
)
def upload(request: HttpRequest, clue_id: ClueId, file: File[UploadedFile]) -> Any:
    user = actor(request)
    clue = clue_of(user, clue_id)
    with as_422():
        att = actions.add_attachment(user, clue, upload=file)
    return Reply(201, Attachment.objects.select_related("uploaded_by").get(pk=att.pk))


@router.get(
    "/attachments/{attachment_id}",
    response={404: ErrorOut, **COMMON_RESPONSES},
    url_name="clue_attachment",
    summary="下载附件",
    description="返回附件文件；每次下载记入审计日志。",
    openapi_extra={
        "responses": {
            "200": {
                "description": "附件文件，类型为上传时按内容识别的类型",
                "content": {
                    mime: {"schema": {"type": "string", "format": "binary"}} for mime in ATTACHMENT_TYPES
                },
            }
        }
    },
)
def download(request: HttpRequest, attachment_id: AttachmentId) -> Any:
    user = actor(request)
    clue = permissions.get_for_user(user, "clues.view", Clue.objects.all(), attachments__pk=attachment_id)
    att = Attachment.objects.get(pk=attachment_id, clue=clue)
    # the same audit entry as the page's download (clues.views.detail.attachment)
    return files.serve(user, att, "clue.attachment_downloaded", clue)


@router.post(
    "/{clue_id}/reporter",
    response={200: schemas.ReporterOut, 403: ErrorOut, 404: ErrorOut, **BODY_RESPONSES},
    summary="查看举报人身份",
    description="仅授权角色可查看；每次查看记入审计日志（因此用 POST）。",
)
def reveal_reporter(request: HttpRequest, clue_id: ClueId) -> Any:
    user = actor(request)
    clue = clue_of(user, clue_id)
    identity = actions.reveal_reporter(user, clue)
    return {
        "reporting_mode": clue.reporting_mode,
        "reporting_mode_label": clue.get_reporting_mode_display(),
        **{key: identity.get(key, "") for key in ("name", "phone", "id_number", "address")},
    }
