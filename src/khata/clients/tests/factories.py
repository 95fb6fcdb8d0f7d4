"""Factories for companies and contacts (valid by construction)."""

import factory

from khata.clients.choices import Lifecycle
from khata.clients.models import Company, Contact
from khata.team.tests.factories import UserFactory


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    display_name = factory.Sequence(lambda n: f"Company {n}")
    owner = factory.SubFactory(UserFactory)
    lifecycle = Lifecycle.PROSPECT
    country = "IN"
    city = "Pune"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Faker("name", locale="en_IN")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
