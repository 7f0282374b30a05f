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
import json
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
    return bool(htmx) and not htmx.history_restore_request


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


def _cursor(request: HttpRequest) -> tuple[str, int] | None:
    for name in CURSORS:
        raw = request.GET.get(name, "")
        if raw.isdigit():
            return name, int(raw)
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
            actions.record_search(request.user, form.applied())
        page = _page(_filter(Entry.objects.all(), form.cleaned_data), cursor)
        _label_rows(page["rows"])
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in request.GET.items() if k not in CURSORS and v})
    context = {"form": form, "page": page, "query": query.urlencode(), "page_size": PAGE_SIZE}
    if not _partial(request):
        context.update(_verification(with_history=False))
    return render(
        request, "audit/_entry_table.html" if _partial(request) else "audit/entry_list.html", context
    )


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _changes(data: dict[str, Any]) -> list[tuple[str, str, str]] | None:
    """{"field": [old, new]} (chain.diff's shape) as rows; anything else is left to the JSON."""
    changes = data.get("changes")
    if not isinstance(changes, dict) or not changes:
        return None
    rows = []
    for field, pair in changes.items():
        if isinstance(pair, list) and len(pair) == 2:
            rows.append((field, _shown(pair[0]), _shown(pair[1])))
        else:
            rows.append((field, "", _shown(pair)))
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
    context = {
        "entry": entry,
        "action_label": action_label(entry.action),
        "object_type_label": object_type_label(entry.object_type),
        "hash_ok": hash_ok,
        "link_ok": link_ok,
        "previous_exists": previous is not None,
        "changes": _changes(data),
        "before": _pretty(data["before"]) if "before" in data else None,
        "after": _pretty(data["after"]) if "after" in data else None,
        "data": _pretty(entry.data),
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
    _run, started = actions.request_verification(request.user)
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
