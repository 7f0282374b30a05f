"""自查自纠's contributions to the foundation's plug-in points (core.hooks): home-page cards
and the officer's 我的自查 panel, the demo seed steps (self-reports, then 从宽从严), the
从宽从严 panel on a clue's subjects, and its audit labels. Registered by SelfReportsConfig.ready()."""

from __future__ import annotations

import random
from typing import Any

from django.urls import reverse
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.models import Clue, ClueSubject
from zhengdun.core import hooks
from zhengdun.core.hooks import Card, Line, Section


def selfreport_cards(user: User) -> list[Card]:
    """自查自纠 cards for the active campaign: the officer's own report still to file, and the
    reports with items awaiting 核实 (counted as the 自查事项 list counts them)."""
    from zhengdun.core.listing import capped_count
    from zhengdun.selfreports.filters import filter_reports
    from zhengdun.selfreports.models import Campaign, SelfReport, WindowState

    campaign = Campaign.active()
    if campaign is None:
        return []
    cards: list[Card] = []
    person_id = getattr(user, "person_id", None)
    if person_id and permissions.has_permission(user, "selfreports.file_own"):
        filed = SelfReport.objects.submitted().filter(campaign=campaign, person_id=person_id).exists()
        if not filed:
            late = campaign.window_state() == WindowState.CLOSED
            cards.append(
                Card("待提交自查报告", 1, "份", reverse("selfreports:mine"), "red" if late else "yellow")
            )
    if permissions.has_permission(user, "selfreports.review"):
        reports = permissions.scope(user, "selfreports.view", SelfReport.objects.all())
        pending = filter_reports(reports, {"campaign": campaign.pk, "reviewed": "pending"})
        n, capped = capped_count(pending)
        url = f"{reverse('selfreports:list')}?campaign={campaign.pk}&reviewed=pending"
        cards.append(Card("待核实自查报告", n, "份以上" if capped else "份", url, "blue" if n else ""))
    return cards


def my_selfreport_sections(user: User) -> list[Section]:
    """我的自查 for whoever files their own report and reviews none (an officer): the active
    campaign, its window, and where their own report stands (待提交 / 已提交 on a date / 逾期)."""
    from zhengdun.selfreports.models import Campaign, SelfReport, WindowState

    person_id = getattr(user, "person_id", None)
    if not person_id or not permissions.has_permission(user, "selfreports.file_own"):
        return []
    if permissions.has_permission(user, "selfreports.review"):
        return []  # discipline staff have the 待核实 card; their own report is a card too
    mine = reverse("selfreports:mine")
    campaign = Campaign.active()
    if campaign is None:
        return [Section("我的自查", [Line("教育整顿", "当前没有进行中的教育整顿")], [("我的自查", mine)])]
    window = f"{timezone.localtime(campaign.report_opens_at):%Y-%m-%d} 至 {timezone.localtime(campaign.report_closes_at):%Y-%m-%d}"
    state = campaign.window_state()
    latest = (
        SelfReport.objects.submitted()
        .filter(campaign=campaign, person_id=person_id)
        .order_by("-submitted_at", "-id")
        .first()
    )
    if latest is not None:
        day = f"{timezone.localtime(latest.submitted_at):%Y-%m-%d}"
        status = Line(
            "我的自查报告", f"已提交（{day}）" + ("，逾期提交" if latest.late else ""), mine, "green"
        )
    elif state == WindowState.CLOSED:
        status = Line("我的自查报告", "逾期未提交", mine, "red")
    elif state == WindowState.NOT_OPEN:
        status = Line("我的自查报告", "未开始填报", mine, "grey")
    else:
        has_draft = SelfReport.objects.drafts().filter(campaign=campaign, person_id=person_id).exists()
        status = Line("我的自查报告", "待提交（已存草稿）" if has_draft else "待提交", mine, "yellow")
    lines = [
        Line("教育整顿", campaign.name),
        Line("填报时间", f"{window}（{state.label}）"),
        status,
    ]
    return [Section("我的自查", lines, [("我的自查", mine)])]


def seed_selfreports(seed: int) -> str:
    """The demo campaign and the officers' self-reports in it."""
    from zhengdun.selfreports.seeding import seed_demo_selfreports

    filed = seed_demo_selfreports(random.Random(seed + 1))  # noqa: S311 - demo data, deterministic by seed
    return f"{filed} 名干警的自查报告"


def seed_leniency(seed: int) -> str:
    """从宽从严 decisions on the demo clues' subjects (no summary line of their own)."""
    from zhengdun.selfreports.seeding import seed_demo_leniency

    seed_demo_leniency(random.Random(seed + 2))  # noqa: S311 - demo data, deterministic by seed
    return ""


AUDIT_LABELS = {
    "campaign.created": "新建教育整顿",
    "campaign.changed": "修改教育整顿",
    "campaign.stages_set": "设置教育整顿环节",
    "campaign.activated": "启用教育整顿",
    "campaign.deactivated": "停用教育整顿",
    "selfreport.draft_started": "开始填写自查报告",
    "selfreport.draft_saved": "保存自查报告草稿",
    "selfreport.submitted": "提交自查报告",
    "selfreport.correction_started": "开始更正自查报告",
    "selfreport.draft_discarded": "放弃自查报告草稿",
    "selfreport.item_reviewed": "核实自查事项",
    "selfreport.item_converted": "自查事项转为问题线索",
    "selfreport.attachment_downloaded": "下载自查事项附件",
    "leniency.confirmed": "确认从宽从严依据",
    "leniency.overridden": "改判从宽从严依据",
}


def _subject_leniency(user: User, clue: Clue, subjects: list[ClueSubject]) -> dict[int, dict[str, Any]]:
    from zhengdun.selfreports.api.leniency import subject_leniency

    return subject_leniency(user, clue, subjects)


def register() -> None:
    from zhengdun.selfreports.panels import leniency_panel

    hooks.HOME_CARDS.register("selfreports", selfreport_cards, order=20)
    hooks.HOME_SECTIONS.register("selfreports.mine", my_selfreport_sections, order=10)
    hooks.SEED_STEPS.register("selfreports", hooks.SeedStep("自查报告", seed_selfreports), order=20)
    hooks.SEED_STEPS.register("leniency", hooks.SeedStep("从宽从严", seed_leniency), order=30)
    hooks.CLUE_SUBJECT_PANELS.register("selfreports.leniency", leniency_panel, order=10)
    hooks.CLUE_SUBJECT_LENIENCY.register("selfreports.leniency", _subject_leniency)
    hooks.AUDIT_LABELS.register("selfreports", hooks.AuditLabels(AUDIT_LABELS))
