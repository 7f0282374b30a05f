"""Property-based run of the clue API against its own OpenAPI schema (schemathesis), the same
way as zhengdun/org/tests/test_api_schema.py: cases drawn with Hypothesis from
`operation.as_strategy()`, sent through the real WSGI application as the office handler (the
widest clue rights). No clue operation may answer 5xx, for data that fits the schema and for
data that does not.

The seeded clue has a subject with a result and a measure, an attachment, and a second clue a
transfer, so requests with their ids reach the actions (200, 409, 422) and not only 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
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
CLUE_PATHS = r"^/api/v1/clues"


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
def clue_operations(city: City, wsgi_in_test_transaction: None) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.include(path_regex=CLUE_PATHS).get_all_operations()]
    labels = {op.label for op in operations}
    # every action has its own endpoint in the schema
    for path in (
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
    ):
        assert f"POST /api/v1/clues/{{clue_id}}/actions/{path}" in labels
    assert {
        "GET /api/v1/clues",
        "POST /api/v1/clues",
        "GET /api/v1/clues/reference",
        "GET /api/v1/clues/{clue_id}",
        "PATCH /api/v1/clues/{clue_id}",
        "POST /api/v1/clues/subjects/{subject_id}/result",
        "POST /api/v1/clues/subjects/{subject_id}/measures",
        "DELETE /api/v1/clues/measures/{measure_id}",
        "POST /api/v1/clues/subjects/{subject_id}/cleared",
        "POST /api/v1/clues/{clue_id}/attachments",
        "GET /api/v1/clues/attachments/{attachment_id}",
        "POST /api/v1/clues/{clue_id}/reporter",
    } <= labels
    return operations


def _seed(city: City) -> dict[str, list[int]]:
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
    }


def _strategies(operations: list[Any], mode: GenerationMode, known_ids: dict[str, list[int]]) -> Any:
    strategies = []
    for operation in operations:
        strategies.append(operation.as_strategy(generation_mode=mode))
        for name, ids in known_ids.items():
            if f"{{{name}}}" in operation.path:
                strategies.extend(
                    operation.as_strategy(generation_mode=mode, path_parameters={name: pk}) for pk in ids
                )
    return st.one_of(strategies)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_it_never_answers_a_server_error(
    city: City, clue_operations: list[Any], mode: GenerationMode
) -> None:
    known_ids = _seed(city)
    _, token = issue_token(city.office_handler, "schemathesis")
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=_strategies(clue_operations, mode, known_ids))
    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.add(response.status_code)

    seen: set[int] = set()
    run()
    # the run reached the actions, not only the 404 of made-up ids
    assert (200 if mode == GenerationMode.POSITIVE else 422) in seen, seen
