"""One date input everywhere (core.widgets.DateInput): every DateField of every form uses it,
and no template writes a date box of its own with a sample date as placeholder."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings

import zhengdun
from zhengdun.core.widgets import DATE_MAX, DATE_MIN, DATETIME_MAX, DATETIME_MIN, DateInput, DateTimeInput


def _all_form_classes() -> list[type[forms.BaseForm]]:
    # import every forms module (forms.py, forms_*.py and packages named forms*) so their
    # classes are registered as subclasses
    for info in pkgutil.walk_packages(zhengdun.__path__, "zhengdun."):
        leaf = info.name.rsplit(".", 1)[-1]
        if ".forms" in info.name and "tests" not in info.name or leaf.startswith("forms"):
            importlib.import_module(info.name)
    seen: list[type[forms.BaseForm]] = []
    todo: list[type] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("zhengdun.") and sub not in seen:
                seen.append(sub)
    return seen


def test_it_uses_the_one_date_input_for_every_date_field() -> None:
    classes = _all_form_classes()
    assert len(classes) > 20
    dates = [
        (cls.__qualname__, name, field)
        for cls in classes
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateField)
    ]
    assert len(dates) >= 8  # audit, accounts, org, clues, rectification forms
    wrong = [(cls, name) for cls, name, field in dates if not isinstance(field.widget, DateInput)]
    assert not wrong, wrong


def test_it_renders_a_native_date_picker_without_a_fake_value() -> None:
    html = DateInput(attrs={"placeholder": "2021-06-02"}).render("day", None)
    assert 'type="date"' in html
    assert f'min="{DATE_MIN}"' in html and f'max="{DATE_MAX}"' in html
    assert "placeholder" not in html
    import datetime as dt

    assert 'value="2021-06-02"' in DateInput().render("day", dt.date(2021, 6, 2))


def test_it_uses_the_one_date_and_time_input_for_every_moment_field() -> None:
    # a DateTimeField, or a field whose widget is a DateTimeInput (selfreports' MomentField)
    moments = [
        (cls.__qualname__, name, field)
        for cls in _all_form_classes()
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateTimeField) or isinstance(field.widget, forms.DateTimeInput)
    ]
    assert len(moments) >= 2  # the campaign's report window
    wrong = [(cls, name) for cls, name, field in moments if not isinstance(field.widget, DateTimeInput)]
    assert not wrong, wrong


def test_it_renders_a_native_date_and_time_picker_without_a_fake_value() -> None:
    import datetime as dt

    html = DateTimeInput(attrs={"placeholder": "2021-03-15 08:30"}).render("at", None)
    assert 'type="datetime-local"' in html
    assert f'min="{DATETIME_MIN}"' in html and f'max="{DATETIME_MAX}"' in html
    assert "placeholder" not in html
    assert 'value="2021-03-15T08:30"' in DateTimeInput().render("at", dt.datetime(2021, 3, 15, 8, 30))


@pytest.mark.parametrize(
    "path",
    sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")),
    ids=lambda p: str(p.relative_to(Path(settings.BASE_DIR, "templates"))),
)
def test_it_has_no_template_with_a_sample_date_as_placeholder(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r'placeholder="(19|20)\d\d[-./年]', text), path


def test_it_gives_the_hand_written_date_boxes_the_same_bounds() -> None:
    root = Path(settings.BASE_DIR, "templates")
    for path in root.rglob("*.html"):
        for tag in re.findall(r"<input[^>]*type=\"date\"[^>]*>", path.read_text()):
            assert 'min="' in tag and 'max="' in tag, (path, tag)
