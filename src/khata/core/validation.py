"""Checks for values every app takes the same way: amounts of money and currency codes."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LARGEST_AMOUNT = Decimal("1e12")


def parse_amount(value, *, negative: str) -> Decimal:
    """An amount with at most two decimals, 0 or more and under 10¹² ("1,250.50" is read);
    `negative` is the sentence for a negative one ("A price cannot be negative.")."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter an amount such as 1250.00.")) from exc
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount such as 1250.00."))
    if amount >= LARGEST_AMOUNT:
        raise ValidationError(_("Enter an amount under 1,000,000,000,000."))
    if amount < 0:
        raise ValidationError(negative)
    if amount.as_tuple().exponent < -2:
        raise ValidationError(_("Use at most two decimal places."))
    return amount


def parse_currency(value) -> str:
    """An ISO 4217-shaped code in capitals ("inr" gives "INR")."""
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(_("Use a three-letter currency code, e.g. INR, EUR, USD."))
    return code
