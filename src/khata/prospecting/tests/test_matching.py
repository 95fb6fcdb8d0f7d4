"""Product match: the products whose targets suit a prospect, with the reasons."""

from decimal import Decimal

import pytest

from khata.catalog.models import Product
from khata.clients.models import Industry, Need
from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.fit import Facts
from khata.prospecting.matching import Targets, match_products, products_for_company
from khata.team.services import token_create


def _product(name, *, industries=(), tiers=(), needs=(), active=True):
    product = Product.objects.create(sku=f"SKU-{name}", name=name, purpose=f"{name} purpose",
                                     list_price=Decimal("10.00"), target_size_tiers=list(tiers),
                                     is_active=active)
    product.target_industries.set(Industry.objects.filter(code__in=industries))
    product.target_needs.set(needs)
    return product


def test_rank_by_hits_then_needs_with_reasons():
    facts = Facts(company_id=1, industry_code="62", industry_name="Computer programming",
                  section_code="J", section_name="Information and communication",
                  size_tier="small", needs=((1, "Backup"), (2, "Security")))
    everything = Targets("all three", industries={"62": "Computer programming"},
                         size_tiers=frozenset({"small"}), needs={1: "Backup"})
    section = Targets("section and two needs", industries={"J": "Information"},
                      needs={1: "Backup", 2: "Security"})
    one_need = Targets("one need", needs={2: "Security"})
    other = Targets("nothing", industries={"10": "Food"}, size_tiers=frozenset({"large"}),
                    needs={9: "Catering"})

    matches = match_products(facts, [one_need, other, section, everything])

    assert [m.product for m in matches] == ["all three", "section and two needs", "one need"]
    assert [m.hits for m in matches] == [3, 2, 1]
    assert matches[0].reasons == ["answers its needs: Backup",
                                  "made for its industry: 62 Computer programming",
                                  "made for its size: Small (10–49)"]
    assert matches[1].industry == "J"
    assert matches[1].reasons[1] == ("made for its industry section J Information, which "
                                     "includes 62")
    assert matches[1].needs == ["Backup", "Security"]


def test_a_company_with_nothing_known_matches_nothing():
    targets = Targets("p", industries={"62": "x"}, size_tiers=frozenset({"small"}),
                      needs={1: "Backup"})

    assert match_products(Facts(company_id=1), [targets]) == []


@pytest.fixture
def catalogue(db):
    backup = Need.objects.create(name="Backup")
    return {
        "backup": backup,
        "cloud": _product("Cloud Vault", industries=["J"], tiers=["small"], needs=[backup]),
        "dev": _product("Dev Tools", industries=["62"]),
        "food": _product("Cold Chain", industries=["10"], tiers=["large"]),
        "retired": _product("Old Vault", industries=["62"], needs=[backup], active=False),
    }


def test_products_for_my_prospect(catalogue, manager):
    company = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"),
                             size_tier="small")
    company.needs.add(catalogue["backup"])

    matches = products_for_company(user=manager, company=company)

    assert [m.product for m in matches] == [catalogue["cloud"], catalogue["dev"]]
    assert matches[0].hits == 3


def test_api_products_and_a_colleagues_company_is_404(client, catalogue, manager,
                                                      other_manager,
                                                      django_assert_max_num_queries):
    mine = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"),
                          size_tier="small")
    mine.needs.add(catalogue["backup"])
    theirs = CompanyFactory(owner=other_manager, industry=Industry.objects.get(code="62"))
    _token, raw = token_create(by=manager, user=manager, name="tests")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    with django_assert_max_num_queries(10):
        answer = client.get(f"/api/v1/companies/{mine.pk}/products", **auth)
    refused = client.get(f"/api/v1/companies/{theirs.pk}/products", **auth)

    assert answer.status_code == 200
    assert [item["product"]["name"] for item in answer.json()] == ["Cloud Vault", "Dev Tools"]
    assert answer.json()[0]["reasons"][0] == "answers its needs: Backup"
    assert refused.status_code == 404


def test_the_card_shows_fit_message_and_products(catalogue, manager, manager_client,
                                                 other_manager):
    mine = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"))
    theirs = CompanyFactory(owner=other_manager)

    page = manager_client.get(f"/companies/{mine.pk}/fit/")
    refused = manager_client.get(f"/companies/{theirs.pk}/fit/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Not enough won clients yet: 0 of the 30 needed" in text
    assert "Dev Tools" in text and "Cold Chain" not in text
    assert refused.status_code == 404
