"""The periodic job: plan steps come due as tasks, once; missed days are caught up; plans
exit when the company became a client, the lead was dropped or consent was withdrawn."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from khata.clients.services import company_update, consent_record
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.planning.choices import EnrolmentStatus, ExitReason
from khata.planning.models import Task
from khata.planning.services import enrolment_create, plan_create, plans_advance
from khata.planning.tests.factories import FOUR_STEPS
from khata.prospecting.services import disqualify_reason_create, lead_disqualify
from khata.prospecting.tests.factories import LeadFactory


def test_the_first_step_comes_due_as_a_task_for_the_owner_once(manager):
    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company)

    first = plans_advance()
    second = plans_advance()

    task = Task.objects.get()
    assert (first.tasks, second.tasks) == (1, 0)
    assert task.assignee == manager and task.company == company and task.step.order == 1
    assert "Introduce us" in task.notes
    enrolment.refresh_from_db()
    assert enrolment.next_step.order == 2
    assert enrolment.next_due_at == task.due_at + timedelta(days=3)


def test_a_missed_week_is_caught_up_and_the_plan_completes(manager):
    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company)

    result = plans_advance(now=timezone.now() + timedelta(days=11))

    assert result.tasks == 4 and result.completed == 1
    assert list(Task.objects.order_by("due_at").values_list("step__order", flat=True)) == [
        1, 2, 3, 4]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.next_step is None


def test_steps_follow_the_clock(manager):
    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment_create(by=manager, plan=plan, company=company)
    plans_advance()

    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert plans_advance().tasks == 0
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert plans_advance().tasks == 1

    assert Task.objects.count() == 2


def test_a_company_that_became_a_client_exits(manager):
    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company)
    company_update(by=manager, company=company, data={"lifecycle": "client"})

    result = plans_advance()

    enrolment.refresh_from_db()
    assert result.exited == 1 and not Task.objects.exists()
    assert (enrolment.status, enrolment.exit_reason) == (EnrolmentStatus.EXITED,
                                                         ExitReason.BECAME_CLIENT)


def test_a_disqualified_lead_exits(manager, head):
    company = CompanyFactory(owner=manager)
    lead = LeadFactory(owner=manager, matches_company=company)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company, lead=lead)
    reason = disqualify_reason_create(by=head, name="Went with a rival (planning test)")
    lead_disqualify(by=manager, lead=lead, reason=reason)

    plans_advance()

    enrolment.refresh_from_db()
    assert enrolment.exit_reason == ExitReason.DISQUALIFIED


def test_a_contact_who_withdrew_consent_for_the_steps_channel_exits(manager):
    company = CompanyFactory(owner=manager)
    contact = ContactFactory(company=company)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company, contact=contact)
    consent_record(by=manager, contact=contact, channel="email", status="withdrawn",
                   method="unsubscribe")

    plans_advance()

    enrolment.refresh_from_db()
    assert enrolment.exit_reason == ExitReason.OPTED_OUT and not Task.objects.exists()


def test_a_paused_enrolment_makes_no_tasks(manager):
    from khata.planning.services import enrolment_pause

    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company)
    enrolment_pause(by=manager, enrolment=enrolment)

    assert plans_advance(now=timezone.now() + timedelta(days=30)).tasks == 0
