from datetime import date
from decimal import Decimal

from khata.core.changelog import json_value, record_change, snapshot
from khata.core.choices import ChangeAction
from khata.core.models import Change
from khata.core.selectors import changes_for_object, last_change


def test_creation_records_every_named_field(manager, head):
    change = record_change(actor=head, obj=manager, fields=["email", "role"])

    assert change.action == ChangeAction.CREATE
    assert change.changes == {"email": [None, "manager@example.com"], "role": [None, "manager"]}
    assert change.actor == head
    assert change.on_behalf_of is None


def test_update_records_only_fields_that_changed(manager, head):
    before = snapshot(manager, ["name", "email"])
    manager.name = "Asha R."
    manager.save()

    change = record_change(actor=head, obj=manager, before=before)

    assert change.changes == {"name": ["Asha Rao", "Asha R."]}
    assert last_change(manager) == change


def test_an_update_that_changes_nothing_writes_nothing(manager, head):
    before = snapshot(manager, ["name"])

    assert record_change(actor=head, obj=manager, before=before) is None
    assert not Change.objects.filter(action=ChangeAction.UPDATE).exists()


def test_deletion_keeps_the_values_the_record_had(manager, head):
    change = record_change(actor=head, obj=manager, fields=["name"], action=ChangeAction.DELETE)

    assert change.changes == {"name": ["Asha Rao", None]}


def test_on_behalf_of_is_recorded(manager, substitute):
    before = snapshot(manager, ["name"])
    manager.name = "Changed"
    manager.save()

    record_change(actor=substitute, obj=manager, before=before, on_behalf_of=manager)

    change = last_change(manager)
    assert (change.actor, change.on_behalf_of) == (substitute, manager)


def test_timeline_is_newest_first(manager, head):
    for name in ["A", "B", "C"]:
        before = snapshot(manager, ["name"])
        manager.name = name
        manager.save()
        record_change(actor=head, obj=manager, before=before)

    names = [change.changes["name"][1] for change in changes_for_object(manager)]

    assert names == ["C", "B", "A"]


def test_values_are_stored_as_json():
    assert json_value(Decimal("12.50")) == "12.50"
    assert json_value(date(2026, 11, 27)) == "2026-11-27"
    assert json_value({"a": [Decimal("1")]}) == {"a": ["1"]}


def test_timeline_shows_labels_and_readable_values(head, manager):
    from django.template.loader import render_to_string

    before = snapshot(manager, ["role", "is_active"])
    manager.role, manager.is_active = "head", False
    manager.save()
    record_change(actor=head, obj=manager, before=before)

    html = render_to_string("core/partials/timeline.html",
                            {"changes": changes_for_object(manager)})

    assert "Role" in html and "Account manager" in html and "Head of the company" in html
    assert "Active" in html and "<del>yes</del> → no" in html
    assert "is_active" not in html


def test_deleting_a_user_keeps_their_entries_without_a_name(manager, substitute):
    # The log's references are not database constraints (core 0007): Django's on_delete
    # still clears them, so no entry points at a user who is gone.
    before = snapshot(manager, ["name"])
    manager.name = "Changed"
    manager.save()
    change = record_change(actor=substitute, obj=manager, before=before)

    substitute.delete()

    change.refresh_from_db()
    assert change.actor_id is None
    assert change.changes == {"name": ["Asha Rao", "Changed"]}
