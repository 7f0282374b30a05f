"""JSON API of self-reports (mounted at /api/v1/selfreports by config/api.py): campaigns, an
officer's report and 代为填报, the scoped list, review and conversion, statistics, and the
从宽从严 basis of a clue subject with the leader's decision.

The same rules as the pages, because it calls the same functions: reads through
accounts.permissions.scope (out of reach answers 404, like a record that does not exist), writes
through selfreports.actions. Errors follow core.api: 403 no right to this action, 404 not found
or out of scope, 409 someone else acted first (a stale version or revision), 422 bad input with
Chinese messages keyed by field — also for a query parameter the endpoint does not support.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.

from ninja import Router

from zhengdun.selfreports.api import campaigns, leniency, reports, review, stats
from zhengdun.selfreports.api.leniency import subject_leniency
from zhengdun.selfreports.api.schemas import LeniencyOut

router = Router()
for part in (campaigns, reports, review, stats, leniency):
    router.add_router("", part.router)

__all__ = ["LeniencyOut", "router", "subject_leniency"]
