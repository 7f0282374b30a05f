"""What every endpoint of the clue API shares: the router, the id path parameters, the lookups
that apply the caller's scope (out of scope answers 404, like missing), the turn of an action's
ValidationError into a 422 keyed by the request's field names, and the answer after an action."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status as Reply

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.api import schemas
from zhengdun.clues.models import Category, Channel, Clue, ClueQuerySet, ClueSubject, Measure, Request
from zhengdun.core.api import BODY_RESPONSES, ErrorOut, actor, field_error, path_id

router = Router(tags=["问题线索"])

ClueId = Annotated[int, path_id("线索ID")]
SubjectId = Annotated[int, path_id("被反映人ID")]
MeasureId = Annotated[int, path_id("处理措施ID")]
TransferId = Annotated[int, path_id("移交ID")]
AttachmentId = Annotated[int, path_id("附件ID")]

ACTION_RESPONSES: dict[int, Any] = {
    200: schemas.ClueDetail,
    204: None,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    **BODY_RESPONSES,
}
ACTION_NOTE = (
    "成功时返回线索详情；操作后您不再有权查看该线索的（如退回后不再承办），返回204。"
    "状态不允许该操作或已被他人处理时返回409，无此操作权限返回403，线索不存在或不在查看范围内返回404。"
)


# --- 422 from an action's ValidationError ----------------------------------------------------


def _invalid(exc: DjangoValidationError, rename: dict[str, str] | None = None) -> NinjaValidationError:
    """An action's field errors in the shape ninja uses for its own 422 answers, with the
    action's field names mapped to the request's (e.g. unit -> unit_id)."""
    rename = rename or {}
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    errors = [
        {"loc": ["body", "payload", *rename.get(field, field).split(".")], "msg": msg, "type": "value_error"}
        for field, messages in items
        for msg in messages
    ]
    return NinjaValidationError(errors)


@contextmanager
def as_422(rename: dict[str, str] | None = None) -> Iterator[None]:
    try:
        yield
    except DjangoValidationError as exc:
        raise _invalid(exc, rename) from exc


# --- lookups in the caller's scope -----------------------------------------------------------


def visible(user: User) -> ClueQuerySet:
    return permissions.scope(user, "clues.view", Clue.objects.all())


def clue_of(user: User, clue_id: int) -> Clue:
    return permissions.get_for_user(
        user, "clues.view", Clue.objects.select_related("owner_unit", "handling_unit"), pk=clue_id
    )


def subject_of(user: User, subject_id: int) -> ClueSubject:
    # the subject's clue must be in scope: one 404 for "no such subject" and "not yours"
    return permissions.get_for_user(
        user, "clues.view", Clue.objects.all(), subjects__pk=subject_id
    ).subjects.get(pk=subject_id)


def channel_of(code: str, field: str = "channel", source: str = "body") -> Channel:
    channel = Channel.objects.filter(code=code.strip(), is_active=True).first()
    if channel is None:
        raise field_error(field, f"未知的线索来源代码“{code[:20]}”", source)
    return channel


def categories_of(codes: list[str], field: str = "categories") -> list[Category]:
    wanted = {c.strip() for c in codes if c.strip()}
    found = list(Category.objects.filter(code__in=wanted, is_active=True))
    missing = sorted(wanted - {c.code for c in found})
    if missing:
        raise field_error(field, f"未知的问题类别代码：{'、'.join(m[:20] for m in missing)}")
    return found


def users_of(ids: list[int], field: str) -> list[User]:
    found = list(User.objects.filter(pk__in=set(ids), is_active=True))
    if len(found) != len(set(ids)):
        raise field_error(field, "有用户不存在或已停用")
    return found


# --- the answer: the clue's full record ------------------------------------------------------


def detail(clue_id: int) -> Clue:
    """A clue the caller has already been checked to see (via clue_of or visible), with all that
    schemas.ClueDetail reads loaded in a fixed number of queries."""
    return (
        Clue.objects.select_related(
            "channel", "owner_unit", "handling_unit", "handler", "created_by", "merged_into"
        )
        .prefetch_related(
            "categories",
            Prefetch(
                "subjects",
                queryset=ClueSubject.objects.prefetch_related(
                    Prefetch("measures", queryset=Measure.objects.select_related("recorded_by")),
                    "finding_categories",
                ),
            ),
            "viewers__user",
            Prefetch("requests", queryset=Request.objects.select_related("requested_by", "decided_by")),
            "events__actor",
            "supervisions__supervisor",
            "transfers__created_by",
            "feedbacks__recorded_by",
            "deadline_changes__changed_by",
            "attachments__uploaded_by",
        )
        .get(pk=clue_id)
    )


def after(user: User, clue_id: int) -> Reply[Any]:
    """The clue as the caller now sees it — or 204 when the action took it out of their sight
    (a unit that returned a clue no longer handles it)."""
    if not visible(user).filter(pk=clue_id).exists():
        return Reply(204, None)
    return Reply(200, detail(clue_id))


def act(request: HttpRequest, clue_id: int, call: Callable[[User, Clue], Any], **rename: str) -> Reply[Any]:
    """Run a workflow action on a clue in the caller's scope and answer with the clue."""
    user = actor(request)
    clue = clue_of(user, clue_id)
    with as_422(rename):
        call(user, clue)
    return after(user, clue_id)


def subject_act(
    request: HttpRequest, subject_id: int, call: Callable[[User, ClueSubject], Any], **rename: str
) -> Reply[Any]:
    """Run an action on a subject whose clue is in the caller's scope; answer with the clue."""
    user = actor(request)
    subject = subject_of(user, subject_id)
    with as_422(rename):
        call(user, subject)
    return after(user, subject.clue_id)
