"""Forms of the accounts pages. They collect and shape input; the rules are in actions/security."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from zhengdun.accounts import permissions, security
from zhengdun.accounts.roles import Role
from zhengdun.core.widgets import DateInput
from zhengdun.org.forms import UnitChoiceField
from zhengdun.org.models import Unit

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from zhengdun.accounts.models import User


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show an action's ValidationError on the form: beside the field it names, or on top when
    the form has no such field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def units_for(user: User, permission: str) -> QuerySet[Unit]:
    return permissions.scope(user, permission, Unit.objects.filter(is_active=True)).order_by("path")


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, error_messages={"required": "请填写用户名"})
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput, error_messages={"required": "请填写密码"}
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        username, password = data.get("username"), data.get("password")
        if username and password:
            try:
                self.user = security.attempt_login(self.request, username, password)
            except security.LoginRefused as exc:
                raise ValidationError(str(exc), code="login_refused") from exc
        return data


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, new twice, every AUTH_PASSWORD_VALIDATORS rule) plus: the
    new password must differ from the current one."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "当前密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再次输入新密码"
        self.fields[
            "new_password1"
        ].help_text = "至少8位，且包含大写字母、小写字母、数字、特殊字符中的至少3类。"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        new = data.get("new_password1")
        if new and not self.has_error("new_password2") and self.user.check_password(new):
            self.add_error("new_password1", "新密码不能与当前密码相同")
        return data


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, error_messages={"required": "请填写用户名"})
    display_name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名"})
    unit = UnitChoiceField(
        label="所在单位",
        queryset=Unit.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择所在单位", "invalid_choice": "请选择有效的单位"},
    )
    police_no = forms.CharField(
        label="警号/工号",
        max_length=32,
        required=False,
        help_text="填写后账号与干警名册中的该干警关联（用于回避）。",
    )
    email = forms.EmailField(
        label="电子邮箱", required=False, error_messages={"invalid": "电子邮箱格式不正确"}
    )

    def __init__(self, actor: User, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(UnitChoiceField, self.fields["unit"]).set_queryset(units_for(actor, "accounts.manage_users"))


class GrantForm(forms.Form):
    role = forms.ChoiceField(
        label="角色",
        choices=[("", "请选择")] + list(Role.choices),
        error_messages={"required": "请选择角色", "invalid_choice": "请选择有效的角色"},
    )
    unit = UnitChoiceField(
        label="授权单位",
        queryset=Unit.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择授权单位", "invalid_choice": "请选择有效的授权单位"},
    )

    def __init__(self, actor: User, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(UnitChoiceField, self.fields["unit"]).set_queryset(units_for(actor, "accounts.grant_roles"))


class TokenForm(forms.Form):
    name = forms.CharField(
        label="用途",
        max_length=60,
        error_messages={"required": "请填写令牌用途", "max_length": "用途不能超过60个字"},
    )
    expires_on = forms.DateField(
        label="有效期至",
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text="留空表示长期有效；令牌在该日结束时失效。",
        error_messages={"invalid": "有效期格式应为 2021-06-02"},
    )

    def clean_expires_on(self) -> dt.date | None:
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise ValidationError("有效期不能早于今天")
        return value

    def expires_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("expires_on")
        if value is None:
            return None
        end_of_day = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min)
        return timezone.make_aware(end_of_day)
