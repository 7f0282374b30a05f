"""What every page's view hands around, spelled so the type checker sees it as it is.

HtmxRequest: django-htmx's middleware (settings.MIDDLEWARE) adds `request.htmx` to every
request, which HttpRequest's stubs do not know; annotate a view's request with this class, as
django-htmx documents. A type only: Django builds the request.

mark(): the facts a page computes about a loaded row for its template (may this subject be
removed, a report's state…), attached as QuerySet.annotate attaches the database's; fact()
reads one back where Python, not a template, renders the row."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

__all__ = ["HtmxRequest", "fact", "mark"]


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def mark(row: Model, **facts: object) -> None:
    """Attach template-only facts to a loaded row (never saved: they are no fields)."""
    for name, value in facts.items():
        setattr(row, name, value)


def fact(row: Model, name: str) -> Any:
    """A fact mark() attached to the row (KeyError if none was: a page that forgot to mark)."""
    return vars(row)[name]
