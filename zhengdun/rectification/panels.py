"""整改问题 panels on the pages problems are made from: a substantiated subject of a clue
(clues.views.detail.SUBJECT_PANELS) and an item of a self-report
(selfreports.views.common.ITEM_PANELS). Registered by this app's AppConfig.ready, so neither
clues nor selfreports imports this app. Each panel lists the problems made from its source that
the user may see, and offers 转为整改问题 to those who may register problems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import SUBSTANTIATED, Clue, ClueSubject
from zhengdun.rectification.models import Problem
from zhengdun.rectification.status import annotate_status

if TYPE_CHECKING:
    from zhengdun.selfreports.models import SelfReport

CLUE_TEMPLATE = "rectification/_problem_clue_panel.html"
ITEM_TEMPLATE = "rectification/_problem_item_panel.html"


def _visible(user: User, problems: QuerySet[Problem]) -> list[Problem]:
    from zhengdun.rectification.filters import decorate

    today = timezone.localdate()
    scoped = permissions.scope(user, "rectification.view", problems)
    rows = list(annotate_status(scoped, today).select_related("responsible_unit").order_by("id"))
    return [decorate(p, today) for p in rows]


def _register_url(**query: int) -> str:
    return f"{reverse('rectification:register')}?{urlencode(query)}"


def _add_panel(host: Any, template: str, context: dict[str, Any]) -> None:
    """Append a panel to an object of the host page (a clue's subject, a report's item view):
    `panels` is a plain attribute the page reads, by the core.hooks contract, not a model field."""
    host.panels = [*getattr(host, "panels", []), (template, context)]


def clue_panel(user: User, clue: Clue, subjects: list[ClueSubject]) -> None:
    """Attach the panel to each subject found 属实 / 部分属实 (one query for all of them)."""
    substantiated = [s for s in subjects if s.result in SUBSTANTIATED]
    if not substantiated:
        return
    can_view = permissions.has_permission(user, "rectification.view")
    can_register = permissions.has_permission(user, "rectification.register")
    if not (can_view or can_register):
        return
    problems = _visible(user, Problem.objects.filter(source_clue=clue)) if can_view else []
    if not problems and not can_register:
        return
    for subject in substantiated:
        context = {
            "subject": subject,
            "problems": problems,
            "can_register": can_register,
            "register_url": _register_url(clue=clue.pk, subject=subject.pk),
        }
        _add_panel(subject, CLUE_TEMPLATE, context)


def item_panel(user: User, report: SelfReport, views: list[Any]) -> None:
    """Attach the panel to each item of a submitted report, for discipline staff (not on the
    officer's own report). Problems made from an item show on every version of it (items keep
    their key across corrections); 转为整改问题 is offered on the current version only."""
    from zhengdun.selfreports import actions as selfreport_actions
    from zhengdun.selfreports.models import ReportStatus, SelfReport

    if report.status != ReportStatus.SUBMITTED or not views:
        return
    if selfreport_actions.is_own(user, report):
        return
    can_view = permissions.has_permission(user, "rectification.view")
    can_register = permissions.has_permission(user, "rectification.register")
    if not (can_view or can_register):
        return
    later = SelfReport.objects.filter(
        campaign_id=report.campaign_id,
        person_id=report.person_id,
        version__gt=report.version,
        status=ReportStatus.SUBMITTED,
    )
    can_register = can_register and not later.exists()
    keys = [v.item.key for v in views]
    by_key: dict[str, list[Problem]] = {}
    if can_view:
        made = Problem.objects.filter(source_selfreport_item__key__in=keys)
        for p in _visible(user, made.select_related("source_selfreport_item")):
            if p.source_selfreport_item is not None:  # always, by the filter on its key
                by_key.setdefault(p.source_selfreport_item.key, []).append(p)
    for view in views:
        problems = by_key.get(view.item.key, [])
        if not problems and not can_register:
            continue
        context = {
            "item": view.item,
            "problems": problems,
            "can_register": can_register,
            "register_url": _register_url(item=view.item.pk),
        }
        _add_panel(view, ITEM_TEMPLATE, context)
