"""Every change to campaigns and self-reports goes through these functions — pages, the API and
the seed.

Each function takes the acting user first, checks the permission (accounts.permissions), checks
the input (ValidationError keyed by field, Chinese message naming the field), writes, and
appends the audit entry in the same transaction. State changes guard on the stored row
(UPDATE … WHERE status = 'draft' / version = n): of two people acting at once the second gets
ConflictError and nothing is done twice.

Who may file a report: the officer themself (selfreports.file_own, on their own roster record)
or discipline staff on behalf of an officer of their subtree (selfreports.file on the officer's
unit). Nobody files their own report through the on-behalf path, and nobody reviews or converts
their own report (回避). A submitted version never changes: a correction is a new version.

The modules follow a report's life: common (who may act, the guards), campaigns, drafting,
submission (submit, 更正), review (核实, 转为问题线索) and leniency (从宽从严 decision on a clue
subject). Every public name is importable from here.
"""

from zhengdun.selfreports.actions.campaigns import (
    activate_campaign,
    create_campaign,
    deactivate_campaign,
    set_stages,
    update_campaign,
)
from zhengdun.selfreports.actions.common import (
    AMOUNT_MAX,
    CAMPAIGN_CONFLICT,
    CONFLICT,
    MAX_ATTACHMENTS,
    MAX_ITEMS,
    MAX_RELATED_PERSONS,
    NOTE_MAX,
    REASON_MAX,
    REVIEW_CONFLICT,
    SELF_REPORT_CHANNEL,
    is_current,
    is_own,
    may_convert,
    may_correct,
    may_edit_draft,
    may_review,
    own_person_id,
)
from zhengdun.selfreports.actions.drafting import (
    ItemInput,
    discard_draft,
    parse_amount,
    save_draft,
    start_draft,
)
from zhengdun.selfreports.actions.review import convert_item_to_clue, owner_unit_for, review_item
from zhengdun.selfreports.actions.submission import start_correction, submit

__all__ = [
    "AMOUNT_MAX",
    "CAMPAIGN_CONFLICT",
    "CONFLICT",
    "MAX_ATTACHMENTS",
    "MAX_ITEMS",
    "MAX_RELATED_PERSONS",
    "NOTE_MAX",
    "REASON_MAX",
    "REVIEW_CONFLICT",
    "SELF_REPORT_CHANNEL",
    "ItemInput",
    "activate_campaign",
    "convert_item_to_clue",
    "create_campaign",
    "deactivate_campaign",
    "discard_draft",
    "is_current",
    "is_own",
    "may_convert",
    "may_correct",
    "may_edit_draft",
    "may_review",
    "own_person_id",
    "owner_unit_for",
    "parse_amount",
    "review_item",
    "save_draft",
    "set_stages",
    "start_correction",
    "start_draft",
    "submit",
    "update_campaign",
]
