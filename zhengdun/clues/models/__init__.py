"""Problem clues (问题线索) and everything recorded while handling them, by topic:

- reference: source channels, problem categories, deadline rules (基础设置)
- choices: states, dispositions, results, measures — Chinese labels and badge colours
- clue: the clue, its named viewers and its subjects
- records: measures, approval requests, timeline, deadline history, 督办, 移交, 反馈, attachments,
  search text, number counters
- notification: in-app notices

Every model keeps app_label "clues" and is importable from here. The allowed transitions live in
clues.workflow; every change goes through clues.actions.
"""

from __future__ import annotations

from zhengdun.clues.models.choices import (
    DONE_STATES,
    MEASURE_GROUPS,
    MEASURE_XINGTAI,
    OPEN_STATES,
    STATUS_COLOURS,
    SUBSTANTIATED,
    TERMINAL_STATES,
    XINGTAI_LABELS,
    Disposition,
    MeasureKind,
    ReportingMode,
    Result,
    Sensitivity,
    Status,
    SupervisionLevel,
)
from zhengdun.clues.models.clue import (
    Clue,
    ClueQuerySet,
    ClueSubject,
    ClueViewer,
)
from zhengdun.clues.models.notification import (
    Notification,
)
from zhengdun.clues.models.records import (
    Attachment,
    DeadlineChange,
    Event,
    Feedback,
    Measure,
    NumberSequence,
    Request,
    SearchText,
    Supervision,
    Transfer,
    attachment_path,
)
from zhengdun.clues.models.reference import (
    Category,
    Channel,
    DeadlineRule,
)

__all__ = [
    "Attachment",
    "Category",
    "Channel",
    "Clue",
    "ClueQuerySet",
    "ClueSubject",
    "ClueViewer",
    "DONE_STATES",
    "DeadlineChange",
    "DeadlineRule",
    "Disposition",
    "Event",
    "Feedback",
    "MEASURE_GROUPS",
    "MEASURE_XINGTAI",
    "Measure",
    "MeasureKind",
    "Notification",
    "NumberSequence",
    "OPEN_STATES",
    "ReportingMode",
    "Request",
    "Result",
    "STATUS_COLOURS",
    "SUBSTANTIATED",
    "SearchText",
    "Sensitivity",
    "Status",
    "Supervision",
    "SupervisionLevel",
    "TERMINAL_STATES",
    "XINGTAI_LABELS",
    "Transfer",
    "attachment_path",
]
