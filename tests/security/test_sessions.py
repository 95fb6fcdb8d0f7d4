"""Sign-in security (issue 4): repeated failures lock the account; the session key rotates."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from khata.team.tests.factories import TEST_PASSWORD

LOGIN = "/login/"


def sign_in(browser: Client, username: str, password: str):
    return browser.post(LOGIN, {"username": username, "password": password})


def fail(browser: Client, username: str, times: int) -> list[int]:
    return [sign_in(browser, username, "wrong-password").status_code for _ in range(times)]


def test_one_failure_short_of_the_limit_still_lets_the_owner_in(client, manager):
    assert fail(client, "manager@example.com", settings.AXES_FAILURE_LIMIT - 1) == [200] * (
        settings.AXES_FAILURE_LIMIT - 1)

    response = sign_in(client, "manager@example.com", TEST_PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(manager.pk)
    assert AccessAttempt.objects.count() == 0  # a success forgets the failures


def test_the_limit_locks_the_account_even_for_the_right_password(client, manager):
    fail(client, "manager@example.com", settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, "manager@example.com", TEST_PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still signed out


def test_the_lock_does_not_depend_on_how_the_address_is_typed(client, manager):
    # Sign-in takes the address in any case; a lock that did not would let an attacker guess
    # on, one spelling after another.
    fail(client, "manager@example.com", settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, "Manager@Example.COM", TEST_PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_one_account_not_the_office(client, manager, other_manager):
    fail(client, "manager@example.com", settings.AXES_FAILURE_LIMIT)

    colleague = Client()  # the same address (127.0.0.1): one office behind one NAT
    response = sign_in(colleague, "other@example.com", TEST_PASSWORD)

    assert response.status_code == 302
    assert colleague.session["_auth_user_id"] == str(other_manager.pk)


def test_the_lock_opens_after_the_cool_off(client, manager):
    fail(client, "manager@example.com", settings.AXES_FAILURE_LIMIT)
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time
                                 - cool_off - timedelta(seconds=1))

    response = sign_in(client, "manager@example.com", TEST_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_signing_in_rotates_the_session_key(client, manager):
    # Session fixation: a key planted before sign-in must not become a signed-in session.
    planted = client.session
    planted["planted"] = "by someone else"
    planted.save()
    before = planted.session_key

    response = sign_in(client, "manager@example.com", TEST_PASSWORD)

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert response.status_code == 302
    assert after != before
    assert SessionStore().exists(before) is False
    assert SessionStore(session_key=after).load()["_auth_user_id"] == str(manager.pk)
    intruder = Client()
    intruder.cookies[settings.SESSION_COOKIE_NAME] = before
    assert intruder.get("/").status_code == 302


def test_signing_out_ends_the_session_for_good(client, manager):
    sign_in(client, "manager@example.com", TEST_PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/logout/")

    assert SessionStore().exists(key) is False
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get("/").status_code == 302
    assert replay.get("/api/v1/me").status_code == 401
