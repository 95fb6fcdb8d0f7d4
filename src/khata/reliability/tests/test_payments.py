"""Payment behaviour from invoice history."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khata.reliability.scoring.payments import (
    Invoice,
    MixedCurrencies,
    payment_behaviour,
    payment_behaviour_by_currency,
)

AS_OF = date(2026, 3, 31)


def invoice(issued, days_late, amount=1000, terms=30, currency="INR", paid=True):
    issued = date.fromisoformat(issued)
    due = issued + timedelta(days=terms)
    return Invoice(
        issued, due, D(amount), currency, due + timedelta(days=days_late) if paid else None
    )


def test_days_beyond_terms_average_weighted_and_share_late():
    history = [
        invoice("2025-06-01", 0, amount=1000),
        invoice("2025-07-01", -5, amount=1000),  # early counts as 0
        invoice("2025-08-01", 10, amount=2000),
        invoice("2025-09-01", 40, amount=4000),
    ]

    result = payment_behaviour(history, AS_OF)

    assert result.dbt_average == pytest.approx((0 + 0 + 10 + 40) / 4)
    assert result.dbt_weighted == pytest.approx((10 * 2000 + 40 * 4000) / 8000)
    assert result.share_paid_late == 0.5
    assert result.share_paid_late_by_amount == pytest.approx(6000 / 8000)
    assert result.longest_delay_days == 40
    assert (result.invoice_count, result.paid_count, result.open_count) == (4, 4, 0)


def test_open_invoices_count_as_overdue_from_their_due_date():
    history = [
        invoice("2025-10-01", 0),
        invoice("2025-11-01", 0, amount=500, paid=False),  # due 2025-12-01: 120 days beyond
        invoice("2026-03-10", 0, amount=700, paid=False),  # not due yet
    ]

    result = payment_behaviour(history, AS_OF)

    assert result.open_count == 2 and result.open_overdue_count == 1
    assert result.open_overdue_amount == D(500)
    assert result.open_overdue_90_amount == D(500)
    assert result.longest_delay_days == (AS_OF - date(2025, 12, 1)).days


def test_history_is_read_as_of_the_day_no_look_ahead():
    late_payment = invoice("2026-01-01", 60)  # due 2026-01-31, paid 2026-04-01

    result = payment_behaviour([late_payment, invoice("2026-05-01", 0)], AS_OF)

    assert result.invoice_count == 1  # the May invoice does not exist yet
    assert result.paid_count == 0 and result.open_overdue_count == 1


def test_trend_is_the_slope_of_monthly_weighted_delay():
    # One payment on the 15th of each month from April 2025, 3 days later every month.
    paid = [date(2025 + (m - 1) // 12, (m - 1) % 12 + 1, 15) for m in range(4, 13)]
    history = [
        Invoice(p - timedelta(days=60), p - timedelta(days=3 * k), D(1000), "INR", p)
        for k, p in enumerate(paid)
    ]

    result = payment_behaviour(history, AS_OF)

    assert result.trend_days_per_month == pytest.approx(3.0)
    assert result.trend_months == 9


def test_trend_needs_three_months():
    result = payment_behaviour([invoice("2025-12-01", 5), invoice("2026-01-01", 9)], AS_OF)

    assert result.trend_days_per_month is None and result.trend_months == 2


def test_no_history_says_so():
    result = payment_behaviour([], AS_OF)

    assert not result.has_history
    assert result.dbt_weighted is None and result.longest_delay_days is None
    assert result.summary.startswith("No invoice history")


def test_mixed_currencies_are_refused_or_split():
    history = [invoice("2025-10-01", 5), invoice("2025-11-01", 9, currency="EUR")]

    with pytest.raises(MixedCurrencies) as error:
        payment_behaviour(history, AS_OF)
    split = payment_behaviour_by_currency(history, AS_OF)

    assert error.value.currencies == ("EUR", "INR")
    assert sorted(split) == ["EUR", "INR"]
    assert split["EUR"].dbt_weighted == 9


def test_senseless_invoices_are_set_aside_with_a_reason():
    bad_due = Invoice(date(2025, 5, 1), date(2025, 4, 1), D(100), "INR", reference="INV-7")
    credit_note = Invoice(date(2025, 5, 1), date(2025, 6, 1), D(-50), "INR")

    result = payment_behaviour([bad_due, credit_note, invoice("2025-06-01", 0)], AS_OF)

    assert [i.code for i in result.issues] == ["due_before_issue", "amount_not_positive"]
    assert "INV-7" in result.issues[0].message
    assert result.invoice_count == 1


@given(
    st.lists(
        st.tuples(
            st.integers(0, 700),  # issued, days before as_of
            st.integers(0, 90),  # terms
            st.one_of(st.none(), st.integers(-30, 400)),  # paid, days after due
            st.integers(1, 10**7),
        ),
        max_size=40,
    )
)
def test_figures_stay_in_range_for_any_history(rows):
    history = [
        Invoice(
            AS_OF - timedelta(days=back),
            AS_OF - timedelta(days=back) + timedelta(days=terms),
            D(amount),
            "INR",
            None if late is None else AS_OF - timedelta(days=back) + timedelta(days=terms + late),
        )
        for back, terms, late, amount in rows
    ]

    result = payment_behaviour(history, AS_OF)

    assert result.paid_count + result.open_count == result.invoice_count == len(history)
    if result.paid_count:
        assert 0 <= result.dbt_weighted <= result.longest_delay_days
        assert 0 <= result.share_paid_late <= 1
    assert 0 <= result.open_overdue_90_amount <= result.open_overdue_amount


_history = st.lists(st.tuples(
    st.integers(-30, 700),  # issued, days before AS_OF (negative: not issued yet)
    st.sampled_from([30, 45, -3]),  # terms (a negative one is due before issue: set aside)
    st.one_of(st.none(), st.integers(-10, 150)),  # days late, None while unpaid
    st.sampled_from([0, 100, 2500, 99999]),  # amount (0 is set aside)
), max_size=25)


@given(st.lists(_history, min_size=1, max_size=8))
def test_payment_arrays_agree_with_payment_behaviour(histories):
    import numpy as np

    from khata.reliability.scoring.payments import payment_arrays, payment_columns

    epoch = date(1970, 1, 1)
    companies = [[Invoice(AS_OF - timedelta(days=back),
                          AS_OF - timedelta(days=back) + timedelta(days=terms), D(amount), "INR",
                          None if late is None
                          else AS_OF - timedelta(days=back) + timedelta(days=terms + late))
                  for back, terms, late, amount in history] for history in histories]
    rows = [(c, i) for c, history in enumerate(companies) for i in history]

    def day(value):
        return (value - epoch).days

    got = payment_arrays(
        np.array([c for c, _ in rows], dtype=np.int64), len(companies),
        np.array([day(i.issued) for _, i in rows], dtype=float),
        np.array([day(i.due) for _, i in rows], dtype=float),
        np.array([np.nan if i.paid is None else day(i.paid) for _, i in rows], dtype=float),
        np.array([float(i.amount) for _, i in rows], dtype=float), day(AS_OF))
    expected = payment_columns([payment_behaviour(history, AS_OF) for history in companies])

    for name, values in expected.items():
        assert np.allclose(got[name], values, equal_nan=True, atol=1e-9), name
