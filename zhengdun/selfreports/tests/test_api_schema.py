"""Property-based run of the self-report API against its own OpenAPI schema (schemathesis), as
for the roster API (org/tests/test_api_schema.py): through the real WSGI application, as the
office and as an officer, for data that fits the schema and data that does not. No operation
may answer 5xx, and every answer's status, content type and body must be declared."""

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
from zhengdun.selfreports import actions
from zhengdun.selfreports.tests.helpers import (
    campaign_fixture,  # noqa: F401 - fixture "campaign"
    fast_passwords,  # noqa: F401 - autouse fixture
    file,
    item,
)

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PATHS = r"^/api/v1/selfreports/"


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    # as in org's schema test: keep the test's connection (and its open transaction) alive
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def operations(city, wsgi_in_test_transaction) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    found = [result.ok() for result in schema.include(path_regex=PATHS).get_all_operations()]
    assert len(found) >= 20
    return found


def _strategies(operations: list, mode: GenerationMode, known: dict[str, list]) -> st.SearchStrategy:
    strategies = []
    for operation in operations:
        strategies.append(operation.as_strategy(generation_mode=mode))
        for name, values in known.items():
            if f"{{{name}}}" in operation.path:
                strategies.extend(
                    operation.as_strategy(generation_mode=mode, path_parameters={name: v}) for v in values
                )
    return st.one_of(strategies)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("who", ["office_handler", "officer_a"])
def test_it_conforms_to_its_schema_and_never_fails(city, campaign, operations, mode, who):
    report = file(
        city.handler_a, campaign, [item(), item("GJ3", amount="100")], person=city.people["judge_a"]
    )
    draft = actions.start_draft(city.officer_a, campaign=campaign)
    actions.save_draft(city.officer_a, draft, items=[item()])
    _, token = issue_token(getattr(city, who), "schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    known = {
        "campaign_id": [campaign.pk],
        "report_id": [report.pk, draft.pk],
        "item_id": list(report.items.values_list("pk", flat=True)),
        "key": list(draft.items.values_list("key", flat=True)),
    }

    @given(case=_strategies(operations, mode, known))
    @settings(
        max_examples=80,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
