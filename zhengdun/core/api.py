"""The conventions every router of the JSON API (/api/v1/, config/api.py) follows, in one place.

- **Errors**: 401/403/404/409 answer `ErrorOut` ({"detail": "中文说明"}); 422 answers
  `ValidationErrorOut` ({"detail": [{"loc": [...], "msg": "中文", "type": ...}]}), keyed by field.
  Declare them with `COMMON_RESPONSES` (every operation) or `BODY_RESPONSES` (with a body, which
  may also be 400: not JSON at all). `field_error` builds a 422 for one field in a view.
- **Ids**: `MAX_ID` bounds every id in a path, body or filter; an id path parameter is
  `Annotated[int, path_id("单位ID")]` (mypy takes no call as a type, so the call gives the marker).
- **Text**: every string a request carries is `SafeText` (or `safe_text(max_length=...)`): the
  OpenAPI schema declares `core.text.SAFE_TEXT_PATTERN` and the validation is `core.text.check_text`,
  so what the schema allows and what the API accepts agree. Responses use plain `str`.
- **Who**: `actor(request)` is the authenticated user (token or session).
- **Scope and versions** stay in accounts.permissions (out of scope answers 404, as missing) and
  core.versioning (a stale `version` answers 409).
- **Pages**: a list that pages takes `PageIn` (limit/offset) in its Query schema and answers a
  subclass of `PageOut` (items, count, count_capped, limit, offset); `page(qs, params)` fills it.
- **Filters**: a GET with query parameters calls `refuse_unknown_params(request, FiltersSchema)`
  first, so a misspelt or unsupported filter answers 422 naming it instead of being ignored
  (which would answer every record, as if the filter matched).
"""

# No "from __future__ import annotations": django-ninja and pydantic read these at runtime.

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.params.functions import Path as PathParam
from pydantic import AfterValidator, BaseModel

from zhengdun.core.listing import capped_count
from zhengdun.core.text import SAFE_TEXT_PATTERN, check_text

if TYPE_CHECKING:
    from zhengdun.accounts.models import User

__all__ = [
    "BODY_RESPONSES",
    "COMMON_RESPONSES",
    "MAX_ID",
    "ErrorOut",
    "FieldError",
    "PageIn",
    "PageOut",
    "SafeText",
    "ValidationErrorOut",
    "actor",
    "field_error",
    "page",
    "path_id",
    "refuse_unknown_params",
    "safe_text",
]

# Largest id accepted in a path, body or filter: beyond any real table, small enough for every
# database's integer column (a larger one would be a 500 on PostgreSQL, not a 404).
MAX_ID = 2**31 - 1


# --- errors ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(description="错误说明")


class FieldError(Schema):
    loc: list[str | int] = Field(description="出错位置，末项为字段名")
    msg: str = Field(description="错误说明")
    type: str = Field(description="错误类型")


class ValidationErrorOut(Schema):
    detail: list[FieldError] = Field(description="逐字段的错误说明")


# Every operation may answer these: no or a bad token, and input that does not fit the schema.
COMMON_RESPONSES: dict[int, Any] = {401: ErrorOut, 422: ValidationErrorOut}
# ...and one with a body also a body that is not JSON at all.
BODY_RESPONSES: dict[int, Any] = {400: ErrorOut, **COMMON_RESPONSES}


def field_error(field: str, message: str, source: str = "body") -> NinjaValidationError:
    """A 422 for one field, in the shape of ninja's own (source "body", "query" or "path")."""
    loc = ["body", "payload", field] if source == "body" else [source, field]
    return NinjaValidationError([{"loc": loc, "msg": message, "type": "value_error"}])


# --- ids, text, the caller -------------------------------------------------------------------


def path_id(description: str) -> Any:
    """The marker of an id path parameter, 1..MAX_ID, described in Chinese:
    `ProblemId = Annotated[int, path_id("问题ID")]`."""
    return PathParam(ge=1, le=MAX_ID, description=description)


class _SafeTextPattern:
    """Adds SAFE_TEXT_PATTERN to a string's JSON schema, keeping its other keywords (maxLength…).

    The pattern lives only in the schema: pydantic's own (Rust) regex engine cannot compile
    surrogate ranges, so the validation is check_text — the same rule, with a Chinese message."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["pattern"] = SAFE_TEXT_PATTERN
        return schema


# Request text: `name: SafeText = Field(min_length=1, max_length=50, description=...)`.
SafeText = Annotated[str, AfterValidator(check_text), _SafeTextPattern()]


def safe_text(*, max_length: int | None = None, min_length: int | None = None) -> Any:
    """SafeText with length bounds, for where there is no Field to carry them, e.g. the items
    of a list: `list[safe_text(max_length=20)]`."""
    bounds: dict[str, Any] = {
        k: v for k, v in (("max_length", max_length), ("min_length", min_length)) if v is not None
    }
    return Annotated[SafeText, Field(**bounds)]


def actor(request: HttpRequest) -> "User":
    """The authenticated caller, by token or browser session."""
    # ninja sets request.auth to what the authenticator answered (a User: accounts.api_auth);
    # Django's HttpRequest stubs do not declare the attribute
    return request.auth  # type: ignore[attr-defined]


# --- unknown filters -------------------------------------------------------------------------


def _names(allowed: Iterable[Any]) -> set[str]:
    names: set[str] = set()
    for item in allowed:
        if isinstance(item, type) and issubclass(item, BaseModel):
            for name, info in item.model_fields.items():
                names.add(name)
                if info.alias:
                    names.add(info.alias)
        else:
            names.add(str(item))
    return names


def refuse_unknown_params(request: HttpRequest, *allowed: Any) -> None:
    """422 for any query parameter that is not one of `allowed` (Query schemas or names), e.g.
    {"loc": ["query", "overdue"], "msg": "不支持的筛选条件：overdue"}. Ignoring it would answer
    as if the filter had matched everything."""
    known = _names(allowed)
    unknown = sorted(name for name in request.GET if name not in known)
    if unknown:
        raise NinjaValidationError(
            [
                {"loc": ["query", name], "msg": f"不支持的筛选条件：{name[:40]}", "type": "value_error"}
                for name in unknown
            ]
        )


# --- pages -----------------------------------------------------------------------------------


class PageIn(Schema):
    """limit/offset, as the clue ledger pages; a Query schema of a paged list inherits them."""

    limit: int = Field(50, ge=1, le=200, description="每页条数，1–200")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")


class PageOut(Schema):
    """A page of a list; a subclass adds `items: list[ItemOut]`."""

    count: int = Field(description="符合条件的记录数；超过计数上限时为上限值")
    count_capped: bool = Field(description="为 true 时实际数量超过 count（计数上限，页面显示为“1000+”）")
    limit: int = Field(description="每页条数")
    offset: int = Field(description="跳过的条数")


def page(qs: QuerySet[Any], params: PageIn) -> dict[str, Any]:
    """One page of `qs` in PageOut's shape, counted as every list counts (core.listing: exact up
    to settings.LIST_COUNT_CAP, beyond it count is the cap and count_capped true)."""
    count, capped = capped_count(qs)
    return {
        "items": list(qs[params.offset : params.offset + params.limit]),
        "count": count,
        "count_capped": capped,
        "limit": params.limit,
        "offset": params.offset,
    }
