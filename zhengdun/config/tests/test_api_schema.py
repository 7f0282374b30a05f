"""Property-based run of the WHOLE JSON API against its own OpenAPI schema (schemathesis).

Every operation of /api/v1/openapi.json — every router config/api.py mounts, present and future,
with nothing to list here — gets cases drawn with Hypothesis from `operation.as_strategy()`,
for data that fits the schema and for data that does not, sent through the real WSGI
application (middleware, auth classes and config/api.py's exception handlers included). No
answer may be a server error, and each must have a status code, content type and body the
schema declares. Operations are run one by one with a few examples each, so a new router is
covered as soon as it is mounted; the failures of all operations are reported together.

The data set is the test city plus clues in several states (a subject with a result and a
measure, an attachment, a transfer), so ids in paths hit real rows and requests reach the
actions (200, 409, 422), not only 404. Callers: the office handler (widest rights) and a unit
handler. The cases are drawn through `as_strategy` rather than `schemathesis.pytest.from_fixture`,
whose lazy loader reads pytest's removed `Function._nodeid`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
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
from zhengdun.clues import actions
from zhengdun.clues.models import Result, Status
from zhengdun.clues.testing import register, walk
from zhengdun.config.wsgi import application
from zhengdun.core.testing import City

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# examples per operation and mode: enough to meet each declared answer, small enough that the
# whole schema runs in well under a minute per database
EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}
# the unit handler's run looks for what only a narrower scope reaches (403s, 404s of rows
# that exist): fewer cases
SCOPED_EXAMPLES = 2

# The workflow's actions each have their own endpoint; the roster and unit tree theirs.
CLUE_ACTIONS = (
    "assign",
    "return",
    "propose-disposition",
    "approve-disposition",
    "reject-disposition",
    "reactivate",
    "submit-closure",
    "approve-closure",
    "reject-closure",
    "feedback",
    "archive",
    "transfer",
    "merge",
    "reopen",
    "request-extension",
    "decide-extension",
    "supervise",
    "case",
    "name-viewers",
)
EXPECTED = {
    "GET /api/v1/units",
    "GET /api/v1/units/{unit_id}",
    "GET /api/v1/persons",
    "POST /api/v1/persons",
    "GET /api/v1/persons/{person_id}",
    "PATCH /api/v1/persons/{person_id}",
    "GET /api/v1/accounts/me",
    "GET /api/v1/clues",
    "POST /api/v1/clues",
    "GET /api/v1/clues/reference",
    "GET /api/v1/clues/{clue_id}",
    "PATCH /api/v1/clues/{clue_id}",
    "GET /api/v1/clues/{clue_id}/duplicates",
    "POST /api/v1/clues/{clue_id}/subjects",
    "DELETE /api/v1/clues/subjects/{subject_id}",
    "POST /api/v1/clues/subjects/{subject_id}/result",
    "POST /api/v1/clues/subjects/{subject_id}/measures",
    "DELETE /api/v1/clues/measures/{measure_id}",
    "POST /api/v1/clues/subjects/{subject_id}/cleared",
    "POST /api/v1/clues/transfers/{transfer_id}/outcome",
    "POST /api/v1/clues/{clue_id}/attachments",
    "GET /api/v1/clues/attachments/{attachment_id}",
    "POST /api/v1/clues/{clue_id}/reporter",
    *(f"POST /api/v1/clues/{{clue_id}}/actions/{path}" for path in CLUE_ACTIONS),
}


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    # As Django's test client does: a request through the WSGI handler would otherwise close the
    # connection holding the test's open transaction (and its data) on PostgreSQL.
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
    found = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in found}
    assert EXPECTED <= labels, sorted(EXPECTED - labels)
    return found


def _seed(city: City) -> dict[str, list[int]]:
    """Real rows for the path parameters the schema names; the others get only drawn ids."""
    office = city.office_handler
    clue = walk(city, register(city), Status.HANDLING)
    subject = clue.subjects.get()
    actions.record_result(city.handler_a, subject, result=Result.TRUE)
    measure = actions.add_measure(city.handler_a, subject, kind="admonition", decided_on=clue.received_on)
    clue.refresh_from_db()
    upload = SimpleUploadedFile("材料.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    attachment = actions.add_attachment(office, clue, upload=upload)
    fresh = register(city)
    moved = register(city)
    transfer = actions.transfer_clue(
        office, moved, target="discipline", receiver="甲县纪委监委", reason="涉嫌违法"
    )
    return {
        "clue_id": [clue.pk, fresh.pk],
        "subject_id": [subject.pk],
        "measure_id": [measure.pk],
        "attachment_id": [attachment.pk],
        "transfer_id": [transfer.pk],
        "unit_id": [city.court_a.pk, city.city.pk],
        "person_id": [city.people["judge_a"].pk, city.people["judge_b"].pk],
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
    operations: list[Any], mode: GenerationMode, known_ids: dict[str, list[int]], user: Any, examples: int
) -> dict[str, Any]:
    """Every operation's cases; returns {operation: first failure} and the statuses seen."""
    _, token = issue_token(user, "schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    seen: set[int] = set()
    for operation in operations:

        @given(case=_strategy(operation, mode, known_ids))
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: report, don't minimise
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            try:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - schemathesis raises an ExceptionGroup; reported below
                failures.setdefault(case.operation.label, f"{type(exc).__name__}: {str(exc)[:600]}")
            else:
                seen.add(response.status_code)

        run()
    return {"failures": failures, "seen": seen}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_whole_api_conforms_to_its_schema_and_never_fails(
    city: City, operations: list[Any], mode: GenerationMode
) -> None:
    known_ids = _seed(city)
    result = _run(operations, mode, known_ids, city.office_handler, EXAMPLES[mode])
    assert not result["failures"], "\n\n".join(f"{k}\n  {v}" for k, v in sorted(result["failures"].items()))
    # the run reached the actions, not only the 404 of made-up ids
    assert (200 if mode == GenerationMode.POSITIVE else 422) in result["seen"], result["seen"]


def test_the_whole_api_as_a_unit_handler(city: City, operations: list[Any]) -> None:
    known_ids = _seed(city)
    result = _run(operations, GenerationMode.POSITIVE, known_ids, city.handler_a, SCOPED_EXAMPLES)
    assert not result["failures"], "\n\n".join(f"{k}\n  {v}" for k, v in sorted(result["failures"].items()))
    assert 200 in result["seen"] and ({403, 404} & result["seen"]), result["seen"]


def test_no_two_schemas_share_a_component_name() -> None:
    """The OpenAPI document names each schema by its class name, so two routers' `ReferenceOut`
    would become one component and one router's answers be checked against the other's."""
    from pydantic import BaseModel

    from zhengdun.config.api import api

    api.get_openapi_schema()  # imports every router's schemas

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    homes: dict[str, set[str]] = {}
    for cls in subclasses(BaseModel):
        if cls.__module__.startswith("zhengdun.") and ".tests" not in cls.__module__:
            homes.setdefault(cls.__name__, set()).add(cls.__module__)
    shared = {name: sorted(modules) for name, modules in homes.items() if len(modules) > 1}
    assert not shared, shared
