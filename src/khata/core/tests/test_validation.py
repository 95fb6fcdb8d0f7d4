"""Amounts and currency codes, the same for prices and costs."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from khata.core.validation import parse_amount, parse_currency


@pytest.mark.parametrize(("text", "amount"), [("1250", Decimal("1250")),
                                              ("1,250.50", Decimal("1250.50")), ("0", 0)])
def test_amounts_people_write_are_read(text, amount):
    assert parse_amount(text, negative="no") == amount


@pytest.mark.parametrize(("text", "message"), [
    ("ten", "Enter an amount"), ("nan", "Enter an amount"), ("Infinity", "Enter an amount"),
    ("-1", "A cost cannot be negative."), ("1.005", "at most two decimal places"),
    ("1e12", "under 1,000,000,000,000"),
])
def test_bad_amounts_say_why(text, message):
    with pytest.raises(ValidationError) as raised:
        parse_amount(text, negative="A cost cannot be negative.")
    assert message in raised.value.messages[0]


def test_currency_codes_are_three_letters_in_capitals():
    assert parse_currency(" inr ") == "INR"
    with pytest.raises(ValidationError):
        parse_currency("RUPEES")
