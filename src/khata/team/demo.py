"""Demo people: the head, two managers with known passwords, a few more colleagues, and an
absence going on now (manager1@example.com covers a colleague who is on vacation)."""

from datetime import timedelta

from django.utils import timezone

from khata.core.demo import DEMO_PASSWORDS, DemoContext, demo_step
from khata.team.choices import AbsenceReason, Role
from khata.team.models import Absence, User
from khata.team.services import absence_record, token_create, user_create

DEMO_HEAD = "head@example.com"
DEMO_MANAGERS = ["manager1@example.com", "manager2@example.com"]


@demo_step(10)
def demo_team(ctx: DemoContext) -> None:
    """the head of the company and the account managers"""
    head = User.objects.filter(email=DEMO_HEAD).first()
    if head is None:
        head, _password = user_create(by=None, email=DEMO_HEAD, role=Role.HEAD,
                                      name=ctx.faker("hi_IN").name(),
                                      password=DEMO_PASSWORDS["head"])
    managers = []
    for index, email in enumerate(DEMO_MANAGERS):
        manager = User.objects.filter(email=email).first()
        if manager is None:
            locale = "en_IN" if index == 0 else "hi_IN"
            manager, _password = user_create(by=head, email=email, role=Role.MANAGER,
                                             name=ctx.faker(locale).name(),
                                             password=DEMO_PASSWORDS["manager"])
        managers.append(manager)
    # Bigger demos get more colleagues: about one manager per 2,000 companies.
    extra = max(1, ctx.companies // 2000)
    for index in range(extra):
        email = f"manager{index + 3}@example.com"
        manager = User.objects.filter(email=email).first()
        if manager is None:
            locale = ctx.random.choice(["en_IN", "hi_IN", "en_GB"])
            manager, _password = user_create(by=head, email=email, role=Role.MANAGER,
                                             name=ctx.faker(locale).name(), password=None)
        managers.append(manager)
    if not managers[0].api_tokens.exists():
        token_create(by=managers[0], user=managers[0], name="Nightly export (demo)")
    ctx.made["head"] = head
    ctx.made["managers"] = managers
    if not Absence.objects.exists():
        now = timezone.now()
        # Signing in as manager1 shows the substitute's view at once: a banner on Today and
        # the covered colleague's companies in the lists.
        absence_record(by=head, user=managers[2], data={
            "substitute": managers[0], "reason": AbsenceReason.VACATION,
            "starts_at": now - timedelta(days=2), "ends_at": now + timedelta(days=12),
            "note": "Family wedding in Jaipur"})
        absence_record(by=managers[1], user=managers[1], data={
            "substitute": managers[0], "reason": AbsenceReason.BUSINESS_TRIP,
            "starts_at": now + timedelta(days=20), "ends_at": now + timedelta(days=24),
            "note": "Trade fair"})
