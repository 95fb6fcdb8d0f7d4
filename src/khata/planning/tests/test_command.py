"""`khata plans advance|list` and the demo data."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from khata.clients.tests.factories import CompanyFactory
from khata.core.demo import build_demo
from khata.planning.models import Activity, ContactPlan, Enrolment, Task
from khata.planning.services import enrolment_create, plan_create
from khata.planning.tests.factories import FOUR_STEPS


def test_plans_advance_from_the_command_line_is_idempotent(manager):
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment_create(by=manager, plan=plan, company=CompanyFactory(owner=manager))
    out = StringIO()

    call_command("plans", "advance", stdout=out)
    call_command("plans", "advance", stdout=out)
    call_command("plans", "list", manager.email, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("1 enrolments due: 1 tasks made")
    assert lines[1].startswith("0 enrolments due: 0 tasks made")
    assert "enrolled 1, active 1" in lines[2]
    assert Task.objects.count() == 1


def test_a_bad_time_is_one_clear_error(db):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("plans", "advance", "--now", "yesterday")


def test_demo_makes_plans_activities_and_tasks(db):
    build_demo(seed=5, companies=60, log=lambda line: None)

    assert ContactPlan.objects.count() >= 2 and Enrolment.objects.exists()
    assert Activity.objects.exists()
    assert Task.objects.filter(step__isnull=False).exists()
    assert Task.objects.filter(step__isnull=True).exists()
