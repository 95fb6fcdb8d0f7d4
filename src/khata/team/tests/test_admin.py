"""The admin is for the head and for support, not for managers."""


def test_the_head_administers_users(head_client, manager):
    assert head_client.get("/admin/").status_code == 200
    page = head_client.get("/admin/team/user/")
    assert page.status_code == 200 and "manager@example.com" in page.text


def test_managers_cannot_reach_the_admin(manager_client):
    response = manager_client.get("/admin/team/user/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_change_log_is_read_only_in_the_admin(head_client, head):
    from khata.core.models import Change

    change = Change.objects.create(actor=head, action="event", message="x")

    response = head_client.post(f"/admin/core/change/{change.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Change.objects.filter(pk=change.pk).exists()


def test_the_admin_cannot_dismiss_behind_the_hand_overs_back(head_client, manager):
    page = head_client.get(f"/admin/team/user/{manager.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_active"' not in page.text and 'name="role"' not in page.text
    assert "Team page" in page.text
