"""The periodic job: plan steps come due as tasks, once; missed days are caught up; plans
exit when the company became a client, the lead was dropped or consent was withdrawn."""

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.clients.models import Company
from khata.clients.services import company_update, consent_record
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.core.models import Change
from khata.planning.choices import EnrolmentStatus, ExitReason
from khata.planning.models import Task
from khata.planning.services import (
    AdvanceResult,
    enrolment_create,
    plan_create,
    plans_advance,
    step_task_key,
)
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


# ---------------------------------------------------------------- the batch path

def _enrol(manager, plan, **company):
    return enrolment_create(by=manager, plan=plan,
                            company=CompanyFactory(owner=manager, **company))


def test_one_batch_mixes_catch_up_completion_and_every_exit(manager, head):
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    short = plan_create(by=manager, data={"name": "Short", "steps": FOUR_STEPS[:1]})
    running = _enrol(manager, plan)
    done = _enrol(manager, short)
    client = _enrol(manager, plan)
    company_update(by=manager, company=client.company, data={"lifecycle": "client"})
    blocked = _enrol(manager, plan)
    deleted = _enrol(manager, plan)
    Company.objects.filter(pk=blocked.company_id).update(lifecycle="blocked")
    Company.all_objects.filter(pk=deleted.company_id).update(deleted_at=timezone.now())
    contact = ContactFactory(company=CompanyFactory(owner=manager))
    opted_out = enrolment_create(by=manager, plan=plan, company=contact.company, contact=contact)
    consent_record(by=manager, contact=contact, channel="phone", status="withdrawn",
                   method="unsubscribe")
    lead_company = CompanyFactory(owner=manager)
    lead = LeadFactory(owner=manager, matches_company=lead_company)
    dropped = enrolment_create(by=manager, plan=plan, company=lead_company, lead=lead)
    lead_disqualify(by=manager, lead=lead,
                    reason=disqualify_reason_create(by=head, name="No budget (batch test)"))

    result = plans_advance(now=timezone.now() + timedelta(days=4), batch=2)

    for enrolment in (running, done, client, blocked, deleted, opted_out, dropped):
        enrolment.refresh_from_db()
    assert (result.enrolments, result.tasks, result.completed, result.exited) == (7, 4, 1, 5)
    assert running.status == EnrolmentStatus.ACTIVE and running.next_step.order == 3
    assert done.status == EnrolmentStatus.COMPLETED and done.ended_at is not None
    assert [client.exit_reason, blocked.exit_reason, deleted.exit_reason, dropped.exit_reason] == [
        ExitReason.BECAME_CLIENT, ExitReason.BLOCKED, ExitReason.BLOCKED, ExitReason.DISQUALIFIED]
    # The e-mail step went out; the call step met the withdrawn phone consent.
    assert opted_out.exit_reason == ExitReason.OPTED_OUT
    assert list(Task.objects.filter(enrolment=opted_out).values_list("step__order",
                                                                     flat=True)) == [1]
    assert Task.objects.filter(enrolment=running).count() == 2
    assert Change.objects.filter(message="contact plan step came due").count() == 4
    assert Change.objects.filter(object_id=str(running.pk),
                                 content_type__model="enrolment").exists()


def test_a_second_run_over_a_batch_creates_nothing_and_logs_nothing(manager):
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    for _n in range(5):
        _enrol(manager, plan)
    later = timezone.now() + timedelta(days=11)
    first = plans_advance(now=later, batch=2)
    changes = Change.objects.count()

    second = plans_advance(now=later, batch=2)

    assert (first.tasks, first.completed) == (20, 5)
    assert second == AdvanceResult()
    assert Task.objects.count() == 20 and Change.objects.count() == changes


def test_a_task_already_made_for_a_step_is_not_made_again(manager):
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = _enrol(manager, plan)
    Task.objects.create(key=step_task_key(enrolment.pk, enrolment.next_step_id), title="made",
                        due_at=timezone.now(), assignee=manager, enrolment=enrolment)

    result = plans_advance()

    enrolment.refresh_from_db()
    assert result.tasks == 0 and Task.objects.get().title == "made"
    assert enrolment.next_step.order == 2


def _queries_to_advance(manager, count):
    plan = plan_create(by=manager, data={"name": f"P{count}", "steps": FOUR_STEPS})
    contact = ContactFactory(company=CompanyFactory(owner=manager))
    enrolment_create(by=manager, plan=plan, company=contact.company, contact=contact)
    for _n in range(count - 1):
        _enrol(manager, plan)
    with CaptureQueriesContext(connection) as queries:
        result = plans_advance(now=timezone.now() + timedelta(days=4))
    assert result.enrolments == count and result.tasks == 2 * count
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_enrolments(manager):
    few = _queries_to_advance(manager, 2)
    Task.objects.all().delete()
    many = _queries_to_advance(manager, 25)

    assert few == many <= 16
