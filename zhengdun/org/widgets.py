"""UnitPicker: a unit select a person can search, for any unit field (issue #11: the 交办 select
listed a city's 156 units in one column, with nothing to type into).

Without JavaScript it is a plain <select>: one <optgroup> per county (区县), the city-level
units (市直单位) first, each unit indented under its parent within its group. With JavaScript
(static/zhengdun/unit-picker.js) a filter box above it narrows the options as one types. The
choices stay the field's: the widget only groups what the field offers, so a form's scope and
its validation are untouched.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from zhengdun.org.models import Unit

CITY_GROUP = "市直单位"
INDENT = "\u3000"  # a full-width space a level, as UnitChoiceField indents


class UnitPicker(forms.Select):
    """A <select> of units grouped by county, with a filter box the script reveals.

    Works with any choices whose values are unit ids (UnitChoiceField, ModelChoiceField of
    Unit); a value that is not a unit id (the empty choice) stays first, outside any group."""

    template_name = "org/widgets/unit_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, size: int = 8, placeholder: str = "") -> None:
        super().__init__(attrs)
        self.size = size  # rows of the list the script turns the select into
        self.placeholder = placeholder or "输入单位名称筛选"

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> list[Any]:
        """(group label, options, index) triples: the unassigned options, then 市直单位, then
        each county in tree order; a unit's label re-indented by its depth within its group."""
        flat = [(v, label) for v, label in self._flat_choices()]
        ids = [_unit_id(v) for v, _label in flat]
        places = _places([pk for pk in ids if pk is not None])
        loose: list[tuple[Any, str]] = []
        grouped: dict[str, list[tuple[Any, str, int]]] = {}
        order: dict[str, str] = {}
        for (v, label), pk in zip(flat, ids, strict=True):
            place = places.get(pk) if pk is not None else None
            if place is None:
                loose.append((v, label))
                continue
            group, group_key, depth = place
            grouped.setdefault(group, []).append((v, str(label).lstrip(INDENT), depth))
            order[group] = group_key
        value_set = {str(v) for v in value}
        groups: list[Any] = []
        index = 0

        def option(v: Any, label: str) -> dict[str, Any]:
            nonlocal index
            selected = str(v if v is not None else "") in value_set
            built = self.create_option(name, v, label, selected, index, attrs=attrs)
            index += 1
            return built

        if loose:
            groups.append((None, [option(v, label) for v, label in loose], 0))
        # 市直单位 sorts first (its key is ""), then the counties in the order of the tree
        for group in sorted(grouped, key=lambda g: order[g]):
            entries = grouped[group]
            base = min(depth for _v, _label, depth in entries)
            options = [option(v, INDENT * (depth - base) + label) for v, label, depth in entries]
            groups.append((group, options, len(groups)))
        return groups

    def _flat_choices(self) -> list[tuple[Any, str]]:
        flat: list[tuple[Any, str]] = []
        for v, label in self.choices:
            if isinstance(label, list | tuple):  # already grouped: flatten and group again
                flat.extend(label)
            else:
                flat.append((v, str(label)))
        return flat

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["picker"] = {"size": self.size, "placeholder": self.placeholder}
        return context

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # The project's template engine, not the form renderer's: the template lives with the
        # project's templates (templates/org/widgets/), which Django's form renderer does not read.
        html = render_to_string(self.template_name, self.get_context(name, value, attrs))
        return mark_safe(html)  # noqa: S308 - a template's output, escaped by it


def _unit_id(value: Any) -> int | None:
    raw = getattr(value, "value", value)  # ModelChoiceIteratorValue
    raw = getattr(raw, "pk", raw)
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _places(ids: list[int]) -> dict[int, tuple[str, str, int]]:
    """Each unit id's (group label, group sort key, depth): its county's name and path, or
    市直单位 and "" for a unit under no county. Two reads, whatever the number of units."""
    if not ids:
        return {}
    counties = list(Unit.objects.filter(type=Unit.Type.COUNTY).order_by("path").values_list("path", "name"))
    places: dict[int, tuple[str, str, int]] = {}
    for pk, path, depth in Unit.objects.filter(pk__in=ids).values_list("pk", "path", "depth"):
        # the deepest county whose path starts this unit's (a county is its own group's first)
        county = max(
            ((c_path, c_name) for c_path, c_name in counties if path.startswith(c_path)),
            key=lambda c: len(c[0]),
            default=None,
        )
        places[pk] = (county[1], county[0], depth) if county else (CITY_GROUP, "", depth)
    return places
