"""JSON API of 顽瘴痼疾专项整治 (mounted at /api/v1/rectification by config/api.py).

The same rules as the pages, because it calls the same functions: every read starts from
accounts.permissions (a problem, task, file or institution out of scope answers 404, like one
that does not exist), every write goes through rectification.actions, the lists filter through
the pages' own filter functions and the battle map through rectification.battlemap.

Errors: 403 (no right to this action on this problem), 404 (not found or out of scope), 409
(stale version, or the problem is in the wrong state: closed off, not complete, not closed),
422 (bad input or an unknown filter; Chinese messages keyed by field).

    problems.py      code tables, 问题清单, a problem's record, 登记问题, 修改五定
    plan.py          倒排工期: milestone durations, a milestone done
    tasks.py         任务清单, 报告进展 with evidence, 佐证材料 download
    closing.py       对账销号, 重新整改
    institutions.py  建章立制
    templates.py     工期模板
    battlemap.py     挂图作战: 作战图, 甘特图, 县区排名
"""

from ninja import Router

from zhengdun.rectification.api import battlemap, closing, institutions, plan, problems, tasks, templates

router = Router()
for part in (problems, plan, tasks, closing, institutions, templates, battlemap):
    router.add_router("", part.router)

__all__ = ["router"]
