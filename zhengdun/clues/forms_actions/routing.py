"""Action forms that move a clue between hands: 交办 (with the units and handlers one may
choose), 退回, 重新启用, 重新办理, the approvals (拟办意见, 办结) and 移交/并件."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import roles_with
from zhengdun.clues import deadlines
from zhengdun.clues.forms_actions.base import (
    ActionForm,
    choice_field,
    date_field,
    text_field,
    user_label,
)
from zhengdun.clues.models import (
    Clue,
    Disposition,
    Feedback,
    Transfer,
)
from zhengdun.org.forms import UnitChoiceField
from zhengdun.org.models import Unit
from zhengdun.org.widgets import UnitPicker

# --- assignment ------------------------------------------------------------------------------


def assignable_units(user: User) -> QuerySet[Unit]:
    """Units the user may assign to: inside their clues.assign subtrees, organisations only."""
    paths = permissions.unit_paths_for(user, "clues.assign")
    within = Q(pk__in=[])
    for path in paths:
        within |= Q(path__startswith=path)
    return Unit.objects.filter(within, is_active=True).exclude(type__in=Unit.AREA_TYPES)


def eligible_handlers(user: User, clue: Clue, unit: Unit | None = None) -> list[tuple[User, Unit]]:
    """Active users holding clues.handle on the unit (or, without a unit, on any unit the user
    may assign to), each with the unit of their grant. A subject of the clue is never offered."""
    candidates = (
        RoleAssignment.objects.filter(
            role__in=roles_with("clues.handle"), user__is_active=True, unit__is_active=True
        )
        .select_related("user", "unit")
        .order_by("unit__path", "user__username")
    )
    if unit is not None:
        # A grant covers its unit's subtree: the grant's unit is the unit or one of its ancestors.
        grants = [g for g in candidates if unit.path.startswith(g.unit.path)]
    else:
        paths = permissions.unit_paths_for(user, "clues.assign")
        grants = [g for g in candidates if any(g.unit.path.startswith(p) for p in paths)]
    subjects = set(clue.subjects.exclude(person=None).values_list("person_id", flat=True))
    seen: set[int] = set()
    found: list[tuple[User, Unit]] = []
    for grant in grants:
        if grant.user_id in seen or grant.user.person_id in subjects:
            continue
        seen.add(grant.user_id)
        found.append((grant.user, grant.unit))
    return found


class HandlerChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units: dict[int, Unit] = {}

    def label_from_instance(self, obj: User) -> str:
        return user_label(obj, self.units.get(obj.pk))


class AssignForm(ActionForm):
    submit_label = "交办"

    # a city has ~150 units: grouped by county, with a filter box (org.widgets.UnitPicker)
    unit = UnitChoiceField(
        Unit.objects.none(),
        label="承办单位",
        empty_label="请选择承办单位",
        widget=UnitPicker(placeholder="输入单位名称筛选，如 法院、城东"),
        error_messages={
            "required": "请选择承办单位",
            "invalid_choice": "所选单位不存在或不在您的交办范围内",
        },
    )
    handler = HandlerChoiceField(
        User.objects.none(),
        label="承办人",
        required=False,
        empty_label="由承办单位自行确定",
        error_messages={"invalid_choice": "所选承办人不是承办单位的单位承办人"},
    )
    deadline = date_field("办理时限", required=False)
    note = text_field("交办意见", required=False, max_length=2000, rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = cast(UnitChoiceField, self.fields["unit"])
        unit_field.set_queryset(assignable_units(self.user))
        self.default_deadline = deadlines.handling_deadline(
            self.clue.channel, list(self.clue.categories.all()), timezone.localdate()
        )
        days, working = deadlines.rule_for(self.clue.channel, list(self.clue.categories.all()))
        self.fields["deadline"].initial = self.default_deadline
        self.fields["deadline"].help_text = (
            f"按时限规则（{days}{'个工作日' if working else '天'}）自交办之日起算为"
            f"{self.default_deadline:%Y-%m-%d}；留空即按规则计算"
        )
        unit = self.chosen_unit()
        pairs = eligible_handlers(self.user, self.clue, unit)
        handler_field = cast(HandlerChoiceField, self.fields["handler"])
        handler_field.queryset = User.objects.filter(pk__in=[u.pk for u, _ in pairs]).order_by("username")
        handler_field.units = {u.pk: g for u, g in pairs}
        handler_field.help_text = (
            "列出该单位的单位承办人" if unit is not None else "先选择承办单位可只列出该单位的承办人"
        )

    def chosen_unit(self) -> Unit | None:
        raw = self.data.get("unit") if self.is_bound else self.initial.get("unit")
        if raw in (None, ""):
            return None
        value: Any = raw.pk if isinstance(raw, Model) else raw  # initial may hold the Unit itself
        try:
            return assignable_units(self.user).filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None


# --- reasons --------------------------------------------------------------------------------


class ReturnForm(ActionForm):
    submit_label = "退回"
    danger = True
    reason = text_field("退回理由")


class ReactivateForm(ActionForm):
    submit_label = "重新启用"
    reason = text_field("启用理由（新情况）")


class ReopenForm(ActionForm):
    submit_label = "重新办理"
    reason = text_field("重新办理理由")


# --- disposition and closure ------------------------------------------------------------------


class ProposeDispositionForm(ActionForm):
    submit_label = "提交审批"
    disposition = choice_field("处置方式", Disposition.choices, radio=True)
    reason = text_field("处置理由", rows=4)


class ApproveForm(ActionForm):
    submit_label = "批准"
    comment = text_field("审批意见", required=False)


class ApproveDispositionForm(ApproveForm):
    submit_label = "批准处置"


class ApproveClosureForm(ApproveForm):
    submit_label = "批准办结"


class RejectForm(ActionForm):
    submit_label = "退回"
    danger = True
    reason = text_field("退回理由")


class RejectDispositionForm(RejectForm):
    submit_label = "退回处置意见"


class RejectClosureForm(RejectForm):
    submit_label = "退回办结"


class SubmitClosureForm(ActionForm):
    submit_label = "提请办结"
    reason = text_field("办结报告", max_length=5000, rows=6)


class RecordFeedbackForm(ActionForm):
    submit_label = "保存反馈"
    method = choice_field("反馈方式", [("", "请选择")] + list(Feedback.Method.choices))
    fed_back_on = date_field("反馈日期")
    content = text_field("反馈内容", max_length=5000, rows=4)
    opinion = choice_field(
        "举报人意见",
        [("", "未表态")] + [c for c in Feedback.Opinion.choices if c[0]],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fed_back_on"].initial = timezone.localdate()


class ArchiveForm(ActionForm):
    submit_label = "确认归档"


# --- transfer and merge -------------------------------------------------------------------------


class TransferForm(ActionForm):
    submit_label = "移交"
    target = choice_field("移交对象类别", [("", "请选择")] + list(Transfer.Target.choices))
    receiver = forms.CharField(
        label="接收单位",
        max_length=100,
        error_messages={"required": "请填写接收单位", "max_length": "接收单位不能超过100个字"},
    )
    transferred_on = date_field("移交日期")
    reason = text_field("移交理由")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["transferred_on"].initial = timezone.localdate()
        self.due_on = deadlines.transfer_due(self.clue.received_on)
        self.fields["transferred_on"].help_text = f"应于{self.due_on:%Y-%m-%d}前移交（受理后5个工作日内）"


class MergeForm(ActionForm):
    submit_label = "并件"
    into = forms.CharField(
        label="并入线索编号",
        max_length=32,
        error_messages={"required": "请填写要并入的线索编号"},
        help_text="填写已在办理的同一问题线索的编号",
    )
    reason = text_field("并件说明", required=False, rows=2)

    def clean_into(self) -> Clue:
        number = self.cleaned_data["into"].strip()
        found = permissions.scope(self.user, "clues.view", Clue.objects.all()).filter(number=number).first()
        if found is None:
            raise ValidationError(f"未找到编号为“{number}”的线索，或您无权查看该线索")
        if found.pk == self.clue.pk:
            raise ValidationError("不能并入线索本身")
        return found


# --- registration details and subjects -----------------------------------------------------------
