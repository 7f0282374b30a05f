"""Property-based run of the rectification API against its own OpenAPI schema (schemathesis),
as zhengdun/config/tests/test_api_schema.py runs the whole API, but with rectification rows in
the database — a problem with tasks, milestones, a progress report with evidence, a closed-off
problem, an institution with its document, the templates — so drawn requests with those ids
reach the actions (200, 201, 409, 422) and not only 404. No answer may be a server error, and
each must have the status code, content type and body the schema declares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from zhengdun.accounts.api_auth import issue_token
from zhengdun.config.wsgi import application
from zhengdun.core.testing import City
from zhengdun.rectification import actions
from zhengdun.rectification.models import Evidence, MilestoneTemplate
from zhengdun.rectification.tests.helpers import (
    fast_passwords,  # noqa: F401 - fixture
    make_problem,
    pdf,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 5}
PATHS = r"^/api/v1/rectification"


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    # as Django's test client does: a request through the WSGI handler would otherwise close the
    # connection holding the test's open transaction (and its data) on PostgreSQL
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def operations(city: City, wsgi_in_test_transaction: None) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    found = [result.ok() for result in schema.include(path_regex=PATHS).get_all_operations()]
    assert len(found) >= 22, [op.label for op in found]
    return found


def _seed(city: City) -> dict[str, list[int]]:
    """Real rows for every id the rectification paths name."""
    office = city.office_handler
    running = make_problem(city, tasks=2)
    task = running.tasks.first()
    report = actions.report_progress(
        city.handler_a, task, percent=40, narrative="进行中", files=[pdf()], version=task.version
    )
    done = make_problem(city, tasks=1)
    last = done.tasks.get()
    actions.report_progress(
        city.handler_a, last, percent=100, narrative="完成", files=[pdf()], version=last.version
    )
    done.refresh_from_db()
    actions.close_off(office, done, check_note="核查符合标准", files=[pdf()], version=done.version)
    institution = actions.register_institution(
        city.handler_a,
        {
            "title": "报告制度",
            "issuing_unit": city.court_a.pk,
            "issued_on": timezone.localdate(),
            "scope": "全院",
        },
        problems=[running],
        files=[pdf()],
    )
    return {
        "problem_id": [running.pk, done.pk],
        "task_id": [task.pk, last.pk],
        "milestone_id": list(running.milestones.values_list("pk", flat=True)[:2]),
        "file_id": [
            Evidence.objects.get(report=report).pk,
            institution.documents.get().pk,
        ],
        "institution_id": [institution.pk],
        "template_id": list(MilestoneTemplate.objects.values_list("pk", flat=True)[:2]),
    }


def _strategy(operation: Any, mode: GenerationMode, known_ids: dict[str, list[int]]) -> Any:
    strategies = [operation.as_strategy(generation_mode=mode)]
    for name, ids in known_ids.items():
        if f"{{{name}}}" in operation.path:
            strategies.extend(
                operation.as_strategy(generation_mode=mode, path_parameters={name: pk}) for pk in ids
            )
    return st.one_of(strategies)


def _run(
    operations: list[Any], mode: GenerationMode, known_ids: dict[str, list[int]], user: Any
) -> dict[str, Any]:
    _, token = issue_token(user, "schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    seen: set[int] = set()
    for operation in operations:

        @given(case=_strategy(operation, mode, known_ids))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            try:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - collected, reported below with the operation
                failures.setdefault(case.operation.label, f"{type(exc).__name__}: {str(exc)[:1500]}")
            else:
                seen.add(response.status_code)

        run()
    return {"failures": failures, "seen": seen}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("who", ["office_handler", "handler_a"])
def test_the_rectification_api_conforms_to_its_schema(
    city: City, operations: list[Any], mode: GenerationMode, who: str
) -> None:
    known_ids = _seed(city)
    result = _run(operations, mode, known_ids, city.users[who])
    assert not result["failures"], "\n\n".join(f"{k}\n  {v}" for k, v in sorted(result["failures"].items()))
    assert (200 if mode == GenerationMode.POSITIVE else 422) in result["seen"], result["seen"]
