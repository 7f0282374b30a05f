"""Every change to the rectification lists goes through these functions — pages, the API, the
seed and (later) imports.

Each function takes the acting user first, checks the permission on the problem's responsible
unit (accounts.permissions), checks the input (ValidationError keyed by field, a Chinese message
naming the field; text with control characters is refused, core.text), writes, keeps the
problem's status facts current (rollup) and appends the audit entry — all in one transaction.
Changes to a problem or task guard on the stored version (core.versioning.guarded_update): of two
people acting at once the second gets ConflictError.

The modules follow a problem's life: problems (register and edit the 五定), plan (倒排工期 and
milestones), tasks (tasks and progress), closing (对账销号 and reopening), templates (工期模板),
institutions (建章立制); _common holds the checks they share. Every public name is importable
from here.
"""

from zhengdun.rectification.actions._common import (
    CLOSED,
    CONFLICT,
    FIELD_LABELS,
    MAX_FILES,
    MAX_TASKS,
    MAX_WEIGHT,
    REASON_MAX,
    REASON_MIN,
    TASK_CONFLICT,
    TEMPLATE_CONFLICT,
    TEXT_MAX,
    TITLE_MAX,
)
from zhengdun.rectification.actions.closing import close_off, close_off_blockers, reopen
from zhengdun.rectification.actions.institutions import link_institution, register_institution
from zhengdun.rectification.actions.plan import complete_milestone, set_milestone_workdays, template_for
from zhengdun.rectification.actions.problems import (
    problems_visible,
    register_problem,
    update_problem,
    wuding_of,
)
from zhengdun.rectification.actions.tasks import add_task, report_progress
from zhengdun.rectification.actions.templates import clean_steps, save_template

__all__ = [
    "CLOSED",
    "CONFLICT",
    "FIELD_LABELS",
    "MAX_FILES",
    "MAX_TASKS",
    "MAX_WEIGHT",
    "REASON_MAX",
    "REASON_MIN",
    "TASK_CONFLICT",
    "TEMPLATE_CONFLICT",
    "TEXT_MAX",
    "TITLE_MAX",
    "add_task",
    "clean_steps",
    "close_off",
    "close_off_blockers",
    "complete_milestone",
    "link_institution",
    "problems_visible",
    "register_institution",
    "register_problem",
    "reopen",
    "report_progress",
    "save_template",
    "set_milestone_workdays",
    "template_for",
    "update_problem",
    "wuding_of",
]
