"""Property-based run of the unit and roster API against its own OpenAPI schema (schemathesis).

Requests go through the real WSGI application, authenticated as the office handler, so the
middleware, the auth classes and the exception handlers of config/api.py are all exercised.
No operation may answer 5xx, and every answer must have a status code, content type and body
that the schema declares, for data that fits the schema and for data that does not.

The cases are drawn with Hypothesis from `operation.as_strategy()` rather than through
`schemathesis.pytest.from_fixture`: the lazy pytest loader of schemathesis 4.32 reads
`Function._nodeid`, which pytest 9.2 no longer has.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
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
from zhengdun.config.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ORG_PATHS = r"^/api/v1/(units|persons)"


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    # Django's own test client does the same: a request through the WSGI handler would otherwise
    # close the connection that holds the test's open transaction (and its data) on PostgreSQL.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def org_operations(city, wsgi_in_test_transaction) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    # The other routers have their own schema tests; this one covers units and the roster.
    operations = [result.ok() for result in schema.include(path_regex=ORG_PATHS).get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /api/v1/units",
        "GET /api/v1/units/{unit_id}",
        "GET /api/v1/persons",
        "POST /api/v1/persons",
        "GET /api/v1/persons/{person_id}",
        "PATCH /api/v1/persons/{person_id}",
    }
    return operations


def _strategies(operations: list, mode: GenerationMode, known_ids: dict[str, list[int]]) -> st.SearchStrategy:
    """Cases for every operation; those with an id in the path also get ids of real records, so
    the checks see 200s and 409s and not only 404s."""
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
def test_it_conforms_to_its_schema_and_never_fails(city, org_operations, mode):
    _, token = issue_token(city.office_handler, "schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    known_ids = {
        "unit_id": [city.court_a.pk, city.city.pk],
        "person_id": [city.people["judge_a"].pk, city.people["judge_b"].pk],
    }

    @given(case=_strategies(org_operations, mode, known_ids))
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
