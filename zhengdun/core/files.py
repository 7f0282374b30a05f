"""Checking uploaded files by their content, not their name or the browser's word for them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import FileResponse

    from zhengdun.accounts.models import User

# extension → the MIME type its content must have
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/x-ole-storage",
    "xls": "application/x-ole-storage",
    "mp3": "audio/mpeg",
    "wav": "audio/x-wav",
    "mp4": "video/mp4",
    "txt": "text/plain",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _sniff(head: bytes, data: bytes) -> str:
    if head.startswith(_OLE):
        return "application/x-ole-storage"
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    return "application/octet-stream"


def sniff_upload(upload: Any) -> tuple[str, bytes]:
    """Read an upload within the size limit and return (content type, bytes), or raise
    ValidationError on an oversized, empty, unknown or disguised file."""
    limit = settings.ATTACHMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError({"file": f"附件不能超过{limit // (1024 * 1024)}MB"})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": f"附件不能超过{limit // (1024 * 1024)}MB"})
    if not data:
        raise ValidationError({"file": "附件是空文件"})
    name = (getattr(upload, "name", "") or "").lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError({"file": f"不支持的附件类型“.{ext}”，可上传：{'、'.join(sorted(ALLOWED))}"})
    actual = _sniff(data[:8192], data)
    if actual != ALLOWED[ext]:
        raise ValidationError({"file": f"附件内容与扩展名“.{ext}”不符，已拒绝上传"})
    return actual, data


def serve(actor: User, row: Any, action: str, obj: Model) -> FileResponse:
    """The download of a stored attachment (any model with file, original_name, content_type,
    sha256 and size) that the caller has already checked the actor may see: audited as `action`
    on `obj`, sent as a download the browser must not sniff or cache."""
    from django.db import transaction
    from django.http import FileResponse, Http404

    from zhengdun.audit.chain import record

    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("附件文件不存在") from exc
    with transaction.atomic():
        record(
            actor,
            action,
            obj,
            {"attachment": row.pk, "name": row.original_name, "sha256": row.sha256, "size": row.size},
        )
    response = FileResponse(
        handle, as_attachment=True, filename=row.original_name, content_type=row.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
