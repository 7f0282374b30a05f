"""The conventions of core.api as the clue and org routers apply them: an unknown filter is
refused (422 naming it) instead of silently answering every record; every request string
refuses control characters with a Chinese message naming the field, and the OpenAPI schema
declares the same rule as a pattern; the shared pieces stay importable from their old homes."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from ninja import Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError

from zhengdun.accounts.api_auth import issue_token
from zhengdun.clues.models import Status
from zhengdun.clues.testing import register, walk
from zhengdun.config.api import api
from zhengdun.core import api as core_api
from zhengdun.core.testing import City
from zhengdun.core.text import SAFE_TEXT_PATTERN, has_forbidden


def _client(user: Any) -> Client:
    _, raw = issue_token(user, "测试")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _body(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    return response.json()["detail"]


# --- unknown filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/clues", {"overdue": "true"}),
        ("/api/v1/clues", {"flag": "overdue", "overdue": "true"}),
        ("/api/v1/units", {"overdue": "true"}),
        ("/api/v1/persons", {"overdue": "true", "limit": "5"}),
    ],
)
def test_an_unknown_filter_is_refused_naming_it(city: City, path: str, params: dict[str, str]) -> None:
    errors = _body(_client(city.office_handler).get(path, params))
    assert errors == [
        {"loc": ["query", "overdue"], "msg": "不支持的筛选条件：overdue", "type": "value_error"}
    ]


def test_the_overdue_filter_is_flag_overdue(city: City) -> None:
    overdue = walk(city, register(city), Status.HANDLING)
    overdue.deadline = dt.date.today() - dt.timedelta(days=3)
    overdue.save(update_fields=["deadline"])
    fresh = register(city)
    client = _client(city.office_handler)
    every = {c["id"] for c in client.get("/api/v1/clues").json()["items"]}
    flagged = client.get("/api/v1/clues", {"flag": "overdue"})
    assert flagged.status_code == 200
    assert {c["id"] for c in flagged.json()["items"]} == {overdue.pk}
    assert {overdue.pk, fresh.pk} <= every
    # and the schema documents it
    params = api.get_openapi_schema()["paths"]["/api/v1/clues"]["get"]["parameters"]
    flag = next(p for p in params if p["name"] == "flag")
    assert "overdue" in json.dumps(flag, ensure_ascii=False) and "逾期" in flag["description"]


def test_known_filters_and_paging_still_pass(city: City) -> None:
    client = _client(city.office_handler)
    ok = {"flag": "near", "limit": "10", "offset": "0", "sort": "newest", "q": "经商"}
    assert client.get("/api/v1/clues", ok).status_code in (200, 422)  # 422 only for an unknown sort
    assert client.get("/api/v1/clues", {"limit": "10", "offset": "0"}).status_code == 200
    assert client.get("/api/v1/units", {"q": "法院", "type": "court"}).status_code == 200
    assert client.get("/api/v1/persons", {"status": "active", "limit": "5", "offset": "0"}).status_code == 200


# --- control characters ------------------------------------------------------------------------


def test_a_control_character_in_a_clue_body_is_refused_naming_the_field(city: City) -> None:
    clue = walk(city, register(city), Status.HANDLING)
    client = _client(city.office_handler)
    response = client.patch(
        f"/api/v1/clues/{clue.pk}",
        json.dumps({"version": clue.version, "summary": "摘要\x00"}),
        content_type="application/json",
    )
    (error,) = _body(response)
    assert error["loc"][-1] == "summary" and error["msg"] == "summary：包含不允许的控制字符"
    clue.refresh_from_db()
    assert "\x00" not in clue.summary


def test_a_control_character_in_a_list_item_or_a_filter_is_refused(city: City) -> None:
    client = _client(city.office_handler)
    clue = register(city)
    patch = client.patch(
        f"/api/v1/clues/{clue.pk}",
        json.dumps({"version": clue.version, "categories": ["GJ\x07"]}),
        content_type="application/json",
    )
    assert "包含不允许的控制字符" in _body(patch)[0]["msg"]
    assert "包含不允许的控制字符" in _body(client.get("/api/v1/clues", {"subject": "张\x1b"}))[0]["msg"]
    assert "包含不允许的控制字符" in _body(client.get("/api/v1/units", {"q": "法\x00院"}))[0]["msg"]


def test_a_control_character_in_an_org_body_is_refused(city: City) -> None:
    person = city.people["judge_a"]
    response = _client(city.office_handler).patch(
        f"/api/v1/persons/{person.pk}",
        json.dumps({"version": person.version, "position": "科员\x0b"}),
        content_type="application/json",
    )
    (error,) = _body(response)
    assert error["loc"][-1] == "position" and "包含不允许的控制字符" in error["msg"]


def test_a_text_over_its_length_says_so_in_chinese(city: City) -> None:
    clue = register(city)
    response = _client(city.office_handler).patch(
        f"/api/v1/clues/{clue.pk}",
        json.dumps({"version": clue.version, "summary": "长" * 201}),
        content_type="application/json",
    )
    assert _body(response)[0]["msg"] == "summary：不能超过200个字"


def _request_strings(node: Any, in_request: bool, found: list[tuple[bool, dict[str, Any]]]) -> None:
    if isinstance(node, dict):
        if any(option.get("type") in ("number", "integer") for option in node.get("anyOf", [])):
            return  # a number that may be sent as a string (Decimal): not text
        if node.get("type") == "string" and not {"format", "enum", "const"} & node.keys():
            found.append((in_request, node))
        for value in node.values():
            _request_strings(value, in_request, found)
    elif isinstance(node, list):
        for value in node:
            _request_strings(value, in_request, found)


def _request_refs(schema: dict[str, Any]) -> set[str]:
    """Component names reachable from any request body or parameter."""
    components = schema["components"]["schemas"]
    seen: set[str] = set()

    def walk_node(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref.rsplit("/", 1)[-1] not in seen:
                name = ref.rsplit("/", 1)[-1]
                seen.add(name)
                walk_node(components[name])
            for value in node.values():
                walk_node(value)
        elif isinstance(node, list):
            for value in node:
                walk_node(value)

    for item in schema["paths"].values():
        for operation in item.values():
            walk_node(operation.get("parameters", []))
            walk_node(operation.get("requestBody", {}))
    return seen


def test_every_request_string_of_these_routers_declares_the_pattern() -> None:
    schema = api.get_openapi_schema()
    found: list[tuple[bool, dict[str, Any]]] = []
    for path, item in schema["paths"].items():
        if not re.match(r"^/api/v1/(clues|units|persons|accounts)", path):
            continue
        for operation in item.values():
            _request_strings(operation.get("parameters", []), True, found)
    for name in _request_refs(schema):
        if name.endswith(("In", "Patch", "Filters")) or name in {"SubjectIn", "ReporterIn"}:
            _request_strings(schema["components"]["schemas"][name], True, found)
    strings = [node for _, node in found]
    assert strings, "no request strings found"
    missing = [node for node in strings if node.get("pattern") != SAFE_TEXT_PATTERN]
    assert not missing, missing
    # responses are unaffected
    assert "pattern" not in json.dumps(schema["components"]["schemas"]["ClueDetail"])


# --- core.api --------------------------------------------------------------------------------


class _Sample(Schema):
    text: core_api.SafeText = ""
    codes: list[core_api.safe_text(max_length=3)] = []  # type: ignore[valid-type]


@given(st.text(max_size=30))
def test_safe_text_accepts_exactly_what_its_pattern_allows(value: str) -> None:
    allowed = re.fullmatch(SAFE_TEXT_PATTERN.strip("^$"), value) is not None
    assert allowed == (not has_forbidden(value))
    try:
        _Sample(text=value)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == allowed


def test_safe_text_bounds_are_in_schema_and_validation() -> None:
    items = _Sample.model_json_schema()["properties"]["codes"]["items"]
    assert items == {"type": "string", "maxLength": 3, "pattern": SAFE_TEXT_PATTERN}
    with pytest.raises(ValidationError):
        _Sample(codes=["abcd"])


def test_refuse_unknown_params_takes_schemas_or_names(rf: Any) -> None:
    request = rf.get("/x", {"a": "1", "limit": "2"})
    core_api.refuse_unknown_params(request, core_api.PageIn, "a")
    with pytest.raises(NinjaValidationError) as refused:
        core_api.refuse_unknown_params(request, core_api.PageIn)
    assert refused.value.errors == [
        {"loc": ["query", "a"], "msg": "不支持的筛选条件：a", "type": "value_error"}
    ]


def test_the_old_import_paths_still_work() -> None:
    from zhengdun.clues.api import router
    from zhengdun.org.api import MAX_ID, ErrorOut, ValidationErrorOut

    assert MAX_ID == core_api.MAX_ID and ErrorOut is core_api.ErrorOut
    assert ValidationErrorOut is core_api.ValidationErrorOut
    assert router is not None
