"""Fuzzing of the whole JSON API with schemathesis (DESIGN §7: no 5xx, no schema violations).

The schema is the one the app serves at /api/v1/openapi.json, so a new operation is fuzzed the
day it lands. Every operation gets generated requests, valid and invalid, sent in-process
through the WSGI app (same thread, so the test database and its transaction are the ones
pytest-django set up) with a real bearer token; three of four generated record ids are swapped
for a record the caller may reach, so handlers run on real data and not only on 404s.

Each response must not be a 5xx, and its status code, content type, headers and body must be
the ones the OpenAPI document declares (errors included: see `config/api.py`).

A failure prints the request as a `curl` command to replay it; the seed is fixed, so the same
code fails the same way on the next run.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from khata.config.wsgi import application

SEED = 20_260_101  # the same requests on every run: a failure replays as it was

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.seed = SEED
# The head's run adds the head's rights to the manager's, not new kinds of input: it skips the
# coverage phase (every boundary and every invalid value of every field, about 40 requests an
# operation), which the manager's run already sends, and keeps the run under ~90 s on 2 cores.
head_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
head_schema.config.seed = SEED
head_schema.config.phases.coverage.enabled = False

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]

FUZZ = settings(
    deadline=None,  # a request that writes to the database may take a while on a busy machine
    database=None,  # no .hypothesis/ directory: the fixed seed replays a failure anyway
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _aim_at_real_records(case, caller) -> None:
    """Swap three of four generated integer ids for the id of a record the caller may reach
    (the rest stay as generated: mostly ids that do not exist, which must be a clean 404)."""
    for name, value in list((case.path_parameters or {}).items()):
        real = caller.ids.get(name)
        if real is not None and isinstance(value, int) and not isinstance(value, bool) \
                and value % 4:
            case.path_parameters[name] = real


def _call(case, caller, django_capture_on_commit_callbacks) -> None:
    _aim_at_real_records(case, caller)
    # Run what the request scheduled after its commit (tasks), as a real request would.
    with django_capture_on_commit_callbacks(execute=True):
        response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)


@schema.parametrize()
@settings(FUZZ, max_examples=10)
def test_api_as_a_manager(case, fuzz_manager, django_capture_on_commit_callbacks):
    _call(case, fuzz_manager, django_capture_on_commit_callbacks)


@head_schema.parametrize()
@settings(FUZZ, max_examples=8)
def test_api_as_the_head(case, fuzz_head, django_capture_on_commit_callbacks):
    _call(case, fuzz_head, django_capture_on_commit_callbacks)
