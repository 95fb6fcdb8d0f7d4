"""Demo companies, contacts, needs and consent: Indian and international, Latin and Devanagari,
valid tax numbers and phones, some stale records and a few deliberate duplicates.

Built for size: names come from pools made once, rows go in with `ctx.bulk_create`, so a
million companies is minutes, not hours.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from stdnum import luhn
from stdnum.iso7064 import mod_11_10

from khata.clients.choices import BuyingRole, Lifecycle, RevenueBand
from khata.clients.models import Company, Consent, Contact, Industry, Need
from khata.clients.services import size_tier_for
from khata.core.choices import ChangeAction
from khata.core.demo import DemoContext, demo_step
from khata.core.models import Change

GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
INDIAN_PLACES = [  # city, state, GST state code
    ("Mumbai", "Maharashtra", "27"), ("Pune", "Maharashtra", "27"),
    ("Bengaluru", "Karnataka", "29"), ("Chennai", "Tamil Nadu", "33"),
    ("New Delhi", "Delhi", "07"), ("Ahmedabad", "Gujarat", "24"),
    ("Hyderabad", "Telangana", "36"), ("Kolkata", "West Bengal", "19"),
    ("Jaipur", "Rajasthan", "08"), ("Lucknow", "Uttar Pradesh", "09"),
    ("Kochi", "Kerala", "32"), ("Indore", "Madhya Pradesh", "23"),
]
GST_STATE_OF_CITY = {city: code for city, _state, code in INDIAN_PLACES}
FOREIGN_PLACES = {
    "de_DE": [("Berlin", "Berlin", "DE"), ("München", "Bayern", "DE"),
              ("Hamburg", "Hamburg", "DE")],
    "en_GB": [("London", "England", "GB"), ("Manchester", "England", "GB")],
    "en_US": [("New York", "NY", "US"), ("Austin", "TX", "US"), ("Chicago", "IL", "US")],
}
NEEDS = [
    "Logistics", "Cold chain", "ERP", "Cloud hosting", "Cyber security", "Export finance",
    "Packaging", "Fleet", "Solar power", "Training", "Payroll", "Quality certification",
    "Warehousing", "Data analytics", "Maintenance contracts",
]
SOURCES = ["referral", "exhibition", "web form", "purchased list", "cold outreach", "partner",
           "inbound call"]
JOB_TITLES = ["Managing Director", "Head of Procurement", "CFO", "Purchase Manager",
              "Operations Head", "IT Manager", "Plant Manager", "Executive Assistant"]
ROLES = [BuyingRole.DECISION_MAKER, BuyingRole.ECONOMIC_BUYER, BuyingRole.INFLUENCER,
         BuyingRole.USER, BuyingRole.GATEKEEPER, BuyingRole.CHAMPION]
SUFFIXES = {"en_IN": ["Pvt Ltd", "Ltd", "Industries", "Enterprises", "LLP"],
            "hi_IN": ["उद्योग", "प्राइवेट लिमिटेड", "ट्रेडर्स"],
            "de_DE": ["GmbH", "AG"], "en_GB": ["Ltd", "plc"], "en_US": ["Inc.", "LLC"]}


def _gstin(ctx: DemoContext, state_code: str) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = ("".join(ctx.random.choice(letters) for _ in range(3)) + "C"
           + ctx.random.choice(letters) + f"{ctx.random.randint(1, 9999):04d}"
           + ctx.random.choice(letters))
    body = f"{state_code}{pan}1Z"
    return body + luhn.calc_check_digit(body, GSTIN_ALPHABET)


def _de_vat(ctx: DemoContext) -> str:
    body = str(ctx.random.randint(10_000_000, 99_999_999))
    return "DE" + body + mod_11_10.calc_check_digit(body)


def _pools(ctx: DemoContext) -> dict:
    pools = {}
    for locale in ["en_IN", "hi_IN", "de_DE", "en_GB", "en_US"]:
        fake = ctx.faker(locale)
        pools[locale] = {
            "companies": [fake.last_name() for _ in range(300)],
            "people": [fake.name() for _ in range(400)],
        }
    return pools


def _slug(text: str) -> str:
    ascii_only = "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())
    return ascii_only or "firma"


@demo_step(20)
def demo_companies(ctx: DemoContext) -> None:
    """companies, contacts, needs and consent across the managers' portfolios"""
    managers = ctx.made.get("managers") or []
    if not managers or ctx.companies == 0:
        return
    needs = [Need.objects.get_or_create(name=name)[0] for name in NEEDS]
    divisions = list(Industry.objects.filter(section__isnull=False).values_list("pk", flat=True))
    pools = _pools(ctx)
    now = timezone.now()
    rnd = ctx.random
    seen_names: list[tuple] = []

    def companies():
        for index in range(ctx.companies):
            duplicate = index > 20 and index % 97 == 0 and seen_names
            if duplicate:  # a deliberate near-duplicate for Data health and merge to find
                name, domain, city, region, country, locale = rnd.choice(seen_names)
                name = name.replace("Pvt Ltd", "Private Limited") if "Pvt Ltd" in name \
                    else f"{name} ({city})"
            else:
                locale = rnd.choices(["en_IN", "hi_IN", "de_DE", "en_GB", "en_US"],
                                     weights=[50, 20, 10, 10, 10])[0]
                stem = rnd.choice(pools[locale]["companies"])
                name = f"{stem} {rnd.choice(SUFFIXES[locale])}"
                if locale in {"en_IN", "hi_IN"}:
                    city, region, state_code = rnd.choice(INDIAN_PLACES)
                    country = "IN"
                else:
                    city, region, country = rnd.choice(FOREIGN_PLACES[locale])
                domain = f"{_slug(stem)}{index}.example.{'in' if country == 'IN' else 'com'}"
                if len(seen_names) < 500:
                    seen_names.append((name, domain, city, region, country, locale))
            if country == "IN":
                scheme, tax = "in_gstin", _gstin(ctx, GST_STATE_OF_CITY.get(city, "27"))
            elif country == "DE":
                scheme, tax = "eu_vat", _de_vat(ctx)
            else:
                scheme, tax = "", ""
            employees = int(rnd.lognormvariate(3.5, 1.6))
            lifecycle = rnd.choices(Lifecycle.values, weights=[55, 30, 10, 5])[0]
            verified_days = rnd.choice([None, 5, 20, 60, 120, 200, 400])
            yield (
                name[:200], name[:200], scheme, tax, rnd.choice(divisions), employees,
                size_tier_for(employees), rnd.choice(RevenueBand.values), country, region,
                city, f"https://{domain}", domain, lifecycle,
                managers[index % len(managers)].pk, rnd.choice(SOURCES),
                (now - timedelta(days=verified_days + rnd.random())
                 if verified_days is not None else None),
                # Age a fifth of them so "never verified" records go stale too.
                aged if index % 5 == 0 else now,
            )

    aged = now - timedelta(days=240)
    first_id = (Company.all_objects.order_by("-id").values_list("id", flat=True).first() or 0)
    ctx.insert_rows(Company, [
        "display_name", "legal_name", "tax_scheme", "tax_number", "industry_id", "employees",
        "size_tier", "revenue_band", "country", "region", "city", "website", "domain",
        "lifecycle", "owner_id", "source", "last_verified_at", "created_at",
    ], companies(), label="companies")
    company_rows = list(Company.all_objects.filter(id__gt=first_id)
                        .values_list("id", "domain", "country").order_by("id"))

    ctx.insert_rows(Company.needs.through, ["company_id", "need_id"], (
        (company_id, need.pk)
        for company_id, _domain, _country in company_rows
        for need in rnd.sample(needs, rnd.randint(0, 3))
    ), label="needs")

    def contacts():
        for company_id, domain, country in company_rows:
            locale = "en_IN" if country == "IN" else {"DE": "de_DE", "GB": "en_GB"}.get(
                country, "en_US")
            # One to five people, three on average: the 1,000,000 companies with
            # 3,000,000 contacts (issue 3, performance).
            for number in range(rnd.randint(1, 5)):
                person_locale = "hi_IN" if country == "IN" and rnd.random() < 0.3 else locale
                name = rnd.choice(pools[person_locale]["people"])
                first = _slug(name.split()[0]) if name.split() else "contact"
                phone = (f"+91{rnd.choice('6789')}{rnd.randint(100000000, 999999999)}"
                         if country == "IN" else
                         f"+4930{rnd.randint(1000000, 9999999)}" if country == "DE" else "")
                yield (
                    company_id, name, rnd.choice(JOB_TITLES),
                    rnd.choice(ROLES) if number == 0 else rnd.choice(ROLES[2:]),
                    f"{first}.{number}@{domain}", phone,
                    rnd.choice(["email", "phone", "meeting"]),
                )

    first_contact = Contact.all_objects.order_by("-id").values_list("id", flat=True).first() or 0
    ctx.insert_rows(Contact, ["company_id", "name", "job_title", "buying_role", "email", "phone",
                              "preferred_channel"], contacts(), label="contacts")
    contact_ids = Contact.all_objects.filter(id__gt=first_contact).values_list("id", flat=True)
    ctx.insert_rows(Consent, ["contact_id", "channel", "status", "method", "at"], (
        (contact_id, "email", "granted", "import", now - timedelta(days=rnd.randint(1, 700)))
        for contact_id in contact_ids.iterator() if rnd.random() < 0.6
    ), label="consents")

    # A timeline entry for the first few thousand, so record pages show their history.
    company_type = ContentType.objects.get_for_model(Company)
    names = dict(Company.all_objects.filter(id__gt=first_id).values_list("id", "display_name")
                 [:2000])
    ctx.bulk_create(Change, (
        Change(action=ChangeAction.CREATE, content_type=company_type, object_id=str(pk),
               object_repr=name[:200], message="demo data")
        for pk, name in names.items()
    ))
    ctx.made["companies"] = len(company_rows)
    ctx.log(f"  {len(company_rows):,} companies, {contact_ids.count():,} contacts")
