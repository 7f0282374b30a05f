from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from zhengdun.accounts.current import current_user
from zhengdun.core.todo import home_sections, todo_cards


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: each role's work — the to-do cards and panels apps register in core.hooks."""
    user = current_user(request)
    return render(request, "core/home.html", {"cards": todo_cards(user), "sections": home_sections(user)})


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """工作日历: the library's holidays and 调休 for a year, and the office's overrides."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect

    from zhengdun.accounts.current import current_user
    from zhengdun.core import actions, workdays
    from zhengdun.core.dates import parse_date
    from zhengdun.core.models import CalendarOverride

    user = current_user(request)
    if not actions.may_edit_calendar(user):  # city-wide: the root unit's grant
        raise PermissionDenied(actions.CALENDAR_CITY_ONLY)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    error, typed = "", {}
    if request.method == "POST":
        typed = request.POST.dict()
        if "clear" in request.POST:
            row = CalendarOverride.objects.filter(pk=request.POST.get("clear") or 0).first()
            if row is not None:
                actions.clear_calendar_day(user, row)
                messages.success(request, f"已取消 {row.day:%Y-%m-%d} 的调整")
            return redirect(f"{request.path}?year={year}")
        try:
            day = parse_date(request.POST.get("day", ""))
        except ValueError as exc:
            error = f"日期：{exc}"
        else:
            actions.set_calendar_day(
                user,
                day=day,
                is_workday=request.POST.get("is_workday") == "1",
                note=request.POST.get("note", ""),
            )
            messages.success(request, f"已保存 {day:%Y-%m-%d} 的工作日调整")
            return redirect(f"{request.path}?year={day.year}")
    library = workdays._library_calendar(year)
    days_off = sorted((d, name) for d, name in library.items())
    working_weekends = sorted(d for d in getattr(library, "weekend_workdays", set()) if d.year == year)
    return render(
        request,
        "core/calendar.html",
        {
            "year": year,
            "overrides": CalendarOverride.objects.filter(day__year=year),
            "days_off": days_off,
            "working_weekends": working_weekends,
            "error": error,
            "typed": typed,
        },
    )
