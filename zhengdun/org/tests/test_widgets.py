"""org.widgets.UnitPicker: the units grouped by county (市直单位 first), indented within their
group, the filter box there for the script only; and on the 交办 form the choices stay the
units the user may assign to, an id outside them refused."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django import forms

from zhengdun.accounts.roles import Role
from zhengdun.clues import testing as clue_testing
from zhengdun.clues.forms_actions import AssignForm
from zhengdun.core.testing import make_unit, make_user
from zhengdun.org.forms import UnitChoiceField
from zhengdun.org.models import Unit
from zhengdun.org.widgets import CITY_GROUP, UnitPicker


class _Options(HTMLParser):
    """(optgroup label or None, option value, option text) of a rendered select, in order;
    and the attributes of the filter box and of the select."""

    def __init__(self) -> None:
        super().__init__()
        self.options: list[tuple[str | None, str, str]] = []
        self.group: str | None = None
        self.current: list[str] | None = None
        self.select: dict[str, str | None] = {}
        self.search: dict[str, str | None] = {}
        self.search_box: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "optgroup":
            self.group = found["label"]
        elif tag == "option":
            self.current = [found.get("value") or "", ""]
            if "selected" in found:
                self.current.append("selected")
        elif tag == "select":
            self.select = found
        elif tag == "input" and "unit-picker-filter" in (found.get("class") or ""):
            self.search = found
        elif tag == "div" and "unit-picker-search" in (found.get("class") or ""):
            self.search_box = found

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "optgroup":
            self.group = None
        elif tag == "option" and self.current is not None:
            self.options.append((self.group, self.current[0], self.current[1]))
            self.current = None


def _parse(html: str) -> _Options:
    parser = _Options()
    parser.feed(str(html))
    return parser


def _groups(parsed: _Options) -> list[str | None]:
    seen: list[str | None] = []
    for group, _value, _text in parsed.options:
        if not seen or seen[-1] != group:
            seen.append(group)
    return seen


class _UnitForm(forms.Form):
    unit = UnitChoiceField(Unit.objects.none(), label="单位", empty_label="全部单位", widget=UnitPicker())


def _unit_form(queryset, data=None) -> _UnitForm:
    form = _UnitForm(data)
    form.fields["unit"].set_queryset(queryset)
    return form


def test_it_groups_units_by_county_with_the_city_level_units_first(city):
    form = _unit_form(Unit.objects.exclude(type__in=Unit.AREA_TYPES))
    parsed = _parse(form["unit"])
    assert _groups(parsed) == [None, CITY_GROUP, "甲县", "乙县"]
    by_value = {value: (group, text) for group, value, text in parsed.options}
    assert by_value[""] == (None, "全部单位")  # the empty choice first, in no group
    assert by_value[str(city.office.pk)] == (CITY_GROUP, "市教育整顿办")
    assert by_value[str(city.court_a.pk)] == ("甲县", "甲县人民法院")
    assert by_value[str(city.police_a.pk)] == ("甲县", "甲县公安局")
    # indented under its parent, counted from the top of its group
    assert by_value[str(city.station_a.pk)] == ("甲县", "\u3000城关派出所")
    assert by_value[str(city.court_b.pk)] == ("乙县", "乙县人民法院")
    # every unit offered once, none lost to the grouping
    values = [value for _group, value, _text in parsed.options if value]
    assert sorted(values) == sorted(
        str(pk) for pk in form.fields["unit"].queryset.values_list("pk", flat=True)
    )


def test_a_county_itself_heads_its_own_group_and_the_city_goes_with_the_city_level(city):
    parsed = _parse(_unit_form(Unit.objects.all())["unit"])
    by_value = {value: (group, text) for group, value, text in parsed.options}
    assert by_value[str(city.city.pk)][0] == CITY_GROUP
    assert by_value[str(city.county_a.pk)] == ("甲县", "甲县")
    assert by_value[str(city.court_a.pk)] == ("甲县", "\u3000甲县人民法院")
    first_of_a = next(value for group, value, _text in parsed.options if group == "甲县")
    assert first_of_a == str(city.county_a.pk)


def test_a_unit_added_later_still_lands_under_its_county(city):
    late = make_unit(city.county_b, "乙县公安局", Unit.Type.PUBLIC_SECURITY, "C370212-GA")
    parsed = _parse(_unit_form(Unit.objects.exclude(type__in=Unit.AREA_TYPES))["unit"])
    assert (("乙县", str(late.pk), "乙县公安局")) in parsed.options
    assert _groups(parsed) == [None, CITY_GROUP, "甲县", "乙县"]


def test_the_filter_box_is_for_the_script_only_and_never_sent(city):
    parsed = _parse(_unit_form(Unit.objects.all())["unit"])
    assert "hidden" in parsed.search_box  # without JavaScript: no box that does nothing
    assert "name" not in parsed.search  # never part of the form's data
    assert parsed.search["aria-controls"] == parsed.select["id"] == "id_unit"
    assert parsed.select["name"] == "unit"


def test_the_chosen_unit_is_marked_selected(city):
    form = _unit_form(Unit.objects.all(), {"unit": str(city.station_a.pk)})
    parsed = _parse(form["unit"])
    chosen = [o for o in parsed.options if o[1] == str(city.station_a.pk)]
    assert len(chosen) == 1
    html = str(form["unit"])
    assert f'value="{city.station_a.pk}" selected' in html


def test_it_reads_the_units_places_in_a_fixed_number_of_queries(city, django_assert_max_num_queries):
    form = _unit_form(Unit.objects.all())
    with django_assert_max_num_queries(2):
        str(form["unit"])


def test_names_are_escaped(city):
    odd = make_unit(city.county_a, "甲县<b>法庭</b>", Unit.Type.COURT, "C370211-FT")
    html = str(_unit_form(Unit.objects.all())["unit"])
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert str(odd.pk) in html


# --- on the 交办 form ---------------------------------------------------------------------------


@pytest.fixture
def county_office(city):
    return make_user("county_office", city.county_a, (Role.OFFICE_HANDLER, city.county_a))


def test_the_assign_form_offers_the_city_office_every_organisation_grouped(city):
    clue = clue_testing.register(city)
    form = AssignForm(user=city.office_handler, clue=clue)
    parsed = _parse(form["unit"])
    assert _groups(parsed) == [None, CITY_GROUP, "甲县", "乙县"]
    offered = {value for _group, value, _text in parsed.options if value}
    # organisations only: the city and the counties are areas, not units one assigns to
    assert offered == {
        str(u.pk) for u in (city.office, city.court_a, city.police_a, city.station_a, city.court_b)
    }


def test_the_assign_form_offers_a_county_office_its_county_only(city, county_office):
    clue = clue_testing.register(city, owner_unit=city.county_a, actor=county_office)
    parsed = _parse(AssignForm(user=county_office, clue=clue)["unit"])
    assert _groups(parsed) == [None, "甲县"]
    offered = {value for _group, value, _text in parsed.options if value}
    assert offered == {str(city.court_a.pk), str(city.police_a.pk), str(city.station_a.pk)}


@pytest.mark.parametrize("raw", ["court_b", "county_a", "office", "999999", "abc", "-1", "1.5", "1 OR 1=1"])
def test_a_unit_outside_the_assigners_reach_is_refused(city, county_office, raw):
    clue = clue_testing.register(city, owner_unit=city.county_a, actor=county_office)
    value = str(getattr(city, raw).pk) if hasattr(city, raw) else raw
    form = AssignForm({"unit": value}, user=county_office, clue=clue)
    assert not form.is_valid()
    assert form.errors["unit"] == ["所选单位不存在或不在您的交办范围内"]


def test_a_unit_within_reach_is_accepted(city, county_office):
    clue = clue_testing.register(city, owner_unit=city.county_a, actor=county_office)
    form = AssignForm({"unit": str(city.station_a.pk)}, user=county_office, clue=clue)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit"] == city.station_a


def test_no_unit_is_refused_in_chinese(city):
    clue = clue_testing.register(city)
    form = AssignForm({"unit": ""}, user=city.office_handler, clue=clue)
    assert not form.is_valid()
    assert form.errors["unit"] == ["请选择承办单位"]
