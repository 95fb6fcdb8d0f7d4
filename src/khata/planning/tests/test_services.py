"""Activities, tasks, plans and enrolments: what the services write, refuse and record."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from khata.clients.services import company_merge, company_merge_undo, consent_record
from khata.clients.tests.factories import CompanyFactory, ContactFactory
from khata.core.selectors import last_change
from khata.planning.choices import EnrolmentStatus, ExitReason, TaskStatus
from khata.planning.models import Activity, ContactPlan, Enrolment, PlanStep, Task
from khata.planning.services import (
    activity_log,
    activity_update,
    enrolment_create,
    enrolment_create_segment,
    enrolment_pause,
    enrolment_resume,
    plan_create,
    plan_update,
    task_complete,
    task_create,
    task_skip,
    task_snooze,
)
from khata.planning.tests.factories import FOUR_STEPS, TaskFactory
from khata.prospecting.services import segment_save
from khata.team.access import NotFound
from khata.team.services import absence_record


def test_logging_a_call_puts_it_on_the_company_and_in_the_change_log(manager):
    company = CompanyFactory(owner=manager)
    contact = ContactFactory(company=company)

    activity = activity_log(by=manager, data={
        "kind": "call", "subject": "Intro call", "company": company.pk,
        "contacts": [contact.pk], "colleagues": [manager.email], "outcome": "Interested",
        "next_step": "Send the brochure"})

    assert activity.company == company and activity.status == "done"
    assert list(activity.contacts.all()) == [contact]
    assert list(activity.colleagues.all()) == [manager]
    assert last_change(activity).action == "create"


def test_a_bad_activity_names_the_field_and_writes_nothing(manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(ValidationError) as raised:
        activity_log(by=manager, data={"kind": "telepathy", "subject": "", "company": company.pk,
                                       "duration_minutes": -5})

    assert set(raised.value.message_dict) == {"kind", "subject", "duration_minutes"}
    assert not Activity.objects.exists()


def test_a_colleague_cannot_log_on_my_company(manager, other_manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(ValidationError) as raised:
        activity_log(by=other_manager, data={"kind": "call", "subject": "x",
                                             "company": company.pk})

    assert "company" in raised.value.message_dict
    assert not Activity.objects.exists()


def test_a_reply_pauses_the_companys_plans_and_counts_as_replied(manager):
    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "Cold", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company)

    activity_log(by=manager, data={"kind": "email", "subject": "Re: your offer",
                                   "direction": "inbound", "company": company})

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.PAUSED and enrolment.replied_at is not None


def test_a_scheduled_meeting_marked_done_pauses_and_books_a_meeting(manager):
    company = CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "Cold", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=company)
    call = activity_log(by=manager, data={"kind": "call", "subject": "Call",
                                          "company": company})

    activity_update(by=manager, activity=call, data={"kind": "meeting"})

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.PAUSED and enrolment.meeting_at is not None


def test_a_task_due_in_the_past_is_made_with_a_warning(manager):
    company = CompanyFactory(owner=manager)

    outcome = task_create(by=manager, data={"title": "Call back", "company": company,
                                            "due_at": timezone.now() - timedelta(days=1)})

    assert outcome.obj.pk and outcome.warnings and "overdue" in outcome.warnings[0]


def test_a_task_for_someone_outside_the_record_is_refused_naming_the_assignee(
        manager, other_manager):
    company = CompanyFactory(owner=manager)

    with pytest.raises(ValidationError) as raised:
        task_create(by=manager, data={"title": "Call", "company": company,
                                      "assignee": other_manager.email,
                                      "due_at": timezone.now() + timedelta(days=1)})

    assert list(raised.value.message_dict) == ["assignee"]
    assert not Task.objects.exists()


def test_a_task_may_go_to_the_substitute_covering_the_owner(manager, substitute):
    now = timezone.now()
    absence_record(by=manager, user=manager, data={
        "substitute": substitute, "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=3), "reason": "vacation"})
    company = CompanyFactory(owner=manager)

    outcome = task_create(by=manager, data={"title": "Visit", "company": company,
                                            "assignee": substitute.email,
                                            "due_at": now + timedelta(days=1)})

    assert outcome.obj.assignee == substitute


def test_done_skip_snooze(manager):
    task = TaskFactory(assignee=manager)
    other = TaskFactory(assignee=manager)
    third = TaskFactory(assignee=manager)

    task_complete(by=manager, task=task)
    task_skip(by=manager, task=other)
    before = third.due_at
    task_snooze(by=manager, task=third, preset="1w")

    assert (task.status, other.status) == (TaskStatus.DONE, TaskStatus.SKIPPED)
    assert third.due_at > before + timedelta(days=6) and third.snoozed_count == 1
    with pytest.raises(ValidationError):
        task_complete(by=manager, task=task)
    with pytest.raises(ValidationError) as raised:
        task_snooze(by=manager, task=TaskFactory(assignee=manager),
                    until=timezone.now() - timedelta(hours=1))
    assert "until" in raised.value.message_dict


def test_a_colleague_cannot_close_my_task(manager, other_manager):
    task = TaskFactory(assignee=manager)

    with pytest.raises(NotFound):
        task_complete(by=other_manager, task=task)

    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_negative_delay_is_refused_naming_the_step_field(manager):
    with pytest.raises(ValidationError) as raised:
        plan_create(by=manager, data={"name": "Bad", "steps": [
            {"channel": "email", "delay_days": 0}, {"channel": "call", "delay_days": -2}]})

    assert list(raised.value.message_dict) == ["steps.2.delay_days"]
    assert not ContactPlan.objects.exists() and not PlanStep.objects.exists()


def test_a_plan_keeps_its_steps_in_order(manager):
    plan = plan_create(by=manager, data={"name": "Four steps", "steps": FOUR_STEPS})

    assert [(s.order, s.channel, s.delay_days) for s in plan.steps.all()] == [
        (1, "email", 0), (2, "call", 3), (3, "fax", 2), (4, "meeting", 5)]
    assert last_change(plan).changes["steps"][1][0] == "1. email +0d"


def test_steps_cannot_change_once_companies_are_enrolled(manager):
    plan = plan_create(by=manager, data={"name": "Four", "steps": FOUR_STEPS})
    enrolment_create(by=manager, plan=plan, company=CompanyFactory(owner=manager))

    with pytest.raises(ValidationError) as raised:
        plan_update(by=manager, plan=plan, data={"steps": FOUR_STEPS[:2]})

    assert "steps" in raised.value.message_dict
    assert plan.steps.count() == 4


def test_a_colleague_cannot_change_my_plan(manager, other_manager):
    plan = plan_create(by=manager, data={"name": "Mine", "steps": FOUR_STEPS})

    with pytest.raises(Exception):  # noqa: B017 — PermissionDenied: they may read it
        plan_update(by=other_manager, plan=plan, data={"name": "Theirs"})

    plan.refresh_from_db()
    assert plan.name == "Mine"


def test_enrolling_twice_is_refused(manager):
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    company = CompanyFactory(owner=manager)
    enrolment_create(by=manager, plan=plan, company=company)

    with pytest.raises(ValidationError) as raised:
        enrolment_create(by=manager, plan=plan, company=company)

    assert "already in this plan" in raised.value.message_dict["company"][0]
    assert Enrolment.objects.count() == 1


def test_enrolling_a_company_opted_out_of_every_channel_is_refused_with_the_reason(manager):
    company = CompanyFactory(owner=manager)
    contact = ContactFactory(company=company)
    for channel in ("email", "phone"):
        consent_record(by=manager, contact=contact, channel=channel, status="withdrawn",
                       method="email")
    plan = plan_create(by=manager, data={"name": "Remote only", "steps": [
        {"channel": "email"}, {"channel": "call", "delay_days": 2}]})

    with pytest.raises(ValidationError) as raised:
        enrolment_create(by=manager, plan=plan, company=company)

    assert "opted out of every channel" in raised.value.message_dict["company"][0]
    assert not Enrolment.objects.exists()


def test_enrolling_a_segment_takes_my_companies_and_counts_the_rest(manager, other_manager):
    goa = [CompanyFactory(owner=manager, region="Goa") for _ in range(3)]
    CompanyFactory(owner=manager, region="Goa", lifecycle="client")
    CompanyFactory(owner=other_manager, region="Goa")
    segment = segment_save(by=manager, data={"name": "Goa", "rules": {
        "match": "all", "rules": [{"field": "region", "op": "in", "value": ["Goa"]}]}})
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})

    result = enrolment_create_segment(by=manager, plan=plan, segment=segment)

    assert result.enrolled == 3
    assert sum(result.refused.values()) == 1
    assert set(Enrolment.objects.values_list("company_id", flat=True)) == {c.pk for c in goa}


def test_pause_and_resume(manager):
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment = enrolment_create(by=manager, plan=plan, company=CompanyFactory(owner=manager))

    enrolment_pause(by=manager, enrolment=enrolment)
    assert enrolment.status == EnrolmentStatus.PAUSED
    enrolment_resume(by=manager, enrolment=enrolment)

    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.exit_reason == "" and ExitReason.MANUAL == "manual"


def test_merging_two_companies_in_the_same_plan_exits_the_merged_ones_enrolment(manager):
    survivor, other = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    elsewhere = plan_create(by=manager, data={"name": "Other plan", "steps": FOUR_STEPS})
    kept = enrolment_create(by=manager, plan=plan, company=survivor)
    doubled = enrolment_create(by=manager, plan=plan, company=other)
    moved = enrolment_create(by=manager, plan=elsewhere, company=other)

    company_merge(by=manager, survivor=survivor, other=other)

    for enrolment in (kept, doubled, moved):
        enrolment.refresh_from_db()
    assert kept.status == EnrolmentStatus.ACTIVE and kept.company == survivor
    assert (doubled.status, doubled.exit_reason) == (EnrolmentStatus.EXITED, ExitReason.MERGED)
    assert doubled.company == survivor and doubled.next_step is None
    assert moved.status == EnrolmentStatus.ACTIVE and moved.company == survivor


def test_undoing_a_merge_puts_the_exited_enrolment_back_as_it_stood(manager):
    survivor, other = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    paused_plan = plan_create(by=manager, data={"name": "Held", "steps": FOUR_STEPS})
    enrolment_create(by=manager, plan=plan, company=survivor)
    enrolment_create(by=manager, plan=paused_plan, company=survivor)
    doubled = enrolment_create(by=manager, plan=plan, company=other)
    held = enrolment_create(by=manager, plan=paused_plan, company=other)
    enrolment_pause(by=manager, enrolment=held)
    step, due = doubled.next_step_id, doubled.next_due_at
    merge = company_merge(by=manager, survivor=survivor, other=other)

    company_merge_undo(by=manager, merge=merge)

    doubled.refresh_from_db()
    held.refresh_from_db()
    assert (doubled.status, doubled.exit_reason, doubled.company) == (
        EnrolmentStatus.ACTIVE, "", other)
    assert doubled.next_step_id == step and doubled.next_due_at >= due  # due now, if it fell due
    assert doubled.ended_at is None
    assert (held.status, held.company) == (EnrolmentStatus.PAUSED, other)
    assert held.paused_at is not None
    assert "undone" in last_change(doubled).message


def test_undoing_a_merge_leaves_an_enrolment_changed_since_alone(manager):
    survivor, other = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment_create(by=manager, plan=plan, company=survivor)
    doubled = enrolment_create(by=manager, plan=plan, company=other)
    merge = company_merge(by=manager, survivor=survivor, other=other)
    Enrolment.objects.filter(pk=doubled.pk).update(exit_reason=ExitReason.MANUAL)

    company_merge_undo(by=manager, merge=merge)

    doubled.refresh_from_db()
    assert (doubled.status, doubled.exit_reason) == (EnrolmentStatus.EXITED, ExitReason.MANUAL)
    assert doubled.company == other


@pytest.mark.parametrize("since", ["plan retired", "plan running again"])
def test_undoing_a_merge_does_not_revive_into_a_retired_or_running_plan(manager, since):
    survivor, other = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "P", "steps": FOUR_STEPS})
    enrolment_create(by=manager, plan=plan, company=survivor)
    doubled = enrolment_create(by=manager, plan=plan, company=other)
    merge = company_merge(by=manager, survivor=survivor, other=other)
    if since == "plan retired":
        ContactPlan.objects.filter(pk=plan.pk).update(is_active=False)
    else:  # as if enrolled again meanwhile: one running enrolment per plan and company
        Enrolment.objects.create(plan=plan, company=other, status=EnrolmentStatus.ACTIVE)

    company_merge_undo(by=manager, merge=merge)

    doubled.refresh_from_db()
    assert (doubled.status, doubled.exit_reason) == (EnrolmentStatus.EXITED, ExitReason.MERGED)


def test_a_lead_about_another_company_is_refused_naming_the_lead(manager):
    from khata.prospecting.tests.factories import LeadFactory

    mine, elsewhere = CompanyFactory(owner=manager), CompanyFactory(owner=manager)
    plan = plan_create(by=manager, data={"name": "Outreach", "steps": FOUR_STEPS})
    matched_elsewhere = LeadFactory(owner=manager, company=None, matches_company=elsewhere)
    open_lead = LeadFactory(owner=manager, company=None, matches_company=None)

    with pytest.raises(ValidationError) as refused:
        enrolment_create(by=manager, plan=plan, company=mine, lead=matched_elsewhere)

    assert refused.value.message_dict["lead"] == ["This lead is about another company."]
    assert not Enrolment.objects.exists()
    assert enrolment_create(by=manager, plan=plan, company=mine, lead=open_lead).lead == open_lead
