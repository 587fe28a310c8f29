"""Schemathesis against /api/v1/openapi.json, in process through the WSGI app (issue 9, point 6).

Every operation of the OpenAPI document gets a bounded number of generated requests, valid
(positive) and invalid (negative), sent with a real bearer token of an organiser at a district.
Nothing may answer 5xx, and every answer must be a status the document declares for that operation
(spec drift: undocumented 400s, a wrong schema). New routers are covered without editing this file.
"""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

CHECKS = [checks.response_schema_conformance, checks.negative_data_rejection]
EXAMPLES = 2  # per operation and mode: ~84 operations × 2 modes × 2 ≈ 340 requests


@pytest.fixture
def api_schema(db):
    # Like Django's test Client: a request must not close the test's connection (in its transaction,
    # close_old_connections would, on PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _declared(operation) -> set[int]:
    return {int(code) for code in operation.definition.raw.get("responses", {}) if code.isdigit()}


def _fuzz(operation, mode, headers, problems):
    declared = _declared(operation)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers=headers)
        status = response.status_code
        if status >= 500 or (declared and status not in declared):
            problems.append(f"{operation.method.upper()} {operation.path} → {status}: {response.text[:160]}")
        try:
            # The answer matches its documented schema; invalid input is never accepted with a 2xx.
            case.validate_response(response, checks=CHECKS)
        except BaseExceptionGroup as failure:  # schemathesis raises a FailureGroup naming each check
            text = "; ".join(" ".join(str(e).split())[:160] for e in failure.exceptions)
            problems.append(f"{operation.method.upper()} {operation.path} [{mode.value}] → {status}: {text}")

    # Unsatisfiable: nothing to make invalid (an operation without parameters or body, negative mode).
    with contextlib.suppress(Unsatisfiable):
        run()


def test_it_answers_every_generated_request_without_a_server_error_or_an_undeclared_status(tree, personas, api_schema):
    from gonghui.accounts.actions import do_issue_api_token

    _row, token = do_issue_api_token(acting_user=None, user=personas.own)
    headers = {"Authorization": f"Bearer {token}"}
    problems: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, problems)
    unique = sorted(set(problems))
    assert not unique, "\n".join(unique[:60])


def test_it_names_every_schema_component_once(db):
    """Two schemas of one name (hardship's and aid's QueuesOut) made the document describe
    /hardship/queues with the other's fields; ninja keeps only one of them silently."""
    from ninja.schema import Schema

    from gonghui.api import api

    api.get_openapi_schema()  # imports every router
    seen: dict[str, str] = {}
    clashes = []

    def walk(cls):
        for sub in cls.__subclasses__():
            module = sub.__module__
            if module.startswith("gonghui.") and not module.startswith("gonghui.core.api"):
                other = seen.setdefault(sub.__name__, module)
                if other != module:
                    clashes.append(f"{sub.__name__}: {other} and {module}")
            walk(sub)

    walk(Schema)
    assert not clashes
