"""Shared test fixtures: the personas of STYLE.md and the test-wide settings."""

import pytest

from khata.team.tests.factories import HeadFactory, UserFactory


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """Background tasks run in-process in tests (one integration test uses a real worker)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a password; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def head(db):
    return HeadFactory(email="head@example.com", name="Head Person")


@pytest.fixture
def manager(db):
    return UserFactory(email="manager@example.com", name="Asha Rao")


@pytest.fixture
def other_manager(db):
    return UserFactory(email="other@example.com", name="Vikram Singh")


@pytest.fixture
def substitute(db):
    return UserFactory(email="substitute@example.com", name="सीता वर्मा")


@pytest.fixture
def manager_client(manager):
    """A browser signed in as the manager (its own, so it can sit beside head_client)."""
    from django.test import Client

    browser = Client()
    browser.force_login(manager)
    return browser


@pytest.fixture
def head_client(head):
    from django.test import Client

    browser = Client()
    browser.force_login(head)
    return browser
