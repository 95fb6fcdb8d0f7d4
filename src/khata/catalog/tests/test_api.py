"""The product range through the API: bad input."""

import pytest
from django.urls import reverse

from khata.team.services import token_create


@pytest.mark.parametrize("query", ["category", "need"])
def test_an_id_past_any_key_is_a_422_naming_the_filter(client, manager, query):
    # Found by the fuzzer (tests/fuzz): SQLite overflowed comparing 2**64 with a key (a 500).
    _token, raw = token_create(by=manager, user=manager, name="tests")

    response = client.get("/api/v1/products", {query: 2**64},
                          HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [f"query.{query}"]


def test_the_product_page_ignores_a_category_past_any_key(manager_client):
    response = manager_client.get(reverse("catalog:products"), {"category": 2**64})

    assert response.status_code == 200
