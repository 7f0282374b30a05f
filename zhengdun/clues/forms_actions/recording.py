"""Action forms that record facts on a clue: registration details and subjects, results and
measures, cases, extensions, 督办, transfer outcomes, attachments and named viewers."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.roles import roles_with
from zhengdun.clues.actions import SUPERVISION_REASONS
from zhengdun.clues.forms_actions.base import (
    ActionForm,
    choice_field,
    date_field,
    text_field,
    user_label,
)
from zhengdun.clues.models import (
    MEASURE_GROUPS,
    Category,
    Channel,
    Clue,
    Measure,
    MeasureKind,
    ReportingMode,
    Result,
    Sensitivity,
    SupervisionLevel,
    Transfer,
)
from zhengdun.org.models import Person


class EditForm(ActionForm):
    submit_label = "保存修改"
    channel = forms.ModelChoiceField(
        Channel.objects.filter(is_active=True),
        label="线索来源",
        empty_label="请选择",
        error_messages={"required": "请选择线索来源", "invalid_choice": "请选择有效的线索来源"},
    )
    received_on = date_field("受理日期")
    external_ref = forms.CharField(
        label="外部编号",
        max_length=64,
        required=False,
        help_text="如12337平台编号",
        error_messages={"max_length": "外部编号不能超过64个字符"},
    )
    reporting_mode = choice_field("举报方式", ReportingMode.choices, radio=True)
    categories = forms.ModelMultipleChoiceField(
        Category.objects.filter(is_active=True),
        label="问题类别",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "请选择有效的问题类别"},
    )
    summary = forms.CharField(
        label="反映问题摘要",
        max_length=200,
        error_messages={"required": "请填写反映问题摘要", "max_length": "反映问题摘要不能超过200个字"},
    )
    content = text_field("反映问题内容", required=False, max_length=20000, rows=6)
    sensitivity = choice_field("密级", Sensitivity.choices, radio=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def defaults(self) -> dict[str, Any]:
        clue = self.clue
        return {
            "channel": clue.channel_id,
            "received_on": clue.received_on,
            "external_ref": clue.external_ref,
            "reporting_mode": clue.reporting_mode,
            "categories": list(clue.categories.all()),
            "summary": clue.summary,
            "content": clue.content,
            "sensitivity": clue.sensitivity,
            "version": clue.version,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        clue: Clue = kwargs["clue"]
        super().__init__(*args, **kwargs)
        # A category of the clue stays offered even if it has been switched off since.
        categories = cast(forms.ModelMultipleChoiceField, self.fields["categories"])
        categories.queryset = Category.objects.filter(
            Q(is_active=True) | Q(pk__in=clue.categories.values("pk"))
        )

    def clean_version(self) -> int:
        version = self.cleaned_data.get("version")
        if version is None:
            raise ValidationError("缺少版本号，请刷新页面后重试")
        return version


class AddSubjectForm(ActionForm):
    """Add a 被反映人: a person picked from the roster search, or a name typed in free text."""

    submit_label = "添加被反映人"
    person = forms.ModelChoiceField(
        Person.objects.none(),
        label="从名册选择",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "所选干警不在您可管理的名册范围内"},
    )
    name = forms.CharField(label="姓名", max_length=50, required=False, help_text="名册中查不到时填写")
    unit_text = forms.CharField(label="单位", max_length=100, required=False)
    position = forms.CharField(label="职务", max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = cast(forms.ModelChoiceField, self.fields["person"])
        person.queryset = permissions.scope(
            self.user, "org.view_person", Person.objects.select_related("unit")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person") and not (data.get("name") or "").strip() and not self.errors:
            self.add_error("name", "请从名册选择被反映人，或填写其姓名")
        return data

    @property
    def chosen_people(self) -> list[Person]:
        """The roster person picked before a failed submit, shown again as picked."""
        value = self["person"].value()
        people = cast(forms.ModelChoiceField, self.fields["person"]).queryset  # set in __init__
        if not value or people is None:
            return []
        try:
            return list(people.filter(pk=int(value)))
        except (TypeError, ValueError):
            return []


class RemoveSubjectForm(ActionForm):
    submit_label = "确认删除"
    danger = True


# --- per subject ----------------------------------------------------------------------------------


class RecordResultForm(ActionForm):
    submit_label = "保存核查结论"
    result = choice_field("核查结论", Result.choices, radio=True)
    result_note = text_field("核查情况", required=False, max_length=5000, rows=3)
    verified_amount = forms.DecimalField(
        label="查实金额（元）",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="涉及金额的，填写核查认定的金额；用于比对本人自查报告",
        error_messages={
            "invalid": "查实金额须为数字，如 52000 或 52000.50",
            "min_value": "查实金额不能为负数",
            "max_digits": "查实金额过大",
            "max_decimal_places": "查实金额最多保留两位小数",
        },
    )
    finding_categories = forms.ModelMultipleChoiceField(
        Category.objects.none(),
        label="查实问题类别",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="查实的问题与线索问题类别不同时选择（如核查中发现的其他问题）；不选即与线索相同",
        error_messages={"invalid_choice": "所选查实问题类别不存在或已停用"},
    )
    # the result this form was opened on: saving is refused if someone changed it meanwhile
    expected_result = forms.CharField(required=False, widget=forms.HiddenInput)

    def defaults(self) -> dict[str, Any]:
        subject = self.subject
        if not subject:
            return {}
        shown = subject.result or self.NO_RESULT
        return {
            "result": subject.result,
            "result_note": subject.result_note,
            "verified_amount": subject.verified_amount,
            "finding_categories": list(subject.finding_categories.all()),
            "expected_result": shown,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        findings = cast(forms.ModelMultipleChoiceField, self.fields["finding_categories"])
        findings.queryset = Category.objects.filter(is_active=True)

    NO_RESULT = "-"

    def clean_expected_result(self) -> str | None:
        # absent (an older page, a script): no check; "-": the form showed no result yet
        value = self.cleaned_data.get("expected_result") or ""
        if not value:
            return None
        return "" if value == self.NO_RESULT else value


def measure_choices() -> list[tuple[str, Any]]:
    labels = dict(MeasureKind.choices)
    return [("", "请选择处理措施")] + [
        (group, [(kind, labels[kind]) for kind in kinds]) for group, kinds in MEASURE_GROUPS.items()
    ]


class RecordMeasureForm(ActionForm):
    submit_label = "保存处理措施"
    kind = choice_field("处理措施", measure_choices())
    decided_on = date_field("决定日期")
    note = forms.CharField(
        label="说明",
        max_length=200,
        required=False,
        help_text="如处分决定文号",
        error_messages={"max_length": "说明不能超过200个字"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()


class RemoveMeasureForm(ActionForm):
    submit_label = "删除"
    danger = True
    measure = forms.ModelChoiceField(
        Measure.objects.none(),
        label="处理措施",
        error_messages={"required": "请选择要删除的处理措施", "invalid_choice": "该处理措施不存在"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measure = cast(forms.ModelChoiceField, self.fields["measure"])
        measure.queryset = Measure.objects.filter(subject=self.subject)


class SetClearedForm(ActionForm):
    submit_label = "保存"
    cleared = forms.BooleanField(label="澄清正名", required=False, help_text="对不实举报予以澄清正名")
    note = text_field("说明", required=False, rows=2)

    def defaults(self) -> dict[str, Any]:
        # the form offers the change: clearing an uncleared subject, or undoing it
        return {"cleared": not self.subject.cleared} if self.subject else {}


# --- case, deadlines, supervision ------------------------------------------------------------------


class RecordCaseForm(ActionForm):
    submit_label = "保存"
    proposed_on = date_field("拟立案日期", required=False)
    filed_on = date_field("立案日期", required=False)

    def defaults(self) -> dict[str, Any]:
        return {"proposed_on": self.clue.case_proposed_on, "filed_on": self.clue.case_filed_on}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("proposed_on") and not data.get("filed_on") and not self.errors:
            self.add_error("proposed_on", "请至少填写拟立案日期或立案日期")
        return data


class RequestExtensionForm(ActionForm):
    submit_label = "提交延期申请"
    new_deadline = date_field("延期至")
    reason = text_field("延期理由")


class DecideExtensionForm(ActionForm):
    submit_label = "提交审批意见"
    decision = choice_field("审批结果", [("approve", "同意延期"), ("refuse", "不同意")], radio=True)
    reason = text_field("审批意见", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = "不同意延期须填写理由"


class SuperviseForm(ActionForm):
    submit_label = "督办"
    level = choice_field("督办等级", [c for c in SupervisionLevel.choices if c[0]], radio=True)
    reason = choice_field("督办事由", [("", "请选择")] + [(r, r) for r in SUPERVISION_REASONS])
    note = text_field("督办要求", required=False)
    report_by = date_field("进展报告期限", required=False)


class TransferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Transfer) -> str:
        return f"{obj.transferred_on:%Y-%m-%d} 移交{obj.receiver}"


class RecordTransferOutcomeForm(ActionForm):
    submit_label = "保存移交结果"
    transfer = TransferChoiceField(
        Transfer.objects.none(),
        label="移交记录",
        empty_label=None,
        error_messages={"required": "请选择移交记录", "invalid_choice": "该移交记录不存在"},
    )
    outcome = text_field("办理结果", max_length=5000, rows=4)
    outcome_result = choice_field("结果认定", [("", "未认定")] + list(Result.choices), required=False)
    outcome_on = date_field("结果反馈日期")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        transfer = cast(TransferChoiceField, self.fields["transfer"])  # declared above
        transfer.queryset = self.clue.transfers.all()
        self.fields["outcome_on"].initial = timezone.localdate()


# --- attachments and viewers --------------------------------------------------------------------


class AttachForm(ActionForm):
    submit_label = "上传"
    file = forms.FileField(
        label="附件",
        allow_empty_file=True,  # the action says "附件是空文件" in its own words
        error_messages={"required": "请选择要上传的文件", "invalid": "文件无效，请重新选择"},
    )


def viewer_candidates(clue: Clue) -> QuerySet[User]:
    """Users who could see the clue once named: a clues.view grant covering its owner or
    handling unit. Its subjects are left out (回避 applies whatever the list says)."""
    units = [clue.owner_unit] + ([clue.handling_unit] if clue.handling_unit is not None else [])
    prefixes = {unit.path[:i] for unit in units for i in range(1, len(unit.path) + 1)}
    grants = RoleAssignment.objects.filter(
        role__in=roles_with("clues.view"), unit__path__in=prefixes, unit__is_active=True
    )
    subjects = clue.subjects.exclude(person=None).values("person_id")
    return (
        User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .exclude(person_id__in=subjects)
        .select_related("unit")
        .order_by("unit__path", "username")
    )


class ViewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return user_label(obj)


class NameViewersForm(ActionForm):
    submit_label = "保存知悉人"
    users = ViewerChoiceField(
        User.objects.none(),
        label="知悉人",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选人员无权查看该线索"},
        help_text="重要线索仅限知悉人查看；被反映人本人始终回避",
    )

    def defaults(self) -> dict[str, Any]:
        return {"users": list(self.clue.viewers.values_list("user_id", flat=True))}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = cast(ViewerChoiceField, self.fields["users"])
        users.queryset = viewer_candidates(self.clue)
