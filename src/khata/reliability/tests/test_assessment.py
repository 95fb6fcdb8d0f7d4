"""The combined assessment, one company and many."""

from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal as D

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khata.reliability.scoring.altman import Profile, Statement, profile_columns, statement_columns
from khata.reliability.scoring.assessment import (
    Band,
    BatchResult,
    CompanyBatch,
    CompanyInput,
    assess,
    assess_many,
)
from khata.reliability.scoring.checklist import (
    Checklist,
    References,
    RegistryStatus,
    checklist_columns,
)
from khata.reliability.scoring.learned import FEATURES, train_matrix
from khata.reliability.scoring.payments import Invoice, payment_behaviour, payment_columns

AS_OF = date(2026, 3, 31)
ASHA = "Asha Rao"


def good_statement(year=2025, **changes):
    values = {
        "revenue": D(12_000_000),
        "ebit": D(1_500_000),
        "net_income": D(1_000_000),
        "total_assets": D(8_000_000),
        "current_assets": D(4_000_000),
        "total_liabilities": D(3_000_000),
        "current_liabilities": D(1_500_000),
        "retained_earnings": D(3_000_000),
        "book_equity": D(5_000_000),
    }
    values.update(changes)
    return Statement(year, "INR", **values)


def punctual_invoices(n=12, late=0, amount=100_000):
    out = []
    for k in range(n):
        issued = AS_OF - timedelta(days=30 * (n - k) + 40)
        due = issued + timedelta(days=30)
        out.append(Invoice(issued, due, D(amount), "INR", due + timedelta(days=late)))
    return out


def full_checklist(**changes):
    values = {
        "years_in_business": 15,
        "registry_status": RegistryStatus.ACTIVE,
        "legal_disputes": False,
        "references": References.GOOD,
        "ownership_known": True,
    }
    values.update(changes)
    return Checklist(ASHA, date(2026, 3, 2), **values)


def test_new_prospect_with_only_a_checklist_gets_a_wide_range_not_a_precise_figure():
    prospect = CompanyInput(
        AS_OF, checklist=Checklist(ASHA, AS_OF, registry_status=RegistryStatus.ACTIVE)
    )

    result = assess(prospect)

    assert result.thin_data
    assert result.summary.startswith("Thin data")
    assert result.high / result.low > 15
    assert result.band_range[0] <= Band.B and result.band_range[1] >= Band.D
    assert result.credit_limit is None and result.currency is None
    assert result.terms in {"net 30 days", "net 15 days, or 50% prepayment", "prepayment only"}
    assert "financial statements" in result.missing and "invoice history" in result.missing
    assert result.completeness == pytest.approx(0.2 * 1 / 5)
    assert result.valid_until - AS_OF < timedelta(days=120)


def test_well_documented_sound_client_is_narrow_and_long_lived():
    client = CompanyInput(
        AS_OF,
        Profile(manufacturer=False),
        statements=[good_statement(2024), good_statement(2025)],
        invoices=punctual_invoices(),
        checklist=full_checklist(),
    )

    result = assess(client)

    assert result.band is Band.A
    assert not result.thin_data and result.completeness == pytest.approx(1.0)
    assert result.high / result.low < 3
    # min(revenue / 12, 20 % of equity) = 1,000,000, band A keeps it whole.
    assert result.credit_limit == D(1_000_000) and result.currency == "INR"
    assert result.terms == "net 60 days"
    assert result.valid_until == AS_OF + timedelta(days=365)
    sources = {f.name: f.source for f in result.factors}
    assert sources["altman"] == "statement FY2025"
    assert sources["dbt_weighted"] == "invoices to 2026-03-31"
    assert sources["references"] == "checklist answered by Asha Rao on 2026-03-02"


def test_late_payer_in_distress_lands_low_with_short_validity():
    weak = good_statement(
        ebit=D(-900_000),
        retained_earnings=D(-2_000_000),
        current_assets=D(1_000_000),
        current_liabilities=D(2_500_000),
        total_liabilities=D(7_000_000),
        book_equity=D(1_000_000),
    )
    client = CompanyInput(
        AS_OF,
        Profile(manufacturer=False),
        statements=[weak],
        invoices=punctual_invoices(late=75),
        checklist=full_checklist(legal_disputes=True),
    )

    result = assess(client)

    assert result.band is Band.E
    assert result.terms == "prepayment only" and result.credit_limit == 0
    assert result.valid_until - AS_OF <= timedelta(days=30)
    assert result.factors[0].name in {"altman", "dbt_weighted"}


def test_struck_off_company_is_band_e_whatever_else_is_known():
    client = CompanyInput(
        AS_OF,
        statements=[good_statement()],
        invoices=punctual_invoices(),
        checklist=full_checklist(registry_status=RegistryStatus.STRUCK_OFF),
    )

    result = assess(client)

    assert result.hard_stop and result.band is Band.E and result.terms == "prepayment only"


def test_broken_statement_is_named_among_what_was_set_aside():
    client = CompanyInput(
        AS_OF, statements=[good_statement(current_assets=D(9_000_000))], checklist=full_checklist()
    )

    result = assess(client)

    assert any("current assets are larger than total assets" in s for s in result.set_aside)
    assert "a complete statement (FY2025 is partial)" in result.missing
    assert result.altman.latest.partial


