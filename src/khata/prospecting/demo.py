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
    count = ctx.leads if ctx.leads is not None else max(60, ctx.companies // 2)
    # Pools of fake names: calling Faker per lead made two million leads take many minutes.
    pool = min(count, 5000)
    firsts = [fake.first_name() for _ in range(pool)]
    lasts = [fake.last_name() for _ in range(pool)]
    names = [fake.company() for _ in range(pool)]
    cities = [fake.city() for _ in range(min(pool, 500))]
    tiers = ["micro", "small", "medium", "large"]
    columns = ["search_method_id", "owner_id", "company_name", "contact_name", "email", "city",
               "region", "country", "industry_id", "size_tier", "status", "company_id",
               "disqualify_reason_id", "closed_at", "notes", "created_at", "updated_at"]

    def leads():
        for index in range(count):
            method = rnd.choices(methods, weights)[0]
            roll = rnd.random()
            company = rnd.choice(sample) if sample else None
            qualified = company is not None and roll < rates[method.pk]
            status = (LeadStatus.QUALIFIED if qualified else
                      LeadStatus.DISQUALIFIED if roll > 0.8 else
                      LeadStatus.WORKING if roll > 0.6 else LeadStatus.NEW)
            first, last = rnd.choice(firsts), rnd.choice(lasts)
            # Spread over the year, as they came in.
            opened = now - timedelta(days=rnd.randint(0, 360), seconds=rnd.randint(0, 86399))
            closed = status in {LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}
            yield (method.pk, company[1] if qualified else rnd.choice(managers).pk,
                   rnd.choice(names) if index >= pool else names[index], f"{first} {last}",
                   f"{first.lower()}.{last.lower()}{index}@example.in",
                   company[2] if qualified else rnd.choice(cities),
                   company[3] if qualified else "", "IN",
                   rnd.choice(divisions) if divisions else None, rnd.choice(tiers), status,
                   company[0] if qualified else None,
                   rnd.choice(reasons).pk if status == LeadStatus.DISQUALIFIED and reasons
                   else None,
                   opened + timedelta(days=rnd.randint(3, 60)) if closed else None,
                   "", opened, opened)

    made = ctx.insert_rows(Lead, columns, leads(), label="leads")
    for name, rules in SEGMENTS:
        Segment.objects.create(name=name, owner=head, rules=validate_rules(rules))
    ctx.made["leads"] = made
