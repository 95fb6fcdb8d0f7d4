"""The single access layer: visible_to, can, ensure, get_visible_or_404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from khata.core.models import TaskRun
from khata.team.access import NotFound, can, ensure, get_visible_or_404, visible_to
from khata.team.models import ApiToken, User
from khata.team.services import token_create


@pytest.fixture
def tokens(manager, other_manager):
    mine, _ = token_create(by=manager, user=manager, name="mine")
    theirs, _ = token_create(by=other_manager, user=other_manager, name="theirs")
    return mine, theirs


def test_a_manager_sees_only_what_they_own(manager, tokens):
    mine, _theirs = tokens

    assert list(visible_to(manager, ApiToken.objects.all())) == [mine]
    assert list(visible_to(manager, User.objects.all())) == [manager]


def test_the_head_sees_everything(head, manager, tokens):
    assert set(visible_to(head, ApiToken.objects.all())) == set(tokens)
    assert set(visible_to(head, User.objects.all())) == {head, manager, tokens[1].user}


def test_models_without_an_owner_are_for_the_head_only(head, manager):
    TaskRun.objects.create(task_path="x.y")

    assert visible_to(manager, TaskRun.objects.all()).count() == 0
    assert visible_to(head, TaskRun.objects.all()).count() == 1


def test_nobody_unauthenticated_or_inactive_sees_anything(manager, tokens):
    manager.is_active = False
    manager.save()

    assert not visible_to(AnonymousUser(), ApiToken.objects.all()).exists()
    assert not visible_to(manager, ApiToken.objects.all()).exists()
    assert not can(manager, "view", tokens[0])


def test_can_follows_ownership_and_role(head, manager, other_manager, tokens):
    mine, theirs = tokens

    assert can(manager, "change", mine)
    assert not can(manager, "change", theirs)
    assert can(head, "delete", theirs)
    assert can(head, "manage_team") and not can(manager, "manage_team")
    assert not can(manager, "view_all")


def test_ensure_says_not_found_for_records_out_of_reach(manager, tokens):
    with pytest.raises(NotFound):
        ensure(manager, "change", tokens[1])
    with pytest.raises(PermissionDenied):
        ensure(manager, "manage_team")
    ensure(manager, "change", tokens[0])  # no exception


def test_get_visible_or_404_hides_existence(manager, tokens):
    assert get_visible_or_404(manager, ApiToken, tokens[0].pk) == tokens[0]
    for missing in [tokens[1].pk, 999999, "not-a-number"]:
        with pytest.raises(NotFound):
            get_visible_or_404(manager, ApiToken, missing)

