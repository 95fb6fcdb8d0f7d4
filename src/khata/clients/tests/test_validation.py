"""The tax-number shortcut for GSTINs written as they should be gives python-stdnum's answer."""

import random

import pytest
from stdnum import luhn
from stdnum.in_ import gstin

from khata.clients.choices import TaxScheme
from khata.clients.validation import _is_compact_gstin, normalise_tax_number

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _valid(rnd: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    body = (f"{rnd.randint(1, 37):02d}" + "".join(rnd.choice(letters) for _ in range(3))
            + rnd.choice("ABCFGHJKLPT") + rnd.choice(letters) + f"{rnd.randint(1, 9999):04d}"
            + rnd.choice(letters) + rnd.choice(ALPHABET[1:]) + "Z")
    return body + luhn.calc_check_digit(body, ALPHABET)


def test_the_shortcut_agrees_with_stdnum_on_valid_and_spoilt_numbers():
    rnd = random.Random(7)
    numbers = []
    for _ in range(3000):
        number = _valid(rnd)
        numbers.append(number)
        position = rnd.randrange(15)  # one character changed anywhere: mostly invalid
        numbers.append(number[:position] + rnd.choice(ALPHABET) + number[position + 1:])
    numbers += ["00AAACA1234A1Z5", "27AAACA0000A1ZV", "38AAACA1234A1Z5", "27aaaca1234a1z5",
                "27AAACA1234A0Z5", "27AAACA1234A1Y5", "27AAAXA1234A1Z5"]

    disagree = [number for number in numbers
                if _is_compact_gstin(number) and not gstin.is_valid(number)]
    accepted = sum(_is_compact_gstin(number) for number in numbers)

    assert disagree == []
    assert accepted == sum(gstin.is_valid(number) for number in numbers
                           if number == gstin.compact(number))  # and it misses none of them


@pytest.mark.parametrize("written", ["27AAPFU0939F1ZV", " 27aapfu0939f1zv ", "27-AAPFU-0939F1ZV"])
def test_a_gstin_is_recognised_however_it_is_written(written):
    assert normalise_tax_number(written) == (TaxScheme.GSTIN, "27AAPFU0939F1ZV")
