"""The change-log page."""

from khata.core.models import Change
from khata.team.services import token_create


def test_a_manager_reads_only_their_own_changes(manager_client, manager, other_manager):
    token_create(by=manager, user=manager, name="mine")
    token_create(by=other_manager, user=other_manager, name="theirs")

    page = manager_client.get("/audit/").text

    assert "mine" in page and "theirs" not in page


def test_the_head_reads_everyones(head_client, manager, other_manager):
    token_create(by=manager, user=manager, name="mine")
    token_create(by=other_manager, user=other_manager, name="theirs")

    page = head_client.get("/audit/").text

    assert "mine" in page and "theirs" in page


def test_filter_and_keyset_paging(head_client, head, manager, django_assert_max_num_queries):
    for index in range(60):
        token_create(by=manager, user=manager, name=f"token-{index:02d}")

    with django_assert_max_num_queries(6):
        first = head_client.get("/audit/?action=create")
    assert "token-59" in first.text and "token-09" not in first.text
    oldest_shown = first.context["changes"][-1].id
    second = head_client.get(f"/audit/?action=create&before={oldest_shown}")
    assert "token-09" in second.text and second.context["next_before"] is None
    assert all(change.action == "create" for change in second.context["changes"])


def test_htmx_requests_get_only_the_rows(head_client, head):
    Change.objects.create(actor=head, action="event", message="hello")

    response = head_client.get("/audit/", HTTP_HX_REQUEST="true")

    assert "hello" in response.text and "<html" not in response.text
