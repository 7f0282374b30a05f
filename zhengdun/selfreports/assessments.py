"""Moved to selfreports.actions.leniency (the leniency decision is an action); this path keeps
working for callers not yet changed (selfreports.panels)."""

from zhengdun.selfreports.actions.leniency import (
    DECIDE,
    decide_basis,
    may_decide,
    recommend,
    recommend_many,
)

__all__ = ["DECIDE", "decide_basis", "may_decide", "recommend", "recommend_many"]
