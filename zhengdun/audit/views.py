"""The audit log pages, for 审计管理员 only (permission `audit.view`).

Read-only: there is no page, form or endpoint that changes or removes an entry.

The log grows to millions of rows, so the list never counts the whole table: it pages with a
seq cursor (keyset on the unique seq index), "上一页"/"下一页" instead of page numbers, and the
action / object-type choices come from a loose index scan instead of SELECT DISTINCT.

"校验日志链" starts a background check (actions.request_verification) and the page polls a
small panel (verify_status) every 2 s until the run is done; the check never runs in a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from zhengdun.accounts import permissions
from zhengdun.accounts.current import current_user
from zhengdun.audit import actions
from zhengdun.audit.chain import compute_hash
from zhengdun.audit.codes import action_label, object_type_label
from zhengdun.audit.forms import EntryFilterForm
from zhengdun.audit.models import ABANDONED_AFTER, Entry, VerificationRun

PAGE_SIZE = 50
HISTORY = 10  # runs listed on the verification page
ALREADY_RUNNING = "已有一次校验正在进行，未重复发起；请等待其完成。"
CURSORS = ("before", "after")


def _partial(request: HttpRequest) -> bool:
    # A history restore after a cache miss wants the whole page, though htmx sends it.
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _require_auditor(request: HttpRequest) -> None:
    # Signed in but not an auditor: 403, not 404 — the page's existence is no secret, its
    # content is (and the nav only shows it to auditors anyway).
    if not permissions.has_permission(request.user, "audit.view"):
        raise PermissionDenied("只有审计管理员可以查阅审计日志")


def _present_values(column: str) -> list[str]:
    """The distinct values of an indexed column, one index probe per value (a recursive CTE
    emulating a loose index scan; SQLite and PostgreSQL both run it). SELECT DISTINCT would read
    the whole index, which at millions of entries is too slow for every page load."""
    if column not in ("action", "object_type"):
        raise ValueError(column)
    col = connection.ops.quote_name(column)
    table = connection.ops.quote_name(Entry._meta.db_table)
    sql = (
        f"WITH RECURSIVE t(v) AS ("  # noqa: S608 - identifiers from the whitelist above, no input
        f" SELECT MIN({col}) FROM {table}"
        f" UNION ALL"
        f" SELECT (SELECT MIN({col}) FROM {table} WHERE {col} > t.v) FROM t WHERE t.v IS NOT NULL"
        f") SELECT v FROM t WHERE v IS NOT NULL AND v <> ''"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _filter(qs: QuerySet[Entry], data: dict[str, Any]) -> QuerySet[Entry]:
    if data.get("user"):
        qs = qs.filter(actor_name__icontains=data["user"])
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("object_type"):
        qs = qs.filter(object_type=data["object_type"])
    if data.get("object_id"):
        qs = qs.filter(object_id=data["object_id"])
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz))
    if data.get("date_to"):
        next_day = data["date_to"] + dt.timedelta(days=1)
        qs = qs.filter(at__lt=dt.datetime.combine(next_day, dt.time.min, tzinfo=tz))
    if data.get("success"):
        qs = qs.filter(success=data["success"] == "1")
    return qs


# seq is a 64-bit integer; a longer cursor (before=99999999999999999999) would overflow the
# database's parameter (SQLite) and answer 500: it is clamped, which reads as the newest page
MAX_SEQ = 2**63 - 1


def _cursor(request: HttpRequest) -> tuple[str, int] | None:
    for name in CURSORS:
        raw = request.GET.get(name, "")
        if raw.isascii() and raw.isdigit():
            return name, min(int(raw[:20]), MAX_SEQ)
    return None


def _page(qs: QuerySet[Entry], cursor: tuple[str, int] | None) -> dict[str, Any]:
    """One page, newest first, plus the cursors for the pages either side (None = no page)."""
    if cursor is not None and cursor[0] == "after":
        rows = list(qs.filter(seq__gt=cursor[1]).order_by("seq")[: PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        has_older = bool(rows) and qs.filter(seq__lt=rows[-1].seq).exists()
    else:
        if cursor is not None:
            qs_page = qs.filter(seq__lt=cursor[1])
        else:
            qs_page = qs
        rows = list(qs_page.order_by("-seq")[: PAGE_SIZE + 1])
        has_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_newer = cursor is not None and bool(rows) and qs.filter(seq__gt=rows[0].seq).exists()
    return {
        "rows": rows,
        "newer": rows[0].seq if has_newer else None,
        "older": rows[-1].seq if has_older else None,
        "first_page": cursor is None,
    }


def _label_rows(rows: list[Entry]) -> None:
    for row in rows:
        row.action_label = action_label(row.action)  # type: ignore[attr-defined]
        row.object_type_label = object_type_label(row.object_type)  # type: ignore[attr-defined]


@require_GET
@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form = EntryFilterForm(
        request.GET,
        actions=[(code, f"{action_label(code)}（{code}）") for code in _present_values("action")],
        object_types=[(t, object_type_label(t)) for t in _present_values("object_type")],
    )
    page: dict[str, Any] | None = None
    if form.is_valid():
        cursor = _cursor(request)
        if cursor is None:
            actions.record_search(current_user(request), form.applied())
        page = _page(_filter(Entry.objects.all(), form.cleaned_data), cursor)
        _label_rows(page["rows"])
    query = QueryDict(mutable=True)
    # items() answers each key's last value (the stubs also allow a list: an empty one is skipped)
    query.update({k: v for k, v in request.GET.items() if k not in CURSORS and isinstance(v, str) and v})
    context = {"form": form, "page": page, "query": query.urlencode(), "page_size": PAGE_SIZE}
    if not _partial(request):
        context.update(_verification(with_history=False))
    return render(
        request, "audit/_entry_table.html" if _partial(request) else "audit/entry_list.html", context
    )


# --- an entry's data as labelled fields ---------------------------------------------------------
# The keys the actions write into Entry.data, with the Chinese a reader sees. A key not listed is
# shown as it is (the key itself, marked as such), never as a JSON dump.
DATA_LABELS: dict[str, str] = {
    # the audit log's own search (EntryFilterForm) and the list exports' filters
    "filters": "筛选条件",
    "user": "操作人",
    "action": "操作",
    "object_type": "对象类型",
    "object_id": "对象ID",
    "date_from": "起始日期",
    "date_to": "截止日期",
    "success": "结果",
    "q": "全文检索",
    "status": "状态",
    "flag": "标记",
    "sort": "排序",
    "per_page": "每页条数",
    "unit": "单位",
    "units": "单位",
    "category": "类别",
    "kind": "类型",
    "owner": "责任人",
    "round": "轮次",
    "rows": "导出行数",
    # changes and snapshots
    "changes": "变更内容",
    "before": "变更前",
    "after": "变更后",
    "version": "版本号",
    # common facts
    "username": "用户名",
    "name": "名称",
    "title": "标题",
    "reason": "理由",
    "note": "说明",
    "text": "内容",
    "code": "代码",
    "number": "编号",
    "role": "角色",
    "grant_id": "授权ID",
    "expires_at": "有效期至",
    "person": "人员",
    "people": "人员",
    "clue": "线索",
    "subject": "被反映人",
    "campaign": "教育整顿",
    "item": "事项",
    "items": "事项",
    "task": "任务",
    "milestone": "节点",
    "problems": "问题",
    "attachment": "附件",
    "files": "文件",
    "size": "大小（字节）",
    "day": "日期",
    "is_workday": "上班",
    "workdays": "工作日",
    "working_days": "工作日数",
    "from": "原值",
    "to": "新值",
    "outcome": "结果",
    "on_behalf": "代为填报",
    "replaced_by": "替代为",
    "seq": "序号",
    "run": "校验批次",
    "failures": "失败次数",
    "seed": "随机种子",
    "id": "ID",
    # fields of the records most often changed (person, unit, account, clue)
    "position": "职务",
    "rank": "职级",
    "gender": "性别",
    "police_no": "警号",
    "is_party_member": "中共党员",
    "started_on": "任职起始日期",
    "parent": "上级单位",
    "type": "类型",
    "region_code": "区划代码",
    "display_name": "姓名",
    "is_active": "启用",
    "summary": "反映问题摘要",
    "content": "反映问题内容",
    "sensitivity": "密级",
    "disposition": "处置方式",
    "handling_unit": "承办单位",
    "deadline": "时限",
}


@dataclass
class Field:
    """One labelled line of an entry's data; depth > 0 for a part of the line above it."""

    label: str
    key: str  # shown beside the label when the key has no Chinese label of its own
    value: str
    depth: int


