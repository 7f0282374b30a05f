"""The clue API's schemas now live in clues.api.schemas (answers) and clues.api.inputs
(requests); this module keeps the old import path working."""

from zhengdun.clues.api.inputs import *  # noqa: F403
from zhengdun.clues.api.inputs import __all__ as _inputs
from zhengdun.clues.api.schemas import *  # noqa: F403
from zhengdun.clues.api.schemas import __all__ as _schemas
from zhengdun.core.api import MAX_ID

__all__ = ["MAX_ID", *_inputs, *_schemas]
