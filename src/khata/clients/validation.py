"""Checking and normalising what people type (or import) about companies and contacts.

One place for the rules, so the form, the API and the import give the same answer. Every
function returns the normalised value or raises `ValidationError` with a sentence a person
understands; `clean_fields` gathers the errors of many fields at once.
"""

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError
from email_validator import validate_email as check_email
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat
from stdnum.in_ import gstin, pan
from stdnum.us import ein

from khata.clients.choices import TaxScheme

TAX_VALIDATORS = {
    TaxScheme.GSTIN: gstin,
    TaxScheme.PAN: pan,
    TaxScheme.EU_VAT: eu_vat,
    TaxScheme.GB_VAT: gb_vat,
    TaxScheme.US_EIN: ein,
}
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
LEGAL_WORDS = {"pvt", "private", "ltd", "limited", "llp", "inc", "incorporated", "llc", "co",
               "company", "corp", "corporation", "gmbh", "ag", "plc", "the", "and", "&"}


def normalise_tax_number(number: str, scheme: str = "", country: str = "") -> tuple[str, str]:
    """(scheme, compact number) after checking the number's format and check digits.

    Without a scheme, the number's shape decides (a GSTIN, a PAN, then an EU VAT number); a
    number no checker recognises is kept as "other" only when the scheme says so.
    """
    number = (number or "").strip()
    if not number:
        return "", ""
    if scheme == TaxScheme.OTHER:
        return scheme, number
    if scheme in ("", TaxScheme.GSTIN) and _is_compact_gstin(number):
        return TaxScheme.GSTIN, number
    if scheme:
        module = TAX_VALIDATORS.get(scheme)
        if module is None:
            raise ValidationError(_("Unknown tax number type “%(scheme)s”.") % {"scheme": scheme})
        try:
            return scheme, module.validate(number)
        except stdnum_errors.ValidationError as exc:
            raise ValidationError(
                _("This is not a valid %(kind)s: %(reason)s")
                % {"kind": TaxScheme(scheme).label, "reason": str(exc.message).rstrip(".")}
                + "."
            ) from exc
    candidates = [TaxScheme.GSTIN, TaxScheme.PAN, TaxScheme.EU_VAT, TaxScheme.GB_VAT]
    if country == "US":
        candidates.insert(0, TaxScheme.US_EIN)
    mistyped = None
    for candidate in candidates:
        # `validate` answers the compact number, or why not: one pass per format (an import
        # checks a number per row, and is_valid followed by compact read it three times).
        try:
            return candidate, TAX_VALIDATORS[candidate].validate(number)
        except stdnum_errors.InvalidChecksum as exc:
            mistyped = mistyped or (candidate, exc)
        except stdnum_errors.ValidationError:
            continue
    if mistyped is not None:
        # Right shape but a wrong check digit: say so, it is what the user mistyped.
        candidate, exc = mistyped
        raise ValidationError(
            _("This looks like a %(kind)s but is not valid: %(reason)s")
            % {"kind": TaxScheme(candidate).label, "reason": str(exc.message).rstrip(".")}
            + "."
        ) from exc
    raise ValidationError(_("This tax number matches no known format (GSTIN, PAN, EU or UK "
                            "VAT, US EIN); choose “Other” as its type to keep it unchecked."))


# python-stdnum checks a GSTIN in about 15 µs, most of it spent cleaning characters that a
# number written as it should be does not have; an import checks one per row. Such a number is
# accepted here by stdnum's rules (shape, state code, PAN holder type, PAN serial, Luhn mod 36);
# anything else, or anything in doubt, goes to stdnum, which also words the errors. A test
# holds the two to the same answers.
_GSTIN_COMPACT = re.compile(r"[0-9]{2}[A-Z]{3}[ABCFGHJKLPT][A-Z][0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]")
_GSTIN_STATES = frozenset(f"{code:02d}" for code in range(1, 38))
_BASE36 = {char: value for value, char in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def _is_compact_gstin(number: str) -> bool:
    if not (_GSTIN_COMPACT.fullmatch(number) and number[:2] in _GSTIN_STATES
            and number[7:11] != "0000"):
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        value = _BASE36[char]
        total += sum(divmod(value * 2, 36)) if position % 2 else value
    return total % 36 == 0


def normalise_phone(value: str, country: str = "") -> str:
    """The number in E.164 (+919820012345); local numbers are read in the company's country."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, (country or "IN").upper())
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": value}) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number for %(country)s; add the country code, "
              "e.g. +91 98200 12345.") % {"value": value, "country": country or "IN"})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(value: str) -> str:
    """An E.164 number as people write it (+91 98200 12345)."""
    if not value:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(value),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value


def normalise_email(value: str) -> str:
    """The address with its domain lower-cased, or an error saying what is wrong with it."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        result = check_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(_("“%(value)s” is not a valid e-mail address: %(reason)s")
                              % {"value": value, "reason": str(exc)}) from exc
    return result.normalized


def normalise_website(value: str) -> tuple[str, str]:
    """(website URL, bare domain): "www.Acme.in/x" gives ("https://www.acme.in/x", "acme.in")."""
    value = (value or "").strip()
    if not value:
        return "", ""
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError(_("A website starts with http:// or https://."))
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or "." not in host or " " in value:
        raise ValidationError(_("“%(value)s” is not a web address.") % {"value": value})
    url = f"{parts.scheme.lower()}://{host}{parts.path if parts.path not in ('', '/') else ''}"
    return url, host.removeprefix("www.")


def normalise_country(value: str) -> str:
    value = (value or "").strip().upper()
    if value and not COUNTRY_CODE.match(value):
        raise ValidationError(_("Use the two-letter country code, e.g. IN, DE, US."))
    return value


def clean_fields(data: dict, cleaners: dict[str, Callable]) -> tuple[dict, dict]:
    """Run `cleaners[field](value, data)` for every field present; (clean values, errors)."""
    cleaned, errors = {}, {}
    for field, cleaner in cleaners.items():
        if field not in data:
            continue
        try:
            cleaned[field] = cleaner(data[field], data)
        except ValidationError as exc:
            errors[field] = exc.messages
    return cleaned, errors


def text_cleaner(limit: int, required: bool = False):
    """A `clean_fields` cleaner for text: stripped, at most `limit` characters."""

    def clean(value, _data):
        value = "" if value is None else str(value).strip()
        if required and not value:
            raise ValidationError(_("This field is required."))
        if len(value) > limit:
            raise ValidationError(_("Keep it under %(limit)s characters.") % {"limit": limit})
        return value
    return clean


def choice_cleaner(choices, required: bool = False):
    """A `clean_fields` cleaner for one of `choices` (a TextChoices); empty unless required."""

    def clean(value, _data):
        value = (value or "").strip() if isinstance(value, str) else (value or "")
        if not value and not required:
            return ""
        if value not in choices.values:
            raise ValidationError(_("Choose one of: %(values)s.")
                                  % {"values": ", ".join(choices.values)})
        return value
    return clean


def name_key(name: str) -> str:
    """"M/s. Tata Steel Pvt. Ltd." and "TATA STEEL PRIVATE LIMITED" give "tata steel"."""
    text = _MESSRS.sub("", unicodedata.normalize("NFKC", name or "").casefold())
    return " ".join(word for word in _NOT_WORD.split(text) if word and word not in LEGAL_WORDS)


_MESSRS = re.compile(r"^m/s\.?\s*")
_NOT_WORD = re.compile(r"[^\w]+")