def _label(key: str) -> tuple[str, str]:
    label = DATA_LABELS.get(key)
    return (label, "") if label else (key, key)


def _scalar(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value == {} or value == []:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    # the audit search's own filters are codes: show them as the list shows them
    if key == "action":
        return f"{action_label(text)}（{text}）"
    if key == "object_type":
        return f"{object_type_label(text)}（{text}）"
    if key == "success" and text in ("1", "0"):
        return "成功" if text == "1" else "失败"
    return text


def data_fields(data: Any, depth: int = 0, key: str = "") -> list[Field]:
    """An entry's data (any JSON) as labelled lines: a dict line by line, a nested dict or a list
    of dicts indented under its key, a list of plain values joined with 、."""
    if not isinstance(data, dict):
        data = {"data": data} if depth == 0 else {key: data}
    fields: list[Field] = []
    for name, value in data.items():
        label, shown_key = _label(str(name))
        if isinstance(value, dict) and value:
            fields.append(Field(label, shown_key, "", depth))
            fields.extend(data_fields(value, depth + 1, str(name)))
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            fields.append(Field(label, shown_key, f"{len(value)} 项", depth))
            for i, part in enumerate(value, 1):
                fields.append(
                    Field(f"第{i}项", "", "" if isinstance(part, dict) else _scalar(name, part), depth + 1)
                )
                if isinstance(part, dict):
                    fields.extend(data_fields(part, depth + 2, str(name)))
        elif isinstance(value, list):
            fields.append(Field(label, shown_key, "、".join(_scalar(name, v) for v in value) or "无", depth))
        else:
            fields.append(Field(label, shown_key, _scalar(str(name), value), depth))
    return fields


def _shown(value: Any) -> str:
    if isinstance(value, list | dict):
        return "；".join(
            f"{f.label}：{f.value}" if f.value else f.label for f in data_fields(value, 1, "value")
        )
    return _scalar("", value)


def _changes(data: dict[str, Any]) -> list[tuple[str, str, str, str]] | None:
    """{"field": [old, new]} (chain.diff's shape) as rows (label, key, old, new); anything else
    is shown with the other fields."""
    changes = data.get("changes")
    if not isinstance(changes, dict) or not changes:
        return None
    rows = []
    for field, pair in changes.items():
        label, key = _label(str(field))
        if isinstance(pair, list) and len(pair) == 2:
            rows.append((label, key, _shown(pair[0]), _shown(pair[1])))
        else:
            rows.append((label, key, "", _shown(pair)))
    return rows


@require_GET
@login_required
def entry_detail(request: HttpRequest, seq: int) -> HttpResponse:
    _require_auditor(request)
    entry = Entry.objects.filter(seq=seq).first()
    if entry is None:
        raise Http404("未找到该审计日志条目")
    try:
        hash_ok: bool | None = compute_hash(entry) == entry.hash
    except ValueError:  # unknown algorithm, or SM3 missing from this machine's OpenSSL
        hash_ok = None
    previous = Entry.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
    link_ok = entry.prev_hash == previous if seq > 1 else None
    data = entry.data if isinstance(entry.data, dict) else {"data": entry.data}
    changes = _changes(data)
    # the changes table and the before/after columns show those keys; the rest are listed below
    shown_apart = {"before", "after"} | ({"changes"} if changes else set())
    context = {
        "entry": entry,
        "action_label": action_label(entry.action),
        "object_type_label": object_type_label(entry.object_type),
        "hash_ok": hash_ok,
        "link_ok": link_ok,
        "previous_exists": previous is not None,
        "changes": changes,
        "before": data_fields(data["before"], 0, "before") if "before" in data else None,
        "after": data_fields(data["after"], 0, "after") if "after" in data else None,
        "fields": data_fields({k: v for k, v in data.items() if k not in shown_apart}),
        "newer": seq + 1 if Entry.objects.filter(seq=seq + 1).exists() else None,
        "older": seq - 1 if previous is not None else None,
    }
    return render(request, "audit/entry_detail.html", context)


def _verification(*, with_history: bool, notice: str = "") -> dict[str, Any]:
    """The context of the verification panel: the latest run, and the last HISTORY runs on the
    verification page. While the latest run is in flight the panel polls itself."""
    runs = list(VerificationRun.objects.select_related("requested_by")[: HISTORY if with_history else 1])
    latest = runs[0] if runs else None
    return {
        "latest": latest,
        "history": runs if with_history else None,
        "with_history": with_history,
        "notice": notice,
        "poll": latest is not None and latest.in_flight,
        "abandoned_after_hours": int(ABANDONED_AFTER.total_seconds() // 3600),
        "history_size": HISTORY,
    }


@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """GET: the verification page (latest run and history). POST ("校验日志链"): start a check
    in the background, or show the one already running; htmx gets the panel, a plain form post
    is redirected to the page."""
    _require_auditor(request)
    if request.method == "GET":
        return render(request, "audit/verification.html", _verification(with_history=True))
    _run, started = actions.request_verification(current_user(request))
    notice = "" if started else ALREADY_RUNNING
    if not _partial(request):
        if notice:
            messages.info(request, notice)
        return redirect("audit:verify")
    with_history = request.POST.get("history") == "1"
    return render(
        request, "audit/_verification.html", _verification(with_history=with_history, notice=notice)
    )


@require_GET
@login_required
def verify_status(request: HttpRequest) -> HttpResponse:
    """The verification panel alone, polled every 2 s while a run is in progress."""
    _require_auditor(request)
    with_history = request.GET.get("history") == "1"
    return render(request, "audit/_verification.html", _verification(with_history=with_history))
