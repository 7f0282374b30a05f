"""The JSON API of units and the roster, called with bearer tokens as an integration would."""

from __future__ import annotations

import json

import pytest

from zhengdun.accounts.api_auth import issue_token
from zhengdun.core.testing import make_id_number
from zhengdun.org.models import Person

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

ALL_UNITS = {
    "XX市",
    "市教育整顿办",
    "甲县",
    "甲县人民法院",
    "甲县公安局",
    "城关派出所",
    "乙县",
    "乙县人民法院",
}
UNIT_VISIBILITY = {
    "office_handler": ALL_UNITS,
    "leader_a": {"甲县", "甲县人民法院", "甲县公安局", "城关派出所"},
    "handler_a": {"甲县人民法院"},
    "handler_b": {"乙县人民法院"},
    "officer_a": {"城关派出所"},
    "outsider": set(),
    "sysadmin": ALL_UNITS,
    "secadmin": ALL_UNITS,
    "auditor": set(),
}
ALL_PEOPLE = {"张明", "李华", "王强", "赵书记"}
PERSON_VISIBILITY = {
    "office_handler": ALL_PEOPLE,
    "leader_a": {"张明", "王强", "赵书记"},
    "handler_a": {"张明"},
    "handler_b": {"李华"},
    "officer_a": set(),
    "outsider": set(),
    "sysadmin": set(),
    "secadmin": set(),
    "auditor": set(),
}


