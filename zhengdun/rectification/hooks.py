"""顽瘴痼疾整治's contributions to the foundation's plug-in points (core.hooks): home-page cards,
the demo seed step, the 整改问题 panels on a clue's subjects and a self-report's items, and its
audit labels. Registered by RectificationConfig.ready()."""

from __future__ import annotations

import random

from django.urls import reverse

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core import hooks
from zhengdun.core.hooks import Card


def rectification_cards(user: User) -> list[Card]:
    """顽瘴痼疾整治 cards, each counted by the 问题清单's own filter over the problems the user
    may see, so the number is what its link lists: 待报告整改进展 for unit staff (open problems
    with no progress report for QUIET_DAYS days), 待销号 for the office (every task done, the
    check against the standard still to do), 逾期整改问题 for everyone who follows the lists."""
    from zhengdun.core.listing import capped_count
    from zhengdun.rectification.actions import problems_visible
    from zhengdun.rectification.filters import filter_problems
    from zhengdun.rectification.status import ProblemStatus

    if not permissions.has_permission(user, "rectification.view"):
        return []
    visible = problems_visible(user)
    url = reverse("rectification:problems")
    wanted: list[tuple[str, dict[str, str], str]] = []
    if permissions.has_permission(user, "rectification.close_off"):
        wanted.append(("待销号", {"status": ProblemStatus.AWAITING.value}, "blue"))
    elif permissions.has_permission(user, "rectification.report"):
        wanted.append(("待报告整改进展", {"quiet": "1"}, "blue"))
    wanted.append(("逾期整改问题", {"flag": "overdue"}, "red"))
    cards: list[Card] = []
    for label, params, tone in wanted:
        n, capped = capped_count(filter_problems(visible, params))
        query = "&".join(f"{k}={v}" for k, v in params.items())
        cards.append(Card(label, n, "个以上" if capped else "个", f"{url}?{query}", tone if n else ""))
    return cards


def seed_step(seed: int) -> str:
    """The demo problems (one in every 整改 state) and institutions."""
    from zhengdun.rectification.seeding import seed_demo_rectification

    made = seed_demo_rectification(random.Random(seed + 3))  # noqa: S311 - demo data, deterministic by seed
    return f"{made.problems} 个整改问题，覆盖每种整改状态；{made.institutions} 项制度成果"


AUDIT_LABELS = {
    "rectification.problem_registered": "登记整改问题",
    "rectification.problem_changed": "修改整改问题",
    "rectification.plan_changed": "调整工期节点",
    "rectification.milestone_done": "标记节点完成",
    "rectification.task_added": "增加整改任务",
    "rectification.progress_reported": "报告整改进展",
    "rectification.closed_off": "对账销号",
    "rectification.reopened": "重新整改",
    "rectification.template_saved": "保存工期模板",
    "rectification.institution_registered": "登记制度成果",
    "rectification.institution_linked": "调整制度针对问题",
    "rectification.evidence_downloaded": "下载佐证材料",
    "rectification.document_downloaded": "下载制度文件",
    "rectification.problems_exported": "导出问题清单",
    "rectification.battlemap_exported": "导出挂图作战",
    "rectification.institutions_exported": "导出制度成果",
}


def register() -> None:
    from zhengdun.rectification.panels import clue_panel, item_panel

    hooks.HOME_CARDS.register("rectification", rectification_cards, order=30)
    hooks.SEED_STEPS.register("rectification", hooks.SeedStep("整改问题", seed_step), order=40)
    hooks.CLUE_SUBJECT_PANELS.register("rectification.problems", clue_panel, order=20)
    hooks.SELFREPORT_ITEM_PANELS.register("rectification.problems", item_panel, order=20)
    hooks.AUDIT_LABELS.register("rectification", hooks.AuditLabels(AUDIT_LABELS))
