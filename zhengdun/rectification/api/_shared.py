"""What every module of the rectification API shares beyond core.api's conventions: loading a problem / task / milestone the caller may see (404 otherwise, one answer for
"does not exist" and "not yours"), turning an action's ValidationError into the API's 422 and
the references (unit, person, user) every answer uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from ninja.errors import ValidationError as NinjaValidationError

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.core.errors import ConflictError
from zhengdun.rectification import actions
from zhengdun.rectification.models import Milestone, Problem, Task

VIEW = "rectification.view"
PROBLEMS = Problem.objects.select_related(
    "category", "responsible_unit", "responsible_leader", "responsible_person", "created_by"
)


def invalid(
    exc: DjangoValidationError, rename: dict[str, str] | None = None, source: str = "body"
) -> NinjaValidationError:
    """An action's field errors in ninja's 422 shape, the action's names mapped to the request's
    (responsible_unit -> responsible_unit_id); errors about the whole request stay `__all__`."""
    rename = rename or {}
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    prefix = ["body", "payload"] if source == "body" else [source]
    return NinjaValidationError(
        [
            {"loc": [*prefix, rename.get(field, field)], "msg": msg, "type": "value_error"}
            for field, messages in items
            for msg in messages
        ]
    )


@contextmanager
def as_422(rename: dict[str, str] | None = None, source: str = "body") -> Iterator[None]:
    try:
        yield
    except DjangoValidationError as exc:
        raise invalid(exc, rename, source) from exc


def visible_problems(user: User) -> QuerySet[Problem]:
    """The one scope every read starts from (actions.problems_visible)."""
    return actions.problems_visible(user)


def load_problem(user: User, problem_id: int) -> Problem:
    return permissions.get_for_user(user, VIEW, PROBLEMS, pk=problem_id)


def load_task(user: User, task_id: int) -> Task:
    """A task of a problem the user may see (its problem loaded on it), or 404."""
    problem = permissions.get_for_user(user, VIEW, PROBLEMS, tasks__pk=task_id)
    task = Task.objects.select_related("owner").get(pk=task_id, problem=problem)
    task.problem = problem
    return task


def load_milestone(user: User, milestone_id: int) -> Milestone:
    problem = permissions.get_for_user(user, VIEW, PROBLEMS, milestones__pk=milestone_id)
    milestone = Milestone.objects.get(pk=milestone_id, problem=problem)
    milestone.problem = problem
    return milestone


def require_on(user: User, permission: str, problem: Problem, message: str) -> None:
    """403 with the page's message when the user lacks the right on the problem's unit (checked
    before the input, as the pages do; the action checks it again)."""
    if not permissions.has_permission(user, permission, problem.responsible_unit):
        raise PermissionDenied(message)


def ref(obj: Any) -> dict[str, Any] | None:
    """{id, name} of a unit or person (None stays None)."""
    if obj is None:
        return None
    return {"id": obj.pk, "name": obj.name}


def user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.display_name or user.username}


def require_open(problem: Problem) -> None:
    """409 for a change to a closed-off problem (wrong state), as the action would refuse it."""
    if problem.closed_on is not None:
        raise ConflictError(actions.CLOSED)