class Api:
    """A test client that sends a user's bearer token and JSON bodies."""

    def __init__(self, client, user):
        self.client = client
        _, raw = issue_token(user, "测试")
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path, body):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )

    def patch(self, path, body):
        return self.client.patch(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(city, client):
    return lambda role: Api(client, city.users[role])


def new_person(unit_id: int, **overrides) -> dict:
    body = {
        "name": "孙立",
        "gender": "M",
        "id_number": make_id_number(801),
        "police_no": "API0801",
        "unit_id": unit_id,
        "position": "科员",
        "started_on": "2021-06-02",
    }
    body.update(overrides)
    return body


def messages_by_field(response) -> dict[str, str]:
    """Each field's messages joined, to look for a message in."""
    out: dict[str, str] = {}
    for item in response.json()["detail"]:
        field = str(item["loc"][-1])
        out[field] = out.get(field, "") + item["msg"] + "\n"
    return out


def assert_no_secrets(payload: str, people) -> None:
    assert "id_cipher" not in payload and "id_digest" not in payload
    for person in people:
        assert person.id_number() not in payload


# --- reads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", UNIT_VISIBILITY)
def test_it_lists_exactly_the_units_in_scope(city, api, role):
    response = api(role).get("/units")
    assert response.status_code == 200
    assert {u["name"] for u in response.json()} == UNIT_VISIBILITY[role]


@pytest.mark.parametrize("role", PERSON_VISIBILITY)
def test_it_lists_exactly_the_people_in_scope(city, api, role):
    response = api(role).get("/persons")
    assert response.status_code == 200
    body = response.json()
    assert {p["name"] for p in body["items"]} == PERSON_VISIBILITY[role]
    assert body["count"] == len(PERSON_VISIBILITY[role])
    assert_no_secrets(response.content.decode(), city.people.values())


@pytest.mark.parametrize("role", PERSON_VISIBILITY)
def test_it_answers_404_for_records_out_of_scope(city, api, role):
    client = api(role)
    for person in city.people.values():
        response = client.get(f"/persons/{person.pk}")
        assert response.status_code == (200 if person.name in PERSON_VISIBILITY[role] else 404)
        if response.status_code == 200:
            assert response.json()["id_masked"] == person.id_masked
            assert_no_secrets(response.content.decode(), [person])
    for unit in (city.city, city.court_a, city.court_b, city.station_a):
        response = client.get(f"/units/{unit.pk}")
        assert response.status_code == (200 if unit.name in UNIT_VISIBILITY[role] else 404)


def test_it_answers_404_for_ids_that_do_not_exist(city, api):
    client = api("office_handler")
    response = client.get("/persons/999999")
    assert response.status_code == 404 and response.json() == {"detail": "未找到该记录"}
    assert client.get("/units/999999999999999999999").status_code == 404
    assert client.get("/persons/-1").status_code == 404


def test_it_filters_units(city, api):
    client = api("office_handler")
    assert {u["name"] for u in client.get("/units", {"q": "法院"}).json()} == {"甲县人民法院", "乙县人民法院"}
    assert {u["name"] for u in client.get("/units", {"type": "county"}).json()} == {"甲县", "乙县"}
    children = client.get("/units", {"parent": city.county_a.pk}).json()
    assert [u["name"] for u in children] == ["甲县人民法院", "甲县公安局"]
    assert children[0]["type_label"] == "法院" and children[0]["parent_id"] == city.county_a.pk
    assert client.get("/units", {"type": "bogus"}).status_code == 422


def test_it_filters_and_pages_people(city, api):
    client = api("office_handler")
    names = lambda r: {p["name"] for p in r.json()["items"]}  # noqa: E731
    assert names(client.get("/persons", {"unit": city.county_a.pk})) == {"张明", "王强", "赵书记"}
    assert names(client.get("/persons", {"q": city.people["judge_b"].id_number()})) == {"李华"}
    assert names(client.get("/persons", {"q": "王"})) == {"王强"}
    Person.objects.filter(pk=city.people["judge_a"].pk).update(status=Person.Status.RETIRED)
    assert names(client.get("/persons", {"status": "retired"})) == {"张明"}
    page = client.get("/persons", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 4 and len(page["items"]) == 2
    assert client.get("/persons", {"limit": 0}).status_code == 422
    assert client.get("/persons", {"limit": 10_000}).status_code == 422


def test_it_filters_an_out_of_scope_unit_to_nothing(city, api):
    response = api("handler_a").get("/persons", {"unit": city.court_b.pk})
    assert response.status_code == 200 and response.json() == {"items": [], "count": 0}


def test_it_requires_authentication(city, client):
    assert client.get("/api/v1/persons").status_code == 401
    assert client.get("/api/v1/units", headers={"Authorization": "Bearer zd_wrong"}).status_code == 401


# --- create ----------------------------------------------------------------------------------


def test_it_creates_a_person(city, api):
    response = api("handler_a").post("/persons", new_person(city.court_a.pk))
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert body["unit_name"] == "甲县人民法院" and body["status"] == "active" and body["version"] == 1
    assert body["id_masked"] == person.id_masked and "id_number" not in body
    assert person.id_number() == make_id_number(801)
    assert str(person.postings.get().started_on) == "2021-06-02"


def test_it_accepts_full_width_digits(city, api):
    body = new_person(
        city.court_b.pk, id_number=make_id_number(802).translate(FULL_WIDTH), police_no="ＡＰＩ０８０２"
    )
    response = api("office_handler").post("/persons", body)
    assert response.status_code == 201
    person = Person.objects.get(pk=response.json()["id"])
    assert person.id_number() == make_id_number(802) and person.police_no == "API0802"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "370202198503140010"}, "id_number", "身份证号码校验位错误"),
        ({"id_number": "3702021985031400"}, "id_number", "身份证号码应为18位"),
        ({"police_no": "TAKEN"}, "police_no", "已被其他干警使用"),
        ({"id_number": "TAKEN"}, "id_number", "该身份证号码已登记在其他干警名下"),
        ({"unit_id": 999999}, "unit_id", "所在单位不存在，或您无权在该单位录入干警"),
        ({"unit_id": "COURT_B"}, "unit_id", "所在单位不存在，或您无权在该单位录入干警"),
        ({"name": "孙\x00立"}, "name", "包含不允许的控制字符"),
    ],
)
def test_it_refuses_bad_input_with_chinese_field_messages(city, api, overrides, field, message):
    body = new_person(city.court_a.pk)
    body.update(overrides)
    if body["police_no"] == "TAKEN":
        body["police_no"] = city.people["judge_b"].police_no
    if body["id_number"] == "TAKEN":
        body["id_number"] = city.people["judge_b"].id_number().translate(FULL_WIDTH)
    if body["unit_id"] == "COURT_B":
        body["unit_id"] = city.court_b.pk  # exists, but not handler_a's
    before = Person.objects.count()
    response = api("handler_a").post("/persons", body)
    assert response.status_code == 422
    assert message in messages_by_field(response)[field]
    assert Person.objects.count() == before


