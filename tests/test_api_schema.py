"""Property-based test of the API against its own OpenAPI document (schemathesis, in-process ASGI):
for every operation, generated valid and invalid requests never get a 5xx, every response matches
the documented status codes, content type, headers and schema, and requests that break the schema
are refused with a 4xx. The number of examples per operation is bounded to keep the suite fast."""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.server import Settings, create_app

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2.*")

MAX_EXAMPLES = 25

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(max_batch=20)))

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    checks_here = list(CHECKS)
    # A batch answers 200 with a per-case error for a case that breaks the case schema: that is the
    # documented behaviour ("one bad case does not sink the others"), so only the envelope is checked there.
    if case.operation.path != "/v1/judgements/batch":
        checks_here.append(checks.negative_data_rejection)
    case.call_and_validate(checks=checks_here)
