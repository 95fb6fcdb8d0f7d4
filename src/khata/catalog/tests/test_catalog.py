"""The product range: the head maintains it, everyone reads it."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from khata.catalog.models import Product
from khata.catalog.selectors import price_of, products_visible
from khata.catalog.services import (
    category_create,
    price_list_create,
    price_set,
    product_create,
    product_update,
)
from khata.clients.services import need_create
from khata.core.selectors import last_change
from khata.team.services import token_create


@pytest.fixture
def product(head):
    need_create(by=head, name="Cold chain")
    return product_create(by=head, data={
        "sku": "SVC-1", "name": "Cold transport", "purpose": "Keeps vaccines cold",
        "list_price": "1,250.50", "currency": "inr", "unit": "project",
        "target_industries": ["21", "c"], "target_needs": ["cold chain"],
        "target_size_tiers": ["medium"]})


def test_the_head_adds_a_product_with_its_targets(product):
    assert product.list_price == 1250.50 and product.currency == "INR"
    assert sorted(i.code for i in product.target_industries.all()) == ["21", "C"]
    assert last_change(product).changes["target_needs"] == [None, ["Cold chain"]]


def test_product_errors_name_each_field(head, product):
    with pytest.raises(ValidationError) as caught:
        product_create(by=head, data={"sku": "svc-1", "name": "", "list_price": "-3",
                                      "currency": "rupees", "unit": "bucket",
                                      "target_industries": ["ZZ"], "target_needs": ["Magic"]})

    assert set(caught.value.message_dict) == {"sku", "name", "list_price", "currency", "unit",
                                              "target_industries", "target_needs"}
    assert Product.objects.count() == 1


def test_managers_read_the_range_but_cannot_change_it(manager, product):
    assert list(products_visible(user=manager)) == [product]
    assert list(products_visible(user=manager, q="vaccines")) == [product]
    assert list(products_visible(user=manager, industry="C")) == [product]
    with pytest.raises(PermissionDenied):
        product_update(by=manager, product=product, data={"name": "Hacked"})
    with pytest.raises(PermissionDenied):
        product_create(by=manager, data={"sku": "X", "name": "X"})
    product.refresh_from_db()
    assert product.name == "Cold transport"


def test_price_lists_override_the_list_price(head, product):
    price_list = price_list_create(by=head, name="Fair 2026", currency="INR",
                                   valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    assert price_of(product=product, price_list=price_list)[0] == product.list_price

    price_set(by=head, price_list=price_list, product=product, price="999.00")

    assert price_of(product=product, price_list=price_list)[0] == 999
    with pytest.raises(ValidationError):
        price_list_create(by=head, name="Bad", currency="INR", valid_from=date(2026, 5, 1),
                          valid_to=date(2026, 4, 1))


def test_categories_are_unique_within_their_parent(head):
    services = category_create(by=head, name="Services")
    category_create(by=head, name="Logistics", parent=services)
    with pytest.raises(ValidationError):
        category_create(by=head, name="logistics", parent=services)


def test_product_pages_and_api(client, manager, head, product):
    client.force_login(manager)
    assert "Keeps vaccines cold" in client.get("/products/").text
    assert client.get(f"/products/{product.pk}/").status_code == 200
    assert client.get("/products/new/").status_code == 403

    _token, raw = token_create(by=manager, user=manager, name="t")
    listing = client.get("/api/v1/products", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert listing["items"][0]["target_needs"] == ["Cold chain"]
    denied = client.patch(f"/api/v1/products/{product.pk}", {"name": "X"},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert denied.status_code == 403


def test_the_head_edits_in_the_form(client, head, product):
    client.force_login(head)

    bad = client.post(f"/products/{product.pk}/edit/", {
        "sku": "SVC-1", "name": "Cold transport", "unit": "project", "list_price": "abc",
        "currency": "INR"})
    assert bad.status_code == 422 and "Enter an amount" in bad.text

    client.post(f"/products/{product.pk}/edit/", {
        "sku": "SVC-1", "name": "Cold transport", "unit": "project", "list_price": "1300",
        "currency": "INR", "target_industries": "21", "is_active": "on"})
    product.refresh_from_db()
    assert product.list_price == 1300