def test_it_refuses_creation_to_roles_without_change_person(city, api):
    response = api("leader_a").post("/persons", new_person(city.court_a.pk))
    assert response.status_code == 403
    assert not Person.objects.filter(police_no="API0801").exists()


# --- update ----------------------------------------------------------------------------------


def test_it_patches_only_the_given_fields(city, api):
    judge = city.people["judge_a"]
    response = api("handler_a").patch(f"/persons/{judge.pk}", {"version": 1, "rank": "四级高级法官"})
    assert response.status_code == 200
    assert response.json()["rank"] == "四级高级法官" and response.json()["version"] == 2
    judge.refresh_from_db()
    assert (judge.name, judge.position, judge.rank) == ("张明", "科员", "四级高级法官")


def test_it_answers_409_on_a_stale_version(city, api):
    judge = city.people["judge_a"]
    client = api("office_handler")
    assert client.patch(f"/persons/{judge.pk}", {"version": 1, "rank": "甲"}).status_code == 200
    response = client.patch(f"/persons/{judge.pk}", {"version": 1, "rank": "乙"})
    assert response.status_code == 409
    assert "已被他人修改" in response.json()["detail"]
    judge.refresh_from_db()
    assert (judge.rank, judge.version) == ("甲", 2)


def test_it_keeps_history_when_a_person_moves(city, api):
    officer = city.people["officer_a"]
    response = api("office_handler").patch(
        f"/persons/{officer.pk}", {"version": 1, "unit_id": city.court_b.pk}
    )
    assert response.status_code == 200 and response.json()["unit_id"] == city.court_b.pk
    assert [p.unit_id for p in officer.postings.order_by("id")] == [city.station_a.pk, city.court_b.pk]


@pytest.mark.parametrize(
    ("role", "person", "status"),
    [
        ("handler_a", "judge_b", 404),
        ("sysadmin", "judge_a", 404),
        ("officer_a", "officer_a", 404),
        ("leader_a", "judge_a", 403),
    ],
)
def test_it_refuses_updates_out_of_scope_or_without_permission(city, api, role, person, status):
    target = city.people[person]
    response = api(role).patch(f"/persons/{target.pk}", {"version": 1, "name": "篡改"})
    assert response.status_code == status
    target.refresh_from_db()
    assert target.name != "篡改" and target.version == 1


def test_it_refuses_bad_updates(city, api):
    judge = city.people["judge_a"]
    client = api("handler_a")
    response = client.patch(f"/persons/{judge.pk}", {"version": 1, "id_number": "370202198503140010"})
    assert response.status_code == 422 and "身份证号码校验位错误" in messages_by_field(response)["id_number"]
    response = client.patch(f"/persons/{judge.pk}", {"version": 1, "unit_id": city.court_b.pk})
    assert response.status_code == 422 and messages_by_field(response)["unit_id"]
    assert client.patch(f"/persons/{judge.pk}", {"rank": "无版本号"}).status_code == 422
    judge.refresh_from_db()
    assert judge.version == 1 and judge.unit_id == city.court_a.pk


def test_it_describes_the_schema_in_chinese_without_secret_fields(city, client):
    schema = client.get("/api/v1/openapi.json").json()
    person = schema["components"]["schemas"]["PersonOut"]["properties"]
    assert "id_cipher" not in person and "id_digest" not in person and "id_number" not in person
    assert person["id_masked"]["description"].startswith("脱敏身份证号")
    assert schema["paths"]["/api/v1/persons"]["get"]["summary"] == "干警名册"
