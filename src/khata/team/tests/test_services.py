"""Users, passwords, tokens and sign-in records."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from khata.core.choices import ChangeAction
from khata.core.models import Change
from khata.core.selectors import last_change
from khata.team.access import NotFound
from khata.team.choices import Role
from khata.team.models import ApiToken, User
from khata.team.services import (
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
    user_set_password,
)


def test_the_head_appoints_a_manager_and_it_is_recorded(head):
    user, password = user_create(by=head, email=" Asha@Firm.IN ", role=Role.MANAGER,
                                 name="Asha Rao")

    assert user.email == "asha@firm.in"
    assert user.check_password(password) and len(password) >= 16
    change = last_change(user)
    assert (change.actor, change.action) == (head, ChangeAction.CREATE)
    assert change.changes["role"] == [None, "manager"]


def test_a_manager_cannot_add_people(manager):
    with pytest.raises(PermissionDenied):
        user_create(by=manager, email="x@example.com", role=Role.MANAGER)
    assert not User.objects.filter(email="x@example.com").exists()


def test_bad_input_names_every_field_and_saves_nothing(head, manager):
    with pytest.raises(ValidationError) as caught:
        user_create(by=head, email="manager@example.com", role="boss", password="123")

    errors = caught.value.message_dict
    assert set(errors) == {"email", "role", "password"}
    assert "already exists" in errors["email"][0]
    assert User.objects.count() == 2


def test_a_weak_password_is_refused_with_the_reason(manager):
    with pytest.raises(ValidationError) as caught:
        user_set_password(by=manager, user=manager, password="password")

    assert "password" in caught.value.message_dict
    manager.refresh_from_db()
    assert manager.check_password("correct-horse-battery-42")


def test_a_manager_cannot_set_a_colleagues_password(manager, other_manager):
    with pytest.raises(PermissionDenied):
        user_set_password(by=manager, user=other_manager, password="a-long-new-password-1")


def test_tokens_are_stored_hashed_and_authenticate(manager):
    token, raw = token_create(by=manager, user=manager, name="export script")

    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith(f"khata_{stored.prefix}_")
    assert raw not in (stored.digest, stored.prefix)
    assert token_authenticate(raw) == manager
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.parametrize("tamper", [
    lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),
    lambda raw: "",
    lambda raw: "khata_nothing",
    lambda raw: raw.replace("khata_", "other_"),
])
def test_forged_tokens_fail(manager, tamper):
    _token, raw = token_create(by=manager, user=manager, name="t")

    assert token_authenticate(tamper(raw)) is None


def test_revoked_expired_or_inactive_tokens_stop_working(manager):
    revoked, raw_revoked = token_create(by=manager, user=manager, name="a")
    expiring, raw_expiring = token_create(by=manager, user=manager, name="b",
                                          expires_at=timezone.now() + timedelta(days=1))

    token_revoke(by=manager, token=revoked)
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(1))

    assert token_authenticate(raw_revoked) is None
    assert token_authenticate(raw_expiring) is None

    _token, raw = token_create(by=manager, user=manager, name="c")
    User.objects.filter(pk=manager.pk).update(is_active=False)
    assert token_authenticate(raw) is None


def test_a_token_needs_a_name_and_a_future_expiry(manager):
    with pytest.raises(ValidationError) as caught:
        token_create(by=manager, user=manager, name="  ")
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        token_create(by=manager, user=manager, name="x",
                     expires_at=timezone.now() - timedelta(minutes=1))
    assert "expires_at" in caught.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_colleague_cannot_revoke_my_token(manager, other_manager):
    token, raw = token_create(by=manager, user=manager, name="mine")

    with pytest.raises(NotFound):
        token_revoke(by=other_manager, token=token)

    token.refresh_from_db()
    assert token.revoked_at is None and token_authenticate(raw) == manager


def test_sign_ins_sign_outs_and_failures_are_logged(client, manager):
    client.post("/login/", {"username": "manager@example.com", "password": "wrong"})
    client.post("/login/", {"username": "manager@example.com",
                            "password": "correct-horse-battery-42"})
    client.post("/logout/")

    actions = list(Change.objects.order_by("id").values_list("action", flat=True))
    assert actions == [ChangeAction.LOGIN_FAILED, ChangeAction.LOGIN, ChangeAction.LOGOUT]
    failed = Change.objects.get(action=ChangeAction.LOGIN_FAILED)
    assert failed.object_id == str(manager.pk) and failed.actor is None


def test_repeated_failures_lock_the_account(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "manager@example.com", "password": "wrong"})

    response = client.post("/login/", {"username": "manager@example.com",
                                       "password": "correct-horse-battery-42"})

    assert response.status_code == 429
    assert b"locked" in response.content
    assert "_auth_user_id" not in client.session
