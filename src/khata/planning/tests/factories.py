"""Factories for activities, tasks and contact plans."""

from datetime import timedelta

import factory
from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.planning.choices import ActivityKind, StepChannel
from khata.planning.models import Activity, ContactPlan, PlanStep, Task
from khata.team.tests.factories import UserFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.CALL
    subject = factory.Sequence(lambda n: f"Call {n}")
    starts_at = factory.LazyFunction(timezone.now)
    company = factory.SubFactory(CompanyFactory)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
    assignee = factory.SubFactory(UserFactory)


class ContactPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPlan

    name = factory.Sequence(lambda n: f"Plan {n}")
    owner = factory.SubFactory(UserFactory)


class PlanStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanStep

    plan = factory.SubFactory(ContactPlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    channel = StepChannel.CALL
    delay_days = 0


FOUR_STEPS = [{"channel": "email", "delay_days": 0, "instructions": "Introduce us"},
              {"channel": "call", "delay_days": 3, "instructions": "Follow up"},
              {"channel": "fax", "delay_days": 2},
              {"channel": "meeting", "delay_days": 5, "instructions": "Propose a visit"}]
