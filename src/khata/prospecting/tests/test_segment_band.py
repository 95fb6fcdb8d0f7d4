"""The segment builder's "reliability band" field (issue 7): typed as letters, any case;
an unknown band is refused with a sentence that says which bands there are."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.models import Segment
from khata.prospecting.segments import describe, validate_rules
from khata.reliability.services import assessment_refresh, band_override

BUILDER = {"name": "Weak payers", "description": "", "match": "all", "g0-match": "all"}


def test_an_unknown_band_is_refused_by_name():
    with pytest.raises(ValidationError) as raised:
        validate_rules({"match": "all", "rules": [
            {"field": "reliability_band", "op": "in", "value": ["B", "F"]}]})

    message = " ".join(raised.value.message_dict["rules"])
    assert "there is no reliability band “F”" in message
    assert "A (very reliable) to E" in message


def test_bands_may_be_typed_in_any_case():
    rules = validate_rules({"match": "all", "rules": [
        {"field": "reliability_band", "op": "in", "value": ["d", " e"]}]})

    assert rules["rules"][0]["value"] == ["D", "E"]
    assert describe(rules) == "Reliability band is one of D, E"


def test_the_builder_counts_and_saves_by_band(manager_client, manager, head):
    held = CompanyFactory(owner=manager, display_name="Held in D")
    CompanyFactory(owner=manager, display_name="Unassessed")
    assessment_refresh(company=held)
    band_override(by=head, company=held, band="D", reason="Slow payer",
                  expires_at=timezone.localdate() + timedelta(days=30))
    rule = {"g0-0-field": "reliability_band", "g0-0-op": "in", "g0-0-value": "d, e"}

    count = manager_client.post("/segments/new/", {**BUILDER, "action": "count", **rule},
                                HTTP_HX_REQUEST="true")
    saved = manager_client.post("/segments/new/", {**BUILDER, "action": "save", **rule})

    assert "1 company matches." in count.text
    assert saved.status_code == 302
    assert Segment.objects.get().rules["rules"][0] == {
        "field": "reliability_band", "op": "in", "value": ["D", "E"]}


def test_the_builder_marks_an_unknown_band_and_saves_nothing(manager_client):
    response = manager_client.post("/segments/new/", {
        **BUILDER, "action": "save", "g0-0-field": "reliability_band", "g0-0-op": "in",
        "g0-0-value": "Z"})

    assert response.status_code == 422
    assert "there is no reliability band “Z”" in response.text
    assert not Segment.objects.exists()
