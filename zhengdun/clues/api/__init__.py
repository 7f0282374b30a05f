"""JSON API of the clue lifecycle (mounted at /api/v1/clues by config/api.py).

The same rules as the pages, because it calls the same functions: every read goes through
accounts.permissions (a clue out of scope, a recused subject's own clue or a 重要 clue the
caller is not named on answers 404, like one that does not exist), every write through
clues.actions, and the ledger filters through clues.filters.filter_ledger. Each workflow action
is its own endpoint with its own schema. The reporter's identity is never part of a clue's
JSON; POST /clues/{id}/reporter reveals it, audited.

Errors: 403 (no right to this action), 404 (not found or out of scope), 409 (wrong state, or
someone else acted first), 422 (bad input, an unknown filter included; Chinese messages keyed by
field). The conventions are core.api's.

Modules: `reference` (code tables), `ledger` (list, one clue, duplicates), `actions` (register,
edit, workflow actions), `subjects` (subjects, measures, transfer outcomes), `attachments`
(files and the reporter); `schemas` the answers, `inputs` the requests, `_common` the router and
the shared lookups.
"""

# The order is the order of the routes: /reference before /{clue_id}.
# isort: off
from zhengdun.clues.api import reference  # noqa: F401  (registers its routes)
from zhengdun.clues.api import ledger  # noqa: F401
from zhengdun.clues.api import actions  # noqa: F401
from zhengdun.clues.api import subjects  # noqa: F401
from zhengdun.clues.api import attachments  # noqa: F401

# isort: on
from zhengdun.clues.api._common import router
from zhengdun.clues.api.ledger import ledger_params

__all__ = ["ledger_params", "router"]
