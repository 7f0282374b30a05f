"""Every change to a clue goes through these functions — pages, the API, imports and the seed.

Each function takes the acting user, checks the action against clues.workflow (state and
permission, on the state stored in the database), writes, appends the clue's timeline Event and
the audit entry in the same transaction. A transition guards on the stored status (UPDATE …
WHERE status = old) and an edit on the stored version, so of two people acting at once the
second gets ConflictError and nothing is lost or done twice (the version guard is
core.versioning.guarded_update). Bad input raises ValidationError with Chinese messages keyed by
field name; every stored text goes through core.text.clean_text, which refuses control
characters naming the field.

By lifecycle phase: intake (登记, corrections, subjects, attachments, reporter, viewers),
assignment (交办/退回, 移交, 并件, 延期, 督办), disposition (处置方式), results (核查结论, 处理措施,
立案, 办结), feedback (反馈, 归档, 回头看); _common holds what they share. Every public name is
importable from here.
"""

from __future__ import annotations

from zhengdun.clues.actions._common import (
    CLUE_FIELDS,
    CONFLICT,
)
from zhengdun.clues.actions.assignment import (
    SUPERVISION_REASONS,
    assign_clue,
    decide_extension,
    duplicate_candidates,
    merge_clue,
    record_transfer_outcome,
    request_extension,
    return_clue,
    supervise_clue,
    transfer_clue,
)
from zhengdun.clues.actions.disposition import (
    approve_disposition,
    propose_disposition,
    reactivate_clue,
    reject_disposition,
)
from zhengdun.clues.actions.feedback import (
    archive_clue,
    record_feedback,
    reopen_clue,
)
from zhengdun.clues.actions.intake import (
    add_attachment,
    add_subject,
    name_viewers,
    register_clue,
    remove_subject,
    reveal_reporter,
    update_clue,
)
from zhengdun.clues.actions.results import (
    add_measure,
    approve_closure,
    record_case,
    record_result,
    reject_closure,
    remove_measure,
    set_cleared,
    submit_closure,
)

__all__ = [
    "CLUE_FIELDS",
    "CONFLICT",
    "SUPERVISION_REASONS",
    "add_attachment",
    "add_measure",
    "add_subject",
    "approve_closure",
    "approve_disposition",
    "archive_clue",
    "assign_clue",
    "decide_extension",
    "duplicate_candidates",
    "merge_clue",
    "name_viewers",
    "propose_disposition",
    "reactivate_clue",
    "record_case",
    "record_feedback",
    "record_result",
    "record_transfer_outcome",
    "register_clue",
    "reject_closure",
    "reject_disposition",
    "remove_measure",
    "remove_subject",
    "reopen_clue",
    "request_extension",
    "return_clue",
    "reveal_reporter",
    "set_cleared",
    "submit_closure",
    "supervise_clue",
    "transfer_clue",
    "update_clue",
]
