"""The JSON API under /api/v1/ (django-ninja). Each app contributes a router from its api.py."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from zhengdun.accounts.api_auth import api_auth
from zhengdun.core.errors import ConflictError, InvalidTransition

api = NinjaAPI(
    title="教育整顿工作平台 API",
    version="1",
    description="政法队伍教育整顿工作平台的数据接口。认证：请求头 Authorization: Bearer <令牌>，或已登录的浏览器会话。",
    auth=api_auth,
    urls_namespace="api",
)

api.add_router("/", "zhengdun.org.api.router")

api.add_router("/clues", "zhengdun.clues.api.router")
api.add_router("/accounts", "zhengdun.accounts.api.router")
api.add_router("/selfreports", "zhengdun.selfreports.api.router")
api.add_router("/rectification", "zhengdun.rectification.api.router")


# --- errors: one JSON shape for every router --------------------------------------------------
# 422 keeps ninja's own shape, {"detail": [{"loc": [...], "msg": ..., "type": ...}]}, whether the
# schema or an action refused the input; msg is Chinese either way. 403/404/409 are
# {"detail": "中文说明"}.

_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "string_type": "须为文字",
    "string_too_short": "至少{min_length}个字",
    "string_too_long": "不能超过{max_length}个字",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "greater_than": "须大于{gt}",
    "greater_than_equal": "不能小于{ge}",
    "less_than": "须小于{lt}",
    "less_than_equal": "不能大于{le}",
    "date_type": "日期格式应为 2021-06-02",
    "date_parsing": "日期格式应为 2021-06-02",
    "date_from_datetime_parsing": "日期格式应为 2021-06-02",
    "date_from_datetime_inexact": "日期格式应为 2021-06-02",
    "datetime_type": "时间格式应为 2021-06-02T09:30:00",
    "datetime_parsing": "时间格式应为 2021-06-02T09:30:00",
    "literal_error": "取值无效，可选：{expected}",
    "enum": "取值无效，可选：{expected}",
    "list_type": "须为列表",
    "too_short": "至少{min_length}项",
    "too_long": "最多{max_length}项",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "json_invalid": "不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
}
_TEXT_LENGTH_MESSAGES = {
    "too_short": _PYDANTIC_MESSAGES["string_too_short"],
    "too_long": _PYDANTIC_MESSAGES["string_too_long"],
}


def _chinese(error: dict) -> dict:
    kind = error.get("type", "")
    msg = str(error.get("msg", ""))
    if kind == "value_error" and not msg.startswith("Value error, "):
        return error  # raised by our own code, already a full Chinese sentence
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    elif kind in _TEXT_LENGTH_MESSAGES and error.get("ctx", {}).get("field_type") == "Value":
        # SafeText's length bounds sit outside its validator, so pydantic reports them as a
        # collection's (too_long), not a string's (string_too_long): same rule, same words.
        msg = _TEXT_LENGTH_MESSAGES[kind].format(**error.get("ctx", {}))
    elif kind in _PYDANTIC_MESSAGES:
        try:
            msg = _PYDANTIC_MESSAGES[kind].format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            msg = _PYDANTIC_MESSAGES[kind].split("{")[0].rstrip("：")
    elif msg.isascii():
        msg = "输入无效"
    field = ".".join(str(p) for p in error.get("loc", ())[1:] if p != "payload")
    if field and not msg.startswith(f"{field}："):
        msg = f"{field}：{msg}"
    return {**error, "msg": msg}


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": [_chinese(e) for e in exc.errors]}, status=422)


@api.exception_handler(DjangoValidationError)
def _invalid_action(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    errors = [
        {"loc": ["body", "payload", field], "msg": msg, "type": "value_error"}
        for field, messages in items
        for msg in messages
    ]
    return api.create_response(request, {"detail": errors}, status=422)


# ninja's own HttpError messages, in the language of the rest of the API
_HTTP_MESSAGES = {
    "Unauthorized": "未认证：请在请求头提供有效的令牌（Authorization: Bearer <令牌>），或先登录",
    "Forbidden": "您没有执行此操作的权限",
    "Cannot parse request body": "请求体无法解析，应为 JSON",
    "Too many requests.": "请求过于频繁，请稍后再试",
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    for english, chinese in _HTTP_MESSAGES.items():
        if message.startswith(english):
            message = chinese
            break
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "您没有执行此操作的权限"}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # one answer for "does not exist" and "not yours to see"
    return api.create_response(request, {"detail": "未找到该记录"}, status=404)


@api.exception_handler(ObjectDoesNotExist)
def _gone(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _not_found(request, Http404())


@api.exception_handler(InvalidTransition)
def _wrong_state(request: HttpRequest, exc: InvalidTransition) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "当前状态不允许该操作"}, status=409)


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or "该记录已被他人修改，请刷新后再试"}, status=409
    )
