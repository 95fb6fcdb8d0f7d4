"""The data the API fuzzing runs against: one manager's small portfolio, and who calls."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from khata.team.services import token_create
from tests.security.sweep import API_PARAM_KINDS, KINDS


@dataclass
class Caller:
    """Whose bearer token the fuzzer sends, and the ids of real records to aim at."""

    token: str
    ids: dict[str, int] = field(default_factory=dict)  # path parameter name → a record's id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the real WSGI app, whose request signals close "old" database
    connections; inside the test's transaction that would close the test database itself.
    Django's test client disconnects them the same way for each request it makes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _portfolio(owner) -> dict[str, int]:
    """One record of every kind the API's path parameters name, owned by `owner`, built with
    the access sweep's builders (through the services, so the change log is filled too)."""
    records = {kind: build.build(owner, f"fuzz{owner.pk}-{kind}") for kind, build in KINDS.items()}
    ids = {param: records[kind].pk for param, kind in API_PARAM_KINDS.items()}
    # The token the fuzzer may revoke is a spare one, never the token it calls with.
    ids["token_id"] = records["api_token"].pk
    return ids


@pytest.fixture
def fuzz_manager(manager, other_manager, head) -> Caller:
    """The manager, owning a record of every kind, with a colleague and the head beside them.
    (Reaching a colleague's records is the access sweep's question, tests/security.)"""
    ids = _portfolio(manager)
    _token, raw = token_create(by=manager, user=manager, name="fuzzing")
    return Caller(token=raw, ids=ids)


@pytest.fixture
def fuzz_head(manager, head) -> Caller:
    """The head of the company, aiming at the manager's records (the head sees every one)."""
    ids = _portfolio(manager)
    ids["user_id"] = manager.pk
    _token, raw = token_create(by=head, user=head, name="fuzzing")
    return Caller(token=raw, ids=ids)
