"""JSON API of the unit tree and the roster (mounted at /api/v1/ by config/api.py).

Reads go through accounts.permissions (a record out of scope answers 404, like one that does
not exist), writes through org.actions. The full ID-card number is never returned: only its
masked form; id_cipher and id_digest never leave the database. config/api.py turns an action's
ValidationError into 422, PermissionDenied into 403 and ConflictError into 409.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from zhengdun.accounts import permissions
from zhengdun.core.api import (
    BODY_RESPONSES,
    COMMON_RESPONSES,
    MAX_ID,
    ErrorOut,
    FieldError,
    SafeText,
    ValidationErrorOut,
    actor,
    refuse_unknown_params,
)
from zhengdun.org import actions
from zhengdun.org.models import Person, PersonQuerySet, Unit

if TYPE_CHECKING:
    from zhengdun.accounts.models import User

router = Router(tags=["组织与人员"])

# The shared conventions, still importable from here for callers that predate core.api.
__all__ = [
    "BODY_RESPONSES",
    "COMMON_RESPONSES",
    "MAX_ID",
    "ErrorOut",
    "FieldError",
    "ValidationErrorOut",
    "router",
]

# The models' choice values, spelled out so that they are types (mypy takes no computed
# Literal); the schema lists them as an enum. tests/test_choice_types.py keeps them equal to
# Unit.Type, Person.Status and Person.Gender.
UnitType = Literal[
    "city",
    "county",
    "plc",
    "office",
    "court",
    "procuratorate",
    "public_security",
    "justice",
    "prison",
    "rehab",
    "police_station",
    "judicial_office",
    "detention",
    "discipline",
    "other",
]
PersonStatus = Literal["active", "transferred", "retired", "resigned"]
Gender = Literal["M", "F"]


# --- schemas -------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int = Field(description="单位ID")
    name: str = Field(description="单位名称")
    short_name: str = Field(description="简称")
    type: UnitType = Field(description="单位类型代码")
    type_label: str = Field(description="单位类型名称，如“法院”")
    code: str = Field(description="单位编码，全市唯一")
    region_code: str = Field(description="6位行政区划代码；空表示沿用上级")
    parent_id: int | None = Field(description="上级单位ID；根单位为空")
    depth: int = Field(description="层级，根单位为0")
    sort_order: int = Field(description="同级排序")
    is_active: bool = Field(description="是否启用")
    version: int = Field(description="版本号（乐观锁）")

    @staticmethod
    def resolve_type_label(obj: Unit) -> str:
        return obj.get_type_display()


class PersonOut(Schema):
    id: int = Field(description="干警ID")
    name: str = Field(description="姓名")
    gender: Gender = Field(description="性别：M 男，F 女")
    id_masked: str = Field(description="脱敏身份证号（仅显示前4位和后4位）")
    police_no: str = Field(description="警号/工号")
    unit_id: int = Field(description="所在单位ID")
    unit_name: str = Field(description="所在单位名称")
    position: str = Field(description="职务")
    rank: str = Field(description="职级")
    is_party_member: bool = Field(description="是否中共党员")
    status: PersonStatus = Field(
        description="状态：active 在职，transferred 调离，retired 退休，resigned 辞职"
    )
    status_label: str = Field(description="状态名称")
    version: int = Field(description="版本号（乐观锁），修改时须原样提交")
    created_at: dt.datetime = Field(description="登记时间")
    updated_at: dt.datetime = Field(description="最后修改时间")

    @staticmethod
    def resolve_unit_name(obj: Person) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_status_label(obj: Person) -> str:
        return obj.get_status_display()


class PersonIn(Schema):
    name: SafeText = Field(min_length=1, max_length=50, description="姓名")
    gender: Gender = Field(description="性别：M 男，F 女")
    id_number: SafeText = Field(
        min_length=1, max_length=40, description="18位身份证号码，末位可为X；全角数字可接受"
    )
    police_no: SafeText = Field(min_length=1, max_length=32, description="警号/工号，不可与他人重复")
    unit_id: int = Field(ge=1, le=MAX_ID, description="所在单位ID（须为您可录入干警的单位）")
    position: SafeText = Field("", max_length=60, description="职务")
    rank: SafeText = Field("", max_length=40, description="职级")
    is_party_member: bool = Field(True, description="是否中共党员")
    started_on: dt.date | None = Field(None, description="在现单位任职的起始日期，缺省为今天")


class PersonPatch(Schema):
    version: int = Field(ge=0, le=MAX_ID, description="读取时的版本号；已被他人修改时返回409")
    name: SafeText | None = Field(None, min_length=1, max_length=50, description="姓名")
    gender: Gender | None = Field(None, description="性别：M 男，F 女")
    id_number: SafeText | None = Field(None, max_length=40, description="新的身份证号码；缺省或空表示不修改")
    police_no: SafeText | None = Field(None, min_length=1, max_length=32, description="警号/工号")
    unit_id: int | None = Field(None, ge=1, le=MAX_ID, description="新的所在单位ID；变更时自动记录任职经历")
    position: SafeText | None = Field(None, max_length=60, description="职务；变更时自动记录任职经历")
    rank: SafeText | None = Field(None, max_length=40, description="职级")
    is_party_member: bool | None = Field(None, description="是否中共党员")
    status: PersonStatus | None = Field(None, description="状态")


class UnitFilters(Schema):
    q: SafeText | None = Field(None, max_length=60, description="按单位名称、简称或编码模糊查找")
    type: UnitType | None = Field(None, description="单位类型代码")
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="只列出该单位的直接下级")


class PersonFilters(Schema):
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="单位ID，含其全部下级单位")
    status: PersonStatus | None = Field(None, description="状态")
    q: SafeText | None = Field(
        None, max_length=60, description="关键字：姓名（包含）、警号（完全一致）或完整身份证号（完全一致）"
    )


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=500, description="每页条数，1–500")
        offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")


# --- helpers ---------------------------------------------------------------------------------


def _unit_for_people(user: "User", pk: int) -> Unit:
    """A unit the user may put officers in. One answer for 'no such unit' and 'not yours'."""
    unit = permissions.scope(user, "org.change_person", Unit.objects.all()).filter(pk=pk).first()
    if unit is None:
        raise NinjaValidationError(
            [
                {
                    "loc": ["body", "payload", "unit_id"],
                    "msg": "所在单位不存在，或您无权在该单位录入干警",
                    "type": "value_error",
                }
            ]
        )
    return unit


def _people(user: "User") -> PersonQuerySet:
    return permissions.scope(user, "org.view_person", Person.objects.select_related("unit"))


# --- units -----------------------------------------------------------------------------------


@router.get(
    "/units",
    response={200: list[UnitOut], **COMMON_RESPONSES},
    summary="单位列表",
    description="当前用户可查看的单位，按树的顺序排列。",
)
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> Any:
    refuse_unknown_params(request, UnitFilters)
    units = permissions.scope(actor(request), "org.view_unit", Unit.objects.all())
    if filters.q:
        q = filters.q.strip()
        units = units.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q))
    if filters.type:
        units = units.filter(type=filters.type)
    if filters.parent:
        units = units.filter(parent_id=filters.parent)
    return units.order_by("path")


@router.get(
    "/units/{unit_id}",
    response={200: UnitOut, 404: ErrorOut, **COMMON_RESPONSES},
    summary="单位详情",
    description="不存在或不在查看范围内的单位返回404。",
)
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    return permissions.get_for_user(actor(request), "org.view_unit", Unit.objects.all(), pk=unit_id)


# --- persons ---------------------------------------------------------------------------------


@router.get(
    "/persons",
    response={200: list[PersonOut], **COMMON_RESPONSES},
    summary="干警名册",
    description="当前用户可查看的干警，分页（limit/offset）。身份证号仅返回脱敏形式。",
)
@paginate(Pagination)
def list_persons(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    refuse_unknown_params(request, PersonFilters, Pagination.Input)
    people = _people(actor(request))
    if filters.unit:
        unit = (
            permissions.scope(actor(request), "org.view_person", Unit.objects.all())
            .filter(pk=filters.unit)
            .first()
        )
        # A unit out of scope filters everything out rather than saying whether it exists.
        people = people.filter(unit__path__startswith=unit.path) if unit else people.none()
    if filters.status:
        people = people.filter(status=filters.status)
    if filters.q:
        people = people.search(filters.q)
    return people.order_by("unit__path", "name", "pk")


@router.get(
    "/persons/{person_id}",
    response={200: PersonOut, 404: ErrorOut, **COMMON_RESPONSES},
    summary="干警详情",
    description="不存在或不在查看范围内的干警返回404。",
)
def get_person(request: HttpRequest, person_id: int) -> Any:
    return permissions.get_for_user(
        actor(request), "org.view_person", Person.objects.select_related("unit"), pk=person_id
    )


@router.post(
    "/persons",
    response={201: PersonOut, 403: ErrorOut, **BODY_RESPONSES},
    summary="录入干警",
    description="录入一名干警并建立首条任职记录。输入有误时返回422，逐字段给出中文说明。",
)
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    user = actor(request)
    if not permissions.has_permission(user, "org.change_person"):
        raise HttpError(403, "您没有录入干警的权限")
    values = payload.dict()
    values["unit"] = _unit_for_people(user, values.pop("unit_id"))
    person = actions.create_person(user, **values)
    return Status(201, Person.objects.select_related("unit").get(pk=person.pk))


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **BODY_RESPONSES},
    summary="修改干警信息",
    description="只修改提交的字段。须提交读取时的 version；记录已被他人修改时返回409，不做任何修改。",
)
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    user = actor(request)
    person = permissions.get_for_user(
        user, "org.view_person", Person.objects.select_related("unit"), pk=person_id
    )
    if not permissions.has_permission(user, "org.change_person", person.unit):
        raise HttpError(403, "您没有修改该干警信息的权限")
    values = payload.dict(exclude_unset=True)
    version = values.pop("version")
    values = {k: v for k, v in values.items() if v is not None}
    if "unit_id" in values:
        values["unit"] = _unit_for_people(user, values.pop("unit_id"))
    id_number = values.pop("id_number", None) or None
    person = actions.update_person(user, person, version=version, id_number=id_number, **values)
    return Status(200, Person.objects.select_related("unit").get(pk=person.pk))