def test_invoices_in_another_currency_are_set_aside_not_added():
    other = [Invoice(date(2025, 9, 1), date(2025, 10, 1), D(5), "USD", date(2025, 10, 1))]
    client = CompanyInput(
        AS_OF, statements=[good_statement()], invoices=punctual_invoices() + other
    )

    result = assess(client)

    assert result.payments.currency == "INR"
    assert any("invoices in USD (1) set aside" in s for s in result.set_aside)


def test_worse_bands_expire_sooner():
    base = {"statements": [good_statement()], "checklist": full_checklist()}
    good = assess(CompanyInput(AS_OF, invoices=punctual_invoices(), **base))
    late = assess(CompanyInput(AS_OF, invoices=punctual_invoices(late=45), **base))

    assert late.band > good.band
    assert late.valid_until < good.valid_until


def test_a_trained_model_is_used_and_named():
    rng = np.random.default_rng(3)
    n = 6_000
    x = np.full((n, len(FEATURES)), np.nan)
    dbt = rng.gamma(2.0, 8.0, n)
    x[:, FEATURES.index("dbt_weighted")] = dbt
    x[:, FEATURES.index("has_payments")] = 1.0
    y = rng.random(n) < 1 / (1 + np.exp(-(-3.0 + 0.06 * (dbt - 16))))
    model = train_matrix(x, y, trained_on=date(2026, 1, 5))
    client = CompanyInput(AS_OF, invoices=punctual_invoices(late=50), checklist=full_checklist())

    result = assess(client, model=model)

    assert result.method.startswith("learned model trained on 6000 companies")
    assert "2026-01-05" in result.method
    assert result.factors[0].name == "dbt_weighted"
    assert result.factors[0].source == "invoices to 2026-03-31"
    assert result.low < result.probability < result.high


# --- the batch path agrees with the single path -------------------------------------------

money = st.integers(-(10**7), 10**8).map(D)
statements = st.builds(
    Statement,
    fiscal_year=st.integers(2018, 2025),
    currency=st.just("INR"),
    revenue=st.one_of(st.none(), money),
    ebit=money,
    total_assets=st.one_of(st.none(), money),
    current_assets=money,
    total_liabilities=money,
    current_liabilities=money,
    retained_earnings=money,
    book_equity=st.one_of(st.none(), money),
    market_equity=st.one_of(st.none(), money),
)
invoice_lists = st.lists(
    st.builds(
        lambda back, terms, late, amount: Invoice(
            AS_OF - timedelta(days=back),
            AS_OF - timedelta(days=back - terms),
            D(amount),
            "INR",
            None if late is None else AS_OF - timedelta(days=back - terms - late),
        ),
        st.integers(0, 500),
        st.integers(0, 60),
        st.one_of(st.none(), st.integers(-10, 200)),
        st.integers(1, 10**6),
    ),
    max_size=15,
)
checklists = st.one_of(
    st.none(),
    st.builds(
        Checklist,
        answered_by=st.just(ASHA),
        answered_on=st.just(AS_OF),
        years_in_business=st.one_of(st.none(), st.floats(0, 80)),
        registry_status=st.sampled_from(list(RegistryStatus)),
        legal_disputes=st.one_of(st.none(), st.booleans()),
        references=st.sampled_from(list(References)),
        ownership_known=st.one_of(st.none(), st.booleans()),
    ),
)
companies = st.builds(
    CompanyInput,
    as_of=st.just(AS_OF),
    profile=st.builds(
        Profile,
        listed=st.booleans(),
        manufacturer=st.one_of(st.none(), st.booleans()),
        emerging_market=st.booleans(),
    ),
    statements=st.lists(statements, max_size=1),
    invoices=invoice_lists,
    checklist=checklists,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(companies, min_size=1, max_size=8))
def test_batch_results_equal_one_by_one_results(batch_companies):
    singles = [assess(c) for c in batch_companies]
    latest = [s.altman.latest if s.altman else None for s in singles]
    used = [
        None if r is None else next(st_ for st_ in c.statements if st_.fiscal_year == r.fiscal_year)
        for c, r in zip(batch_companies, latest, strict=True)
    ]
    cols = {
        **statement_columns(used),
        **profile_columns([c.profile for c in batch_companies]),
        **payment_columns(
            [payment_behaviour(c.invoices, AS_OF) if c.invoices else None for c in batch_companies]
        ),
        **checklist_columns([c.checklist for c in batch_companies]),
    }

    many = assess_many(CompanyBatch.from_columns(cols), as_of=AS_OF, chunk=3)

    for k, single in enumerate(singles):
        assert many.probability[k] == pytest.approx(single.probability, rel=1e-12)
        assert (many.low[k], many.high[k]) == pytest.approx((single.low, single.high), rel=1e-12)
        assert tuple(Band)[many.band[k]] is single.band
        assert many.completeness[k] == pytest.approx(single.completeness)
        assert AS_OF + timedelta(days=int(many.valid_days[k])) == single.valid_until
        assert single.low <= single.probability <= single.high
        assert 0.0 <= single.completeness <= 1.0
        limit = many.credit_limit[k]
        assert (single.credit_limit is None) == (not np.isfinite(limit))
    assert {f.name for f in fields(BatchResult)} >= {"probability", "band", "credit_limit"}
