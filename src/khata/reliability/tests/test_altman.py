"""Altman's Z-score family against published worked examples, and the input checks."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khata.reliability.scoring.altman import (
    SPECS,
    Profile,
    Statement,
    Variant,
    Zone,
    altman_report,
    choose_variant,
    z_score,
    zone_of,
)

LISTED_MANUFACTURER = Profile(listed=True, manufacturer=True)
PRIVATE_MANUFACTURER = Profile(listed=False, manufacturer=True)
SERVICES = Profile(listed=False, manufacturer=False)
EMERGING = Profile(emerging_market=True)

# Crystal Brands, Inc., selected financial data in $000 for five consecutive years, from the
# bankruptcy-forecasting chapter of a financial-statement-analysis textbook (stored copy:
# trantor.is/content/eO9TBqAXVfXvpP8O/c09.xhtml); the exercise built on it
# (solutioninn.com/study-help/questions/general-principles-of-credit-analysis-...-10582684)
# prints the first year's five weighted terms, which the first test reproduces.
# Columns: sales, EBIT, current assets, current liabilities, total assets, total debt
# (total liabilities), retained earnings, shares (000), share price ($).
CRYSTAL_BRANDS = [
    (857_241, 84_758, 351_726, 167_558, 682_528, 444_779, 47_161, 9_078, "33.03"),
    (868_465, 84_393, 363_880, 172_179, 688_138, 421_963, 74_235, 9_098, "21.06"),
    (826_876, -19_345, 350_048, 199_761, 659_437, 465_946, 1_019, 9_116, "14.00"),
    (486_893, 1_103, 245_744, 77_165, 486_309, 362_128, -66_801, 9_117, "4.03"),
    (444_302, -87_379, 155_245, 313_392, 248_437, 340_556, -282_917, 9_117, "1.07"),
]


def crystal(year_index: int, **changes) -> Statement:
    sales, ebit, ca, cl, ta, tl, re, shares, price = CRYSTAL_BRANDS[year_index]
    statement = Statement(
        fiscal_year=2015 + year_index,
        currency="USD",
        revenue=D(sales),
        ebit=D(ebit),
        current_assets=D(ca),
        current_liabilities=D(cl),
        total_assets=D(ta),
        total_liabilities=D(tl),
        retained_earnings=D(re),
        book_equity=D(ta - tl),
        market_equity=D(shares) * D(price),
    )
    return replace(statement, **changes)


def test_crystal_brands_first_year_matches_the_printed_terms():
    result = z_score(crystal(0), LISTED_MANUFACTURER)

    terms = {r.name: r.contribution for r in result.ratios}
    # The exercise prints six decimals and its last digit is sometimes truncated, not rounded.
    assert result.variant is Variant.Z
    assert terms["x1"] == pytest.approx(0.323798, abs=2e-6)
    assert terms["x2"] == pytest.approx(0.096737, abs=2e-6)
    assert terms["x3"] == pytest.approx(0.409801, abs=2e-6)
    assert terms["x4m"] == pytest.approx(0.404488, abs=2e-6)
    assert terms["x5"] == pytest.approx(1.255979, abs=2e-6)
    assert result.score == pytest.approx(2.490803, abs=5e-6)
    assert result.zone is Zone.GREY
    assert not result.partial and result.issues == ()


def test_crystal_brands_slides_from_grey_into_distress():
    report = altman_report([crystal(i) for i in range(5)], LISTED_MANUFACTURER)

    scores = [r.score for r in report.history]
    assert [r.zone for r in report.history] == [
        Zone.GREY,
        Zone.GREY,
        Zone.DISTRESS,
        Zone.DISTRESS,
        Zone.DISTRESS,
    ]
    assert scores == sorted(scores, reverse=True)
    assert report.latest.fiscal_year == 2019
    assert report.latest.score == pytest.approx(
        1.2 * (155_245 - 313_392) / 248_437
        + 1.4 * -282_917 / 248_437
        + 3.3 * -87_379 / 248_437
        + 0.6 * (9_117 * 1.07) / 340_556
        + 1.0 * 444_302 / 248_437
    )
    assert report.trend == pytest.approx(scores[-1] - scores[-2])


def test_textbook_exercise_with_working_capital_given():
    # Exercise "Computation of z score" (brainmass.com/statistics/z-test/computation-zscore-521231):
    # working capital 90,000, total assets 620,000, retained earnings 30,000, EBIT 55,000,
    # market value of equity 100,000, book value of total debt 280,000, sales 440,000.
    statement = Statement(
        2024,
        "USD",
        revenue=D(440_000),
        ebit=D(55_000),
        total_assets=D(620_000),
        current_assets=D(190_000),
        current_liabilities=D(100_000),
        total_liabilities=D(280_000),
        retained_earnings=D(30_000),
        book_equity=D(340_000),
        market_equity=D(100_000),
    )

    result = z_score(statement, LISTED_MANUFACTURER)

    assert result.score == pytest.approx(1.4586, abs=5e-4)
    assert result.zone is Zone.DISTRESS


def test_z_prime_and_z_double_prime_use_book_equity_and_their_own_weights():
    statement = crystal(0)
    wc, re, ebit, ta = 351_726 - 167_558, 47_161, 84_758, 682_528
    book, tl, sales = 682_528 - 444_779, 444_779, 857_241

    private = z_score(statement, PRIVATE_MANUFACTURER)
    services = z_score(statement, SERVICES)
    emerging = z_score(statement, EMERGING)

    assert private.variant is Variant.Z_PRIME
    assert private.score == pytest.approx(
        0.717 * wc / ta
        + 0.847 * re / ta
        + 3.107 * ebit / ta
        + 0.420 * book / tl
        + 0.998 * sales / ta
    )
    assert services.variant is Variant.Z_DOUBLE_PRIME
    assert services.score == pytest.approx(
        6.56 * wc / ta + 3.26 * re / ta + 6.72 * ebit / ta + 1.05 * book / tl
    )
    assert emerging.variant is Variant.Z_DOUBLE_PRIME_EM
    assert emerging.score == pytest.approx(services.score + 3.25)
    assert emerging.zone is services.zone


def test_published_coefficients_and_zones():
    assert SPECS[Variant.Z].weights == {"x1": 1.2, "x2": 1.4, "x3": 3.3, "x4m": 0.6, "x5": 1.0}
    assert (SPECS[Variant.Z].distress_below, SPECS[Variant.Z].safe_above) == (1.81, 2.99)
    assert SPECS[Variant.Z_PRIME].weights == {
        "x1": 0.717,
        "x2": 0.847,
        "x3": 3.107,
        "x4b": 0.420,
        "x5": 0.998,
    }
    assert (SPECS[Variant.Z_PRIME].distress_below, SPECS[Variant.Z_PRIME].safe_above) == (1.23, 2.9)
    assert SPECS[Variant.Z_DOUBLE_PRIME].weights == {
        "x1": 6.56,
        "x2": 3.26,
        "x3": 6.72,
        "x4b": 1.05,
    }
    assert (
        SPECS[Variant.Z_DOUBLE_PRIME].distress_below,
        SPECS[Variant.Z_DOUBLE_PRIME].safe_above,
    ) == (
        1.10,
        2.60,
    )
    assert SPECS[Variant.Z_DOUBLE_PRIME_EM].constant == 3.25


@pytest.mark.parametrize(
    ("score", "zone"),
    [(3.0, Zone.SAFE), (2.99, Zone.GREY), (1.81, Zone.GREY), (1.8099, Zone.DISTRESS)],
)
def test_cut_offs_belong_to_the_grey_zone(score, zone):
    assert zone_of(score, Variant.Z) is zone


def test_variant_follows_the_profile():
    assert choose_variant(LISTED_MANUFACTURER) is Variant.Z
    assert choose_variant(PRIVATE_MANUFACTURER) is Variant.Z_PRIME
    assert choose_variant(SERVICES) is Variant.Z_DOUBLE_PRIME
    assert choose_variant(Profile()) is Variant.Z_DOUBLE_PRIME  # industry unknown
    assert choose_variant(Profile(listed=True, manufacturer=True, emerging_market=True)) is (
        Variant.Z_DOUBLE_PRIME_EM
    )


def test_listed_manufacturer_without_market_value_falls_back_to_z_prime():
    result = z_score(crystal(0, market_equity=None), LISTED_MANUFACTURER)

    assert result.variant is Variant.Z_PRIME
    assert [i.code for i in result.issues] == ["market_equity_missing"]
    assert not result.partial


def test_current_assets_above_total_assets_sets_x1_aside():
    result = z_score(crystal(0, current_assets=D(700_000)), LISTED_MANUFACTURER)

    assert [i.code for i in result.issues] == ["current_assets_exceed_total_assets"]
    assert result.issues[0].ratios_set_aside == ("x1",)
    assert result.set_aside == ("x1",)
    assert result.partial and result.zone is None
    assert result.score == pytest.approx(2.490803 - 0.323798, abs=5e-6)


def test_current_liabilities_above_total_liabilities_sets_both_ratios_aside():
    result = z_score(crystal(0, current_liabilities=D(500_000)), SERVICES)

    assert result.issues[0].code == "current_liabilities_exceed_total_liabilities"
    assert set(result.set_aside) == {"x1", "x4b"}
    assert result.partial


@pytest.mark.parametrize("total_assets", [D(0), D(-5)])
def test_total_assets_of_zero_or_less_leave_only_x4(total_assets):
    result = z_score(crystal(0, total_assets=total_assets), LISTED_MANUFACTURER)

    codes = {i.code for i in result.issues}
    assert "total_assets_not_positive" in codes
    assert set(result.set_aside) == {"x1", "x2", "x3", "x5"}
    assert result.score == pytest.approx(0.404488, abs=5e-6)
    assert result.partial and result.zone is None


def test_zero_total_liabilities_is_a_zero_denominator():
    result = z_score(crystal(0, total_liabilities=D(0), current_liabilities=D(0)), SERVICES)

    assert [i.code for i in result.issues] == ["zero_denominator"]
    assert result.set_aside == ("x4b",)
    assert "total liabilities are zero" in result.issues[0].message


def test_missing_value_is_named_and_only_its_ratio_is_set_aside():
    result = z_score(crystal(0, retained_earnings=None), PRIVATE_MANUFACTURER)

    assert [(i.code, i.fields) for i in result.issues] == [
        ("missing_value", ("retained_earnings",))
    ]
    assert result.set_aside == ("x2",)
    assert "retained earnings is missing" in result.issues[0].message


def test_missing_value_that_the_variant_does_not_use_is_not_an_issue():
    result = z_score(crystal(0, revenue=None, market_equity=None), SERVICES)

    assert result.issues == () and not result.partial


def test_nothing_usable_gives_no_score():
    empty = Statement(2024, "INR")

    result = z_score(empty, SERVICES)

    assert result.score is None and result.zone is None and not result.partial


def test_differing_currencies_missing_and_duplicate_years_are_named():
    statements = [
        crystal(0),
        replace(crystal(1), currency="EUR"),
        crystal(3),
        crystal(4),
        replace(crystal(4), revenue=D(1)),
    ]

    report = altman_report(statements, LISTED_MANUFACTURER)

    codes = [i.code for i in report.issues]
    assert codes == ["duplicate_year", "currency_mismatch", "missing_years"]
    assert "FY2016" in report.issues[1].message and "EUR" in report.issues[1].message
    assert "FY2016" in report.issues[2].message and "FY2017" in report.issues[2].message
    assert [r.fiscal_year for r in report.history] == [2015, 2018, 2019]
    assert report.latest.ratios[-1].value == pytest.approx(444_302 / 248_437)  # first kept
    assert sorted(report.statements_set_aside) == [2016, 2019]


def test_trend_needs_consecutive_years():
    report = altman_report([crystal(0), crystal(2)], LISTED_MANUFACTURER)

    assert report.trend is None


def test_no_statements_is_said_plainly():
    report = altman_report([], SERVICES)

    assert report.latest is None and report.issues[0].code == "no_statements"


amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=0, allow_nan=False)
maybe = st.one_of(st.none(), amounts)


@given(
    revenue=maybe,
    ebit=maybe,
    total_assets=maybe,
    current_assets=maybe,
    total_liabilities=maybe,
    current_liabilities=maybe,
    retained_earnings=maybe,
    book_equity=maybe,
    market_equity=maybe,
    profile=st.sampled_from([LISTED_MANUFACTURER, PRIVATE_MANUFACTURER, SERVICES, EMERGING]),
)
def test_any_statement_gives_a_finite_score_or_none_and_every_gap_is_explained(profile, **values):
    result = z_score(Statement(2024, "INR", **values), profile)

    if result.score is not None:
        assert result.score == result.score and abs(result.score) != float("inf")
    explained = {r for issue in result.issues for r in issue.ratios_set_aside}
    assert set(result.set_aside) <= explained
    assert result.partial == (0 < len(result.set_aside) < len(result.ratios))
    assert (result.zone is None) == (result.score is None or result.partial)
