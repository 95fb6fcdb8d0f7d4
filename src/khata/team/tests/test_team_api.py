"""Absences, appointment, dismissal, roles and settings through the API (issue 4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from khata.team.models import Absence, User
from khata.team.tests.api_client import bearer_api


@pytest.fixture
def as_manager(client, manager):
    return bearer_api(client, manager)


@pytest.fixture
def as_head(client, head):
    return bearer_api(client, head)


def _window(days_from_now=2, length=3):
    start = timezone.now() + timedelta(days=days_from_now)
    return start.isoformat(), (start + timedelta(days=length)).isoformat()


def test_a_manager_records_extends_and_cancels_their_absence(as_manager, manager, substitute):
    starts, ends = _window()
    created = as_manager.post("/absences", {"substitute": substitute.email, "starts_at": starts,
                                            "ends_at": ends, "reason": "vacation"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["user"]["email"], body["substitute"]["email"], body["is_current"]) == (
        manager.email, substitute.email, False)

    later = (timezone.now() + timedelta(days=9)).isoformat()
    patched = as_manager.patch(f"/absences/{body['id']}", {"ends_at": later})
    assert patched.status_code == 200, patched.json()

    assert as_manager.post(f"/absences/{body['id']}/end").status_code == 204
    assert not Absence.objects.exists()


def test_bad_absence_names_the_field(as_manager, manager):
    starts, ends = _window()
    response = as_manager.post("/absences", {"substitute": manager.email, "starts_at": starts,
                                             "ends_at": ends, "reason": "holiday"})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"substitute", "reason"}
    assert not Absence.objects.exists()


def test_a_colleagues_absence_is_a_404(client, as_manager, other_manager, substitute):
    theirs = bearer_api(client, other_manager).post("/absences", {
        "substitute": substitute.email, "starts_at": _window()[0], "ends_at": _window()[1],
        "reason": "illness"}).json()

    for call in (as_manager.get(f"/absences/{theirs['id']}"),
                 as_manager.patch(f"/absences/{theirs['id']}", {"note": "x"}),
                 as_manager.post(f"/absences/{theirs['id']}/end")):
        assert call.status_code == 404
    assert as_manager.get("/absences").json()["items"] == []
    assert Absence.objects.get().note == ""


def test_the_substitute_sees_the_absence_they_cover(client, as_manager, substitute):
    as_manager.post("/absences", {"substitute": substitute.email, "starts_at": _window()[0],
                                  "ends_at": _window()[1], "reason": "vacation"})
    seen = bearer_api(client, substitute).get("/absences").json()["items"]
    assert [item["user"]["email"] for item in seen] == ["manager@example.com"]


def test_the_head_appoints_and_dismisses_through_the_api(as_head, as_manager, manager,
                                                         other_manager):
    appointed = as_head.post("/team/members", {"email": "new@example.com", "name": "New"})
    assert appointed.status_code == 201
    assert "/account/set-password/" in appointed.json()["set_password_url"]

    holdings = as_head.get(f"/team/members/{manager.pk}/holdings")
    assert holdings.status_code == 200 and holdings.json() == []

    dismissed = as_head.post(f"/team/members/{manager.pk}/dismiss",
                             {"to": other_manager.email})
    assert dismissed.status_code == 200, dismissed.json()
    assert not User.objects.get(pk=manager.pk).is_active
    # The dismissed manager's token stops at once.
    assert as_manager.get("/me").status_code == 401


def test_a_manager_may_not_appoint_dismiss_or_change_settings(as_manager, other_manager):
    assert as_manager.post("/team/members", {"email": "x@example.com"}).status_code == 403
    assert as_manager.post(f"/team/members/{other_manager.pk}/dismiss",
                           {"to": "head@example.com"}).status_code == 403
    assert as_manager.put("/team/settings", {"managers_read_all": True}).status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()
    assert User.objects.get(pk=other_manager.pk).is_active


def test_settings_read_and_change(as_head):
    assert as_head.get("/team/settings").json() == {"managers_read_all": False}
    assert as_head.put("/team/settings", {"managers_read_all": True}).json() == {
        "managers_read_all": True}
