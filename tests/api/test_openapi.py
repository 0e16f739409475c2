"""The API does what its OpenAPI document says: the document is valid, and every endpoint answers
generated requests (good and bad) with the documented status codes, headers and JSON shapes."""

from __future__ import annotations

from datetime import UTC

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from board.api.paging import MAX_ID, Position, encode_cursor
from tests.conftest import BASE_URL


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/api/openapi.json").json

    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": BASE_URL}]


def test_the_document_describes_exactly_the_apis_endpoints(app, client):
    documented = set(client.get("/api/openapi.json").json["paths"])
    routed = {
        rule.rule.replace("<int(max=2147483647):post_id>", "{post_id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }

    assert documented == routed


# Valid cursors are ones the API signed: let schemathesis make real ones, for any position.
schemathesis.openapi.format(
    "board-cursor",
    st.builds(
        Position,
        st.datetimes(timezones=st.just(UTC)),
        st.integers(min_value=1, max_value=MAX_ID),
    ).map(encode_cursor),
)

CASES = [
    ("/api/v1/posts", GenerationMode.POSITIVE),
    ("/api/v1/posts", GenerationMode.NEGATIVE),  # bad limits and cursors: documented 400s
    ("/api/v1/posts/{post_id}", GenerationMode.POSITIVE),
    ("/api/v1/posts/{post_id}", GenerationMode.NEGATIVE),
    # The rest take no parameter a request could get wrong.
    ("/api/v1/categories", GenerationMode.POSITIVE),
    ("/api/v1/districts", GenerationMode.POSITIVE),
    ("/api/openapi.json", GenerationMode.POSITIVE),
]


# By hand rather than schemathesis.pytest.from_fixture, which fails on pytest 9
# ("'Function' object has no attribute '_nodeid'").
@pytest.mark.parametrize(("path", "mode"), CASES)
def test_the_api_answers_as_its_document_says(api_schema, path, mode):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=30,
        deadline=None,
        database=None,  # no .hypothesis directory in the working tree
        # The app and its database are made once per test, not per example: that is intended.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def answers_as_documented(case):
        case.call_and_validate()

    answers_as_documented()
