"""The demo data is realistic enough to pass our own validation."""

from khata.clients.models import Company, Contact
from khata.clients.selectors import companies_stale
from khata.clients.validation import normalise_email, normalise_phone, normalise_tax_number
from khata.core.demo import build_demo
from khata.team.models import User


def test_demo_companies_validate_and_include_stale_and_devanagari(db):
    build_demo(seed=7, companies=150, log=lambda line: None)

    companies = list(Company.objects.all())
    assert len(companies) == 150
    for company in companies:
        if company.tax_number:
            assert normalise_tax_number(company.tax_number, company.tax_scheme) == (
                company.tax_scheme, company.tax_number)
    for contact in Contact.objects.select_related("company"):
        assert normalise_email(contact.email)
        if contact.phone:
            assert normalise_phone(contact.phone) == contact.phone
    head = User.objects.get(email="head@example.com")
    assert companies_stale(user=head).exists()
    assert any("\u0900" <= ch <= "\u097f" for c in Contact.objects.values_list("name", flat=True)
               for ch in c)
    assert {c.owner_id for c in companies} == set(
        User.objects.filter(role="manager").values_list("pk", flat=True))


def test_the_same_seed_gives_the_same_data(db):
    build_demo(seed=3, companies=20, log=lambda line: None)
    first = list(Company.objects.order_by("id").values_list("display_name", "tax_number"))
    Contact.all_objects.all().delete()
    Company.all_objects.all().delete()

    build_demo(seed=3, companies=20, log=lambda line: None)
    second = list(Company.objects.order_by("id").values_list("display_name", "tax_number"))

    assert first == second
