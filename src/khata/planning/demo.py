"""Demo planning: for each demo manager a four-step contact plan and a follow-up plan, a
bounded sample of their prospects enrolled, a few weeks of logged calls, e-mails and
meetings, scheduled meetings, and open tasks (some overdue, some due today). Only a sample of
companies is touched, so the step takes the same time at 200 or 1,000,000 companies."""

from datetime import timedelta

from django.utils import timezone

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.core.demo import DemoContext, demo_step
from khata.planning.choices import ActivityKind, ActivityStatus, Direction, Priority
from khata.planning.models import Activity, ContactPlan, Enrolment, PlanStep, Task
from khata.planning.services import plans_advance

PER_MANAGER = 40  # companies sampled per manager
PLANS = [
    ("New prospects: four touches", "E-mail, call, fax, meeting over two weeks.", [
        ("email", 0, "Introduce us; attach the product sheet"),
        ("call", 3, "Ask whether the e-mail arrived; find the decision maker"),
        ("fax", 2, "Send the price list by fax"),
        ("meeting", 5, "Propose a visit to their plant")]),
    ("Re-engage quiet prospects", "Two calls a week apart, then a meeting.", [
        ("call", 0, "Catch up: what changed since we last spoke?"),
        ("call", 7, "Follow up"),
        ("meeting", 7, "Offer a presentation")]),
]
SUBJECTS = {
    ActivityKind.CALL: ["Intro call", "Follow-up call", "Pricing questions", "Check-in"],
    ActivityKind.EMAIL: ["Sent the brochure", "Quote sent", "Reply about delivery times"],
    ActivityKind.MEETING: ["Plant visit", "Quarterly review", "Product demo"],
    ActivityKind.FAX: ["Price list by fax"],
    ActivityKind.NOTE: ["Met at the fair", "Budget cycle starts in April"],
}


@demo_step(50)
def demo_planning(ctx: DemoContext) -> None:
    """contact plans, enrolments, activities and tasks for a sample of each portfolio"""
    managers = ctx.made.get("managers") or []
    if not managers or ContactPlan.objects.exists():
        return
    rnd = ctx.random
    now = timezone.now()
    activities, tasks = [], []
    for manager in managers:
        # The owner-and-lifecycle index finds a sample without reading the whole portfolio.
        sample = list(Company.objects.filter(owner=manager, lifecycle=Lifecycle.PROSPECT)
                      .values_list("pk", flat=True)[:PER_MANAGER])
        if not sample:
            continue
        plans = []
        for name, description, steps in PLANS:
            plan = ContactPlan.objects.create(name=name, description=description,
                                              owner=manager)
            PlanStep.objects.bulk_create([
                PlanStep(plan=plan, order=order, channel=channel, delay_days=delay,
                         instructions=text)
                for order, (channel, delay, text) in enumerate(steps, start=1)])
            plans.append(plan)
        for index, company_id in enumerate(sample[:20]):
            plan = plans[index % len(plans)]
            first = plan.steps.order_by("order").first()
            started = now - timedelta(days=rnd.randint(0, 12))
            Enrolment.objects.create(plan=plan, company_id=company_id, enrolled_by=manager,
                                     next_step=first, next_due_at=started)
        for company_id in sample:
            for _ in range(rnd.randint(1, 4)):
                kind = rnd.choice(list(SUBJECTS))
                activities.append(Activity(
                    kind=kind, status=ActivityStatus.DONE, subject=rnd.choice(SUBJECTS[kind]),
                    direction=Direction.INBOUND if rnd.random() < 0.15 else Direction.OUTBOUND,
                    starts_at=now - timedelta(days=rnd.randint(1, 60), minutes=rnd.randint(0, 600)),
                    duration_minutes=rnd.choice([10, 15, 30, 45, 60]), company_id=company_id,
                    created_by=manager, outcome=rnd.choice(["", "Interested", "Call back later",
                                                            "Asked for a quote"])))
        for company_id in rnd.sample(sample, min(4, len(sample))):
            start = (timezone.localtime(now) + timedelta(days=rnd.randint(0, 10))).replace(
                hour=rnd.choice([10, 11, 14, 16]), minute=0, second=0, microsecond=0)
            activities.append(Activity(
                kind=ActivityKind.MEETING, status=ActivityStatus.SCHEDULED,
                subject=rnd.choice(SUBJECTS[ActivityKind.MEETING]), starts_at=start,
                duration_minutes=60, company_id=company_id, created_by=manager,
                location="Client's office"))
        for index, company_id in enumerate(rnd.sample(sample, min(8, len(sample)))):
            due = now + timedelta(days=index - 3, hours=rnd.randint(0, 6))
            tasks.append(Task(title=rnd.choice(["Send the revised quote", "Call the buyer",
                                                "Check the delivery date",
                                                "Prepare the presentation"]),
                              due_at=due, assignee=manager, company_id=company_id,
                              priority=rnd.choice(Priority.values), created_by=manager))
    Activity.objects.bulk_create(activities, batch_size=ctx.batch_size)
    Task.objects.bulk_create(tasks, batch_size=ctx.batch_size)
    result = plans_advance(now=now)
    ctx.made["plan_tasks"] = result.tasks
    ctx.log(f"  activities: {len(activities):,}, tasks: {len(tasks) + result.tasks:,}")
