"""The typed form helpers: field_of gives a declared field as its own class or says it is not;
a person field used before set_user refuses rather than scoping the roster for nobody; the
signed-in user accessor refuses an anonymous caller."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.test import RequestFactory

from zhengdun.accounts.current import current_user
from zhengdun.clues.models import Category
from zhengdun.rectification.forms import CategoryChoiceField, PersonField, field_of


class _Form(forms.Form):
    category = CategoryChoiceField(Category.objects.none())
    name = forms.CharField()


def test_field_of_gives_the_declared_field_as_its_class():
    form = _Form()
    assert isinstance(field_of(form, "category", forms.ModelChoiceField), CategoryChoiceField)
    with pytest.raises(TypeError):
        field_of(form, "name", forms.ModelChoiceField)


def test_a_person_field_without_its_user_refuses_to_clean():
    with pytest.raises(ImproperlyConfigured):
        PersonField(label="责任人").clean(("", "张"))


def test_the_user_accessor_refuses_an_anonymous_request():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        current_user(request)


@pytest.mark.django_db
def test_a_category_is_shown_by_its_label():
    category = Category.objects.filter(is_active=True).first()
    assert category is not None
    assert CategoryChoiceField(Category.objects.all()).label_from_instance(category) == category.label
