"""What the clue views hand around, spelled so the type checker sees it as it is.

HtmxRequest: django_htmx's middleware (settings) adds request.htmx to every request, which
HttpRequest's stubs do not know. A type only: Django builds the request, this class only names
what is on it (the form django-htmx documents). The signed-in user comes from
accounts.current.current_user, the project's one typed accessor.

mark(): the facts a page computes about a row for its template (may this subject be removed,
the label of its 形态…), attached to the row as QuerySet.annotate attaches the database's;
fact() reads one back where Python, not a template, renders the row (the ledger's lines)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def mark(row: Model, **facts: object) -> None:
    """Attach template-only facts to a loaded row (never saved: they are no fields)."""
    for name, value in facts.items():
        setattr(row, name, value)


def fact(row: Model, name: str) -> Any:
    """A fact mark() attached to the row (KeyError if none was: a page that forgot to mark)."""
    return vars(row)[name]
