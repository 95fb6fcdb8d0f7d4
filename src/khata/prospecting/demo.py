"""Demo prospecting: search methods with their costs, leads found through them over the last
year (new, worked, qualified into the demo's companies, dropped with a reason) and segments."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone

from khata.clients.models import Company, Industry
from khata.core.demo import DemoContext, demo_step
from khata.prospecting.choices import LeadStatus, MethodKind
from khata.prospecting.models import DisqualifyReason, Lead, SearchMethod, Segment
from khata.prospecting.segments import validate_rules

METHODS = [  # name, kind, cost, share of leads, chance a lead qualifies
    ("Pune Engineering Fair 2026", MethodKind.EXHIBITION, "350000", 0.20, 0.25),
    ("Kompass list, west India", MethodKind.PURCHASED_LIST, "120000", 0.35, 0.06),
    ("Referrals from clients", MethodKind.REFERRAL, "0", 0.10, 0.45),
    ("Website enquiry form", MethodKind.WEB_FORM, "40000", 0.15, 0.20),
    ("Cold calls, Q3", MethodKind.COLD_OUTREACH, "90000", 0.15, 0.05),
    ("Channel partner: Deccan IT", MethodKind.PARTNER, "60000", 0.05, 0.30),
]
SEGMENTS = [
    ("Manufacturers in Maharashtra", {"match": "all", "rules": [
        {"field": "industry", "op": "in", "value": ["C"]},
        {"field": "region", "op": "in", "value": ["Maharashtra"]}]}),
    ("Mid-size and large prospects", {"match": "all", "rules": [
        {"field": "lifecycle", "op": "in", "value": ["prospect"]},
        {"field": "size_tier", "op": "in", "value": ["medium", "large"]}]}),
    ("Not verified for a year", {"match": "any", "rules": [
        {"field": "last_verified", "op": "older", "value": 365},
        {"field": "last_verified", "op": "never"}]}),
]


@demo_step(40)
def demo_prospecting(ctx: DemoContext) -> None:
    """search methods, leads found through them over the last year, and segments"""
    managers = ctx.made.get("managers") or []
    head = ctx.made.get("head")
    if not managers or head is None or SearchMethod.objects.exists():
        return
    rnd = ctx.random
    today = timezone.localdate()
    methods = [SearchMethod.objects.create(
        name=name, kind=kind, cost=Decimal(cost), owner=managers[index % len(managers)],
        starts_on=today - timedelta(days=330), form_enabled=kind == MethodKind.WEB_FORM)
        for index, (name, kind, cost, _share, _rate) in enumerate(METHODS)]
    weights = [share for *_rest, share, _rate in METHODS]
    rates = {method.pk: rate for method, (*_rest, rate) in zip(methods, METHODS, strict=True)}
    reasons = list(DisqualifyReason.objects.all())
    divisions = list(Industry.objects.filter(section__isnull=False).values_list("pk", flat=True))
    # Qualified leads point at demo companies (the clients they became), owned alike.
    bounds = Company.objects.aggregate(low=Min("pk"), high=Max("pk"))
    picks = (rnd.sample(range(bounds["low"], bounds["high"] + 1),
                        min(5000, bounds["high"] - bounds["low"] + 1))
             if bounds["low"] is not None else [])
    sample = list(Company.objects.filter(pk__in=picks).values_list("pk", "owner_id", "city",
                                                                    "region"))
    fake = ctx.faker("en_IN")
    now = timezone.now()
    count = max(60, ctx.companies // 2)

    def leads():
        for _index in range(count):
            method = rnd.choices(methods, weights)[0]
            roll = rnd.random()
            company = rnd.choice(sample) if sample else None
            qualified = company is not None and roll < rates[method.pk]
            status = (LeadStatus.QUALIFIED if qualified else
                      LeadStatus.DISQUALIFIED if roll > 0.8 else
                      LeadStatus.WORKING if roll > 0.6 else LeadStatus.NEW)
            first, last = fake.first_name(), fake.last_name()
            name = fake.company()
            opened = now - timedelta(days=rnd.randint(0, 360))
            yield Lead(
                search_method=method,
                owner_id=company[1] if qualified else rnd.choice(managers).pk,
                company_name=name, contact_name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}@example.in",
                city=company[2] if qualified else fake.city(),
                region=company[3] if qualified else "", country="IN",
                industry_id=rnd.choice(divisions) if divisions else None,
                size_tier=rnd.choice(["micro", "small", "medium", "large"]),
                status=status, company_id=company[0] if qualified else None,
                disqualify_reason=rnd.choice(reasons)
                if status == LeadStatus.DISQUALIFIED and reasons else None,
                closed_at=opened + timedelta(days=rnd.randint(3, 60))
                if status in {LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED} else None,
                notes=f"opened {opened:%Y-%m-%d}")

    made = ctx.bulk_create(Lead, leads(), label="leads")
    # Spread the leads over the year, as they came in (bulk_create stamps them all "now").
    ids = list(Lead.objects.values_list("pk", flat=True))
    for months_ago in range(12):
        month = ids[months_ago::12]
        for start in range(0, len(month), 20000):
            Lead.objects.filter(pk__in=month[start:start + 20000]).update(
                created_at=now - timedelta(days=30 * months_ago + rnd.randint(0, 27)))
    for name, rules in SEGMENTS:
        Segment.objects.create(name=name, owner=head, rules=validate_rules(rules))
    ctx.made["leads"] = made
