"""Segment rules: validation names the place and the reason; compiled rules pick the right
companies; nothing but whitelisted lookups reaches the database."""

import pytest
from django.core.exceptions import ValidationError

from khata.clients.models import Industry, Need
from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.segments import describe, validate_rules
from khata.prospecting.selectors import rules_members
from khata.prospecting.services import segment_save


def members(user, rules):
    return set(rules_members(user=user, rules=validate_rules(rules))
               .values_list("display_name", flat=True))


@pytest.mark.parametrize(("rules", "message"), [
    ({"match": "all", "rules": [{"field": "password", "op": "in", "value": ["x"]}]},
     "unknown field “password”"),
    ({"match": "all", "rules": [{"field": "employees", "op": "gte", "value": "many"}]},
     "employees needs a whole number"),
    ({"match": "all", "rules": [{"field": "size_tier", "op": "in", "value": ["huge"]}]},
     "size_tier has no value huge"),
    ({"match": "all", "rules": [{"field": "lifecycle", "op": "contains", "value": "x"}]},
     "lifecycle takes the operators in, not_in"),
    ({"match": "most", "rules": []}, "match is “all” or “any”"),
    ({"match": "all", "rules": [{"field": "region", "op": "in", "value": []}]},
     "give at least one value"),
    ({"match": "all", "rules": [{"field": "needs", "op": "any", "value": ["cloud"]}]},
     "needs takes ids"),
    ("DROP TABLE", "rules are an object"),
])
def test_bad_rules_are_refused_with_the_place_and_reason(rules, message):
    with pytest.raises(ValidationError) as raised:
        validate_rules(rules)
    assert message in " ".join(raised.value.message_dict["rules"])


def test_rules_pick_by_industry_size_region_needs_and_groups(head, manager):
    cloud = Need.objects.create(name="Cloud")
    erp = Need.objects.create(name="ERP")
    it = Industry.objects.get(code="62")
    a = CompanyFactory(owner=manager, display_name="A", industry=it, size_tier="small",
                       region="Goa")
    a.needs.set([cloud, erp])
    b = CompanyFactory(owner=manager, display_name="B", size_tier="large", region="Goa")
    b.needs.set([cloud])
    CompanyFactory(owner=manager, display_name="C", size_tier="small", region="Kerala")

    assert members(head, {"match": "all", "rules": [
        {"field": "industry", "op": "in", "value": ["J"]}]}) == {"A"}  # section J holds 62
    assert members(head, {"match": "all", "rules": [
        {"field": "needs", "op": "all", "value": [cloud.pk, erp.pk]}]}) == {"A"}
    assert members(head, {"match": "all", "rules": [
        {"field": "needs", "op": "any", "value": [cloud.pk, erp.pk]}]}) == {"A", "B"}
    assert members(head, {"match": "all", "rules": [
        {"field": "needs", "op": "none", "value": [erp.pk]}]}) == {"B", "C"}
    assert members(head, {"match": "any", "rules": [
        {"field": "size_tier", "op": "in", "value": ["large"]},
        {"match": "all", "rules": [{"field": "region", "op": "in", "value": ["Kerala"]},
                                   {"field": "size_tier", "op": "in", "value": ["small"]}]},
    ]}) == {"B", "C"}
    assert members(head, {"match": "all", "rules": [
        {"field": "last_verified", "op": "never"}]}) == {"A", "B", "C"}


def test_members_are_only_those_the_user_may_see(manager, other_manager):
    CompanyFactory(owner=manager, display_name="Mine", region="Goa")
    CompanyFactory(owner=other_manager, display_name="Theirs", region="Goa")
    rules = {"match": "all", "rules": [{"field": "region", "op": "in", "value": ["Goa"]}]}

    assert members(manager, rules) == {"Mine"}


def test_saving_a_bad_segment_writes_nothing(manager):
    with pytest.raises(ValidationError) as raised:
        segment_save(by=manager, data={"name": "", "rules": {"match": "all", "rules": [
            {"field": "nope", "op": "in", "value": ["x"]}]}})
    assert set(raised.value.message_dict) == {"name", "rules"}
    from khata.prospecting.models import Segment
    assert not Segment.objects.exists()


def test_describe_reads_like_a_sentence():
    rules = validate_rules({"match": "all", "rules": [
        {"field": "size_tier", "op": "in", "value": ["small", "medium"]},
        {"field": "created", "op": "within", "value": 30}]})
    assert describe(rules) == "Size is one of small, medium and Added (days ago) within the " \
                              "last 30"


def test_saving_keeps_todays_member_count_once(manager):
    CompanyFactory(owner=manager, region="Goa")
    rules = {"match": "all", "rules": [{"field": "region", "op": "in", "value": ["Goa"]}]}

    segment = segment_save(by=manager, data={"name": "Goa", "rules": rules})
    CompanyFactory(owner=manager, region="Goa")
    segment_save(by=manager, segment=segment, data={"description": "west coast"})

    assert list(segment.counts.values_list("count", flat=True)) == [2]


def test_a_company_with_several_matching_needs_is_one_member(head, manager):
    cloud = Need.objects.create(name="Cloud")
    erp = Need.objects.create(name="ERP")
    both = CompanyFactory(owner=manager, display_name="Both", region="Goa")
    both.needs.set([cloud, erp])
    CompanyFactory(owner=manager, display_name="Neither", region="Goa")
    rules = validate_rules({"match": "any", "rules": [
        {"field": "needs", "op": "any", "value": [cloud.pk, erp.pk]},
        {"field": "region", "op": "in", "value": ["Kerala"]}]})

    found = rules_members(user=head, rules=rules)

    assert list(found.values_list("display_name", flat=True)) == ["Both"]
    assert found.count() == 1


def test_rules_pick_by_reliability_band_with_the_override_applied(head, manager):
    from datetime import timedelta

    from django.utils import timezone

    from khata.reliability.services import assessment_refresh, band_override, checklist_answer

    gone = CompanyFactory(owner=manager, display_name="Gone")
    held = CompanyFactory(owner=manager, display_name="Held")
    CompanyFactory(owner=manager, display_name="Unassessed")
    checklist_answer(by=manager, company=gone, data={"registry_status": "struck_off"})
    assessment_refresh(company=gone)
    assessment_refresh(company=held)
    band_override(by=head, company=held, band="E", reason="Parent in liquidation",
                  expires_at=timezone.localdate() + timedelta(days=10))

    in_e = {"match": "all", "rules": [{"field": "reliability_band", "op": "in",
                                       "value": ["E"]}]}
    not_e = {"match": "all", "rules": [{"field": "reliability_band", "op": "not_in",
                                        "value": ["E"]}]}
    assert members(manager, in_e) == {"Gone", "Held"}
    assert members(manager, not_e) == {"Unassessed"}
