"""The timeline of a clue's detail page: each event with its Chinese label and details."""

from __future__ import annotations

from typing import Any

from zhengdun.clues import workflow
from zhengdun.clues.models import (
    XINGTAI_LABELS,
    Channel,
    Clue,
    ReportingMode,
    Result,
    Sensitivity,
    Status,
)
from zhengdun.clues.workflow import EVENT_LABELS

FIELD_LABELS = {
    "channel_id": "线索来源",
    "received_on": "受理日期",
    "external_ref": "外部编号",
    "reporting_mode": "举报方式",
    "summary": "反映问题摘要",
    "content": "反映问题内容",
    "sensitivity": "密级",
}


STATUS_LABELS = dict(Status.choices)
RESULT_LABELS = dict(Result.choices)


def event_details(event: Any, channels: dict[int, str]) -> list[tuple[str, str]]:
    """The data of a timeline event as (label, value) pairs in Chinese."""
    data = event.data or {}
    rows: list[tuple[str, str]] = []

    def add(label: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            rows.append((label, str(value)))

    if event.action == "registered":
        add("来源", data.get("channel"))
        add("被反映人", "、".join(data.get("subjects") or []))
    elif event.action == "edited":
        for field, change in (data.get("changes") or {}).items():
            old: Any  # stored JSON: an id, a code, a date string or None
            new: Any
            old, new = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
            label = FIELD_LABELS.get(field, field)
            if field == "content":
                add(label, "已修改")
            elif field == "channel_id":
                add(label, f"{channels.get(old, old or '—')} → {channels.get(new, new or '—')}")
            elif field == "reporting_mode":
                modes = dict(ReportingMode.choices)
                add(label, f"{modes.get(old, old)} → {modes.get(new, new)}")
            elif field == "sensitivity":
                levels = dict(Sensitivity.choices)
                add(label, f"{levels.get(old, old)} → {levels.get(new, new)}")
            else:
                add(label, f"{old or '—'} → {new or '—'}")
    else:
        add("承办单位", data.get("unit"))
        add("办理时限", data.get("deadline"))
        add("退回单位", data.get("from_unit"))
        add("处置方式", data.get("disposition"))
        add("被反映人", data.get("subject"))
        result = data.get("result")
        if isinstance(result, list) and len(result) == 2:
            old, new = result
            add("核查结论", f"{RESULT_LABELS.get(old, '未录入')} → {RESULT_LABELS.get(new, new)}")
        elif event.action == "transfer_outcome_recorded":
            add("结果认定", RESULT_LABELS.get(result or "", ""))
        add("处理措施", data.get("measure"))
        if data.get("xingtai"):
            add("形态", XINGTAI_LABELS.get(data["xingtai"], data["xingtai"]))
        add("拟立案日期", data.get("proposed_on"))
        add("立案日期", data.get("filed_on"))
        add("接收单位", data.get("receiver"))
        add("延期至", data.get("new_deadline"))
        add("督办等级", data.get("level"))
        add("督办事由", data.get("reason"))
        add("反馈方式", data.get("method"))
        if event.action in ("subject_added", "subject_removed"):
            add("姓名", data.get("name"))
        elif event.action == "attachment_added":
            add("文件名", data.get("name"))
        add("知悉人", "、".join(data.get("users") or []))
        add("并入线索", data.get("into"))
        add("重复件", data.get("from"))
        if data.get("late"):
            rows.append(("时效", "超期"))
    return rows


def timeline(clue: Clue) -> list[dict[str, Any]]:
    channels = dict(Channel.objects.values_list("pk", "name"))
    items = []
    for event in clue.events.select_related("actor").order_by("at", "id"):
        action = workflow.ACTIONS.get(event.action)
        items.append(
            {
                "event": event,
                "label": action.label if action else EVENT_LABELS.get(event.action, event.action),
                "from_label": STATUS_LABELS.get(event.from_status, ""),
                "to_label": STATUS_LABELS.get(event.to_status, ""),
                "to_colour": Clue(status=event.to_status).status_colour() if event.to_status else "",
                "details": event_details(event, channels),
                "is_transition": bool(event.to_status),
            }
        )
    return items
