"""Forms of the actions on a clue's detail page, one per action of clues.workflow.

They only parse and check input; clues.actions does the writing and has the last word on every
rule (a form's choices narrow what a user is offered, the action refuses what is not allowed).
Field names follow the keys of the actions' ValidationErrors, so a refusal lands beside the
field it is about.

The forms live in a package by what they do (base: shared field builders; routing: who holds
the clue; recording: facts recorded on it); every name stays importable from here.
"""

from zhengdun.clues.forms_actions.base import (
    DATE_ERRORS,
    ActionForm,
    choice_field,
    date_field,
    text_field,
    user_label,
)
from zhengdun.clues.forms_actions.recording import (
    AddSubjectForm,
    AttachForm,
    DecideExtensionForm,
    EditForm,
    NameViewersForm,
    RecordCaseForm,
    RecordMeasureForm,
    RecordResultForm,
    RecordTransferOutcomeForm,
    RemoveMeasureForm,
    RemoveSubjectForm,
    RequestExtensionForm,
    SetClearedForm,
    SuperviseForm,
    ViewerChoiceField,
    measure_choices,
    viewer_candidates,
)
from zhengdun.clues.forms_actions.routing import (
    ApproveClosureForm,
    ApproveDispositionForm,
    ApproveForm,
    ArchiveForm,
    AssignForm,
    HandlerChoiceField,
    MergeForm,
    ProposeDispositionForm,
    ReactivateForm,
    RecordFeedbackForm,
    RejectClosureForm,
    RejectDispositionForm,
    RejectForm,
    ReopenForm,
    ReturnForm,
    SubmitClosureForm,
    TransferForm,
    assignable_units,
    eligible_handlers,
)

__all__ = [
    "ActionForm",
    "AddSubjectForm",
    "ApproveClosureForm",
    "ApproveDispositionForm",
    "ApproveForm",
    "ArchiveForm",
    "AssignForm",
    "AttachForm",
    "DATE_ERRORS",
    "DecideExtensionForm",
    "EditForm",
    "HandlerChoiceField",
    "MergeForm",
    "NameViewersForm",
    "ProposeDispositionForm",
    "ReactivateForm",
    "RecordCaseForm",
    "RecordFeedbackForm",
    "RecordMeasureForm",
    "RecordResultForm",
    "RecordTransferOutcomeForm",
    "RejectClosureForm",
    "RejectDispositionForm",
    "RejectForm",
    "RemoveMeasureForm",
    "RemoveSubjectForm",
    "ReopenForm",
    "RequestExtensionForm",
    "ReturnForm",
    "SetClearedForm",
    "SubmitClosureForm",
    "SuperviseForm",
    "TransferForm",
    "ViewerChoiceField",
    "assignable_units",
    "choice_field",
    "date_field",
    "eligible_handlers",
    "measure_choices",
    "text_field",
    "user_label",
    "viewer_candidates",
]
