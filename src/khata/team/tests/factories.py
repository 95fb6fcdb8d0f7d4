"""Factories for people and tokens."""

import factory

from khata.team.choices import Role
from khata.team.models import User

TEST_PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name", locale="en_IN")
    role = Role.MANAGER
    password = factory.django.Password(TEST_PASSWORD)


class HeadFactory(UserFactory):
    role = Role.HEAD
    is_staff = True
