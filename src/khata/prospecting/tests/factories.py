"""Factories for search methods, leads and segments."""

import factory

from khata.prospecting.choices import MethodKind
from khata.prospecting.models import Lead, SearchMethod, Segment
from khata.team.tests.factories import UserFactory


class SearchMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SearchMethod

    name = factory.Sequence(lambda n: f"Method {n}")
    kind = MethodKind.EXHIBITION
    owner = factory.SubFactory(UserFactory)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    search_method = factory.SubFactory(SearchMethodFactory)
    owner = factory.SubFactory(UserFactory)
    company_name = factory.Sequence(lambda n: f"Prospect {n}")
    city = "Pune"


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    owner = factory.SubFactory(UserFactory)
    rules = factory.LazyFunction(lambda: {"match": "all", "rules": []})
