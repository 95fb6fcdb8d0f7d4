"""From the database to the scoring core: one company's stored inputs as a `CompanyInput`
(for `assess`, with the full explanation), and many companies' as a `CompanyBatch` (for
`assess_many`) read in four bulk queries per batch, never one per company."""

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection
from django.db.models import FloatField, Func, IntegerField, Q
from django.db.models.functions import Cast

from khata.clients.models import Company
from khata.reliability.models import ChecklistAnswer, FinancialStatement, Invoice
from khata.reliability.scoring.altman import FIELDS, Profile, Statement
from khata.reliability.scoring.assessment import CompanyBatch, CompanyInput
from khata.reliability.scoring.checklist import (
    REFERENCE_CODES,
    REGISTRY_CODES,
    Checklist,
    References,
    RegistryStatus,
)
from khata.reliability.scoring.payments import Invoice as ScoredInvoice
from khata.reliability.scoring.payments import payment_arrays

# Altman's Z″-EM is for emerging markets (Altman, Hartzell & Peck 1995); this is the MSCI
# Emerging Markets list of 2024 by ISO country code. A company of unknown country is not one.
EMERGING_MARKETS = frozenset({
    "AE", "BR", "CL", "CN", "CO", "CZ", "EG", "GR", "HU", "ID", "IN", "KR", "KW", "MX", "MY",
    "PE", "PH", "PL", "QA", "SA", "TH", "TR", "TW", "ZA",
})
EPOCH = date(1970, 1, 1)
_STATEMENT_FLOATS = {f"f_{name}": Cast(name, FloatField()) for name in FIELDS}


def is_manufacturer(industry_code: str | None) -> bool | None:
    """ISIC section C (divisions 10–33) is manufacturing; None when the industry is unknown."""
    if not industry_code:
        return None
    return industry_code == "C" or (industry_code.isdigit() and 10 <= int(industry_code) <= 33)


def profile_of(*, country: str, industry_code: str | None, listed: bool) -> Profile:
    """What the Altman variant is chosen from."""
    return Profile(listed=bool(listed), manufacturer=is_manufacturer(industry_code),
                   emerging_market=(country or "").upper() in EMERGING_MARKETS)


class EpochDays(Func):
    """A date as whole days since 1970-01-01 (reading a million dates as integers is several
    times faster than as `date` objects). Both databases have their own spelling."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           template="(%(expressions)s - DATE '1970-01-01')", **extra)


def statement_of(row: FinancialStatement) -> Statement:
    return Statement(fiscal_year=row.fiscal_year, currency=row.currency,
                     **{name: getattr(row, name) for name in FIELDS})


def checklist_of(row: ChecklistAnswer | None) -> Checklist | None:
    if row is None:
        return None
    who = str(row.answered_by) if row.answered_by else "?"
    return Checklist(
        answered_by=who, answered_on=row.answered_at.date(),
        years_in_business=None if row.years_in_business is None else float(row.years_in_business),
        registry_status=RegistryStatus(row.registry_status),
        legal_disputes=row.legal_disputes, references=References(row.references),
        ownership_known=row.ownership_known)


def company_input(company: Company, *, as_of: date) -> CompanyInput:
    """Everything stored about one company, as the scoring core takes it (three queries)."""
    statements = [statement_of(s) for s in
                  FinancialStatement.objects.filter(company=company, fiscal_year__lte=as_of.year)
                  .order_by("fiscal_year")]
    listed = bool(statements) and FinancialStatement.objects.filter(
        company=company, fiscal_year=statements[-1].fiscal_year, listed=True).exists()
    invoices = [ScoredInvoice(issued=i.issued_on, due=i.due_on, amount=i.amount,
                              currency=i.currency, paid=i.paid_on, reference=i.number)
                for i in Invoice.objects.filter(company=company).order_by("issued_on", "id")]
    checklist = (ChecklistAnswer.objects.filter(company=company).select_related("answered_by")
                 .order_by("-answered_at", "-id").first())
    industry_code = company.industry.code if company.industry_id else None
    return CompanyInput(as_of=as_of,
                        profile=profile_of(country=company.country,
                                           industry_code=industry_code, listed=listed),
                        statements=statements, invoices=invoices,
                        checklist=checklist_of(checklist))


def _among(ids: np.ndarray, field: str = "company_id") -> Q:
    """`field` among `ids` (sorted): a range when the ids are dense (an index range scan on
    PostgreSQL instead of a list of thousands), a list otherwise; rows in the range that are
    not among `ids` are dropped afterwards."""
    if len(ids) and int(ids[-1]) - int(ids[0]) < 2 * len(ids):
        return Q(**{f"{field}__gte": int(ids[0]), f"{field}__lte": int(ids[-1])})
    return Q(**{f"{field}__in": [int(i) for i in ids]})


def _fetch(queryset) -> list[tuple]:
    """The rows of a `values_list` queryset straight from the cursor: the ORM builds the SQL
    (portable), but skips its per-value converters, which took half the time of reading a
    batch's invoices (none are needed for these columns: ids, text, numbers, day numbers)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _positions(ids: np.ndarray, company_ids) -> tuple[np.ndarray, np.ndarray]:
    """Row → position of its company in `ids`, and which rows belong to `ids` at all."""
    company_ids = np.asarray(company_ids, dtype=np.int64)
    pos = np.searchsorted(ids, company_ids)
    pos = np.minimum(pos, len(ids) - 1)
    return pos, ids[pos] == company_ids


def _last_per_company(pos: np.ndarray) -> np.ndarray:
    """Indices of the last row of each company (rows ordered by company, then oldest first)."""
    if not len(pos):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[pos[1:] != pos[:-1], True])


@dataclass
class BatchInputs:
    """Companies (sorted ids) and their columns for `assess_many`; `currency` per company is
    the statement's or, without one, the invoices' (None: neither)."""

    ids: np.ndarray
    batch: CompanyBatch
    currency: np.ndarray
    fiscal_year: np.ndarray

    def subset(self, mask: np.ndarray) -> "BatchInputs":
        """The companies where `mask` is true."""
        return BatchInputs(ids=self.ids[mask], batch=CompanyBatch.from_columns(
            {name: values[mask] for name, values in self.batch.columns().items()}),
            currency=self.currency[mask], fiscal_year=self.fiscal_year[mask])


def batch_inputs(ids, *, as_of: date) -> BatchInputs:
    """Read the inputs of the live companies among `ids` in four queries."""
    ids = np.unique(np.asarray(list(ids), dtype=np.int64))
    companies = _fetch(Company.objects.filter(_among(ids, "id"))
                       .values_list("id", "country", "industry__code").order_by("id"))
    company_ids = np.array([row[0] for row in companies], dtype=np.int64)
    ids = ids[np.isin(ids, company_ids)] if len(ids) else ids
    keep = np.isin(company_ids, ids)
    companies = [row for row, ok in zip(companies, keep, strict=True) if ok]
    n = len(ids)
    as_of_days = (as_of - EPOCH).days
    cols: dict[str, np.ndarray] = {}

    # Statements: the latest year up to as_of, per company.
    rows = _fetch(FinancialStatement.objects.filter(_among(ids), fiscal_year__lte=as_of.year)
                  .annotate(**_STATEMENT_FLOATS).order_by("company_id", "fiscal_year")
                  .values_list("company_id", "fiscal_year", "currency", "listed",
                               *_STATEMENT_FLOATS))
    for name in FIELDS:
        cols[name] = np.full(n, np.nan)
    has_statement = np.zeros(n, dtype=bool)
    fiscal_year = np.full(n, np.nan)
    listed = np.zeros(n, dtype=bool)
    currency = np.full(n, None, dtype=object)
    if rows and n:
        pos, ok = _positions(ids, [r[0] for r in rows])
        rows = [r for r, good in zip(rows, ok, strict=True) if good]
        pos = pos[ok]
        last = _last_per_company(pos)
        at = pos[last]
        picked = [rows[i] for i in last]
        has_statement[at] = True
        fiscal_year[at] = [r[1] for r in picked]
        currency[at] = [r[2] for r in picked]
        listed[at] = [bool(r[3]) for r in picked]  # SQLite gives 0/1
        matrix = np.array([r[4:] for r in picked], dtype=float).reshape(len(picked), len(FIELDS))
        for k, name in enumerate(FIELDS):
            cols[name][at] = matrix[:, k]
    cols["has_statement"], cols["fiscal_year"] = has_statement, fiscal_year

    # Profile.
    cols["listed"] = listed
    manufacturer = [is_manufacturer(code) for _pk, _country, code in companies]
    cols["manufacturer"] = np.array([-1 if m is None else int(m) for m in manufacturer],
                                    dtype=np.int8)
    cols["emerging"] = np.array([(country or "").upper() in EMERGING_MARKETS
                                 for _pk, country, _code in companies], dtype=bool)

    # Invoices, in one currency per company (the statement's if invoiced in it, else the one
    # with the most usable invoices), as assess() chooses.
    rows = _fetch(Invoice.objects.filter(_among(ids)).annotate(
        d_issued=EpochDays("issued_on"),
        d_due=EpochDays("due_on"), d_paid=EpochDays("paid_on"),
        f_amount=Cast("amount", FloatField()),
    ).order_by().values_list("company_id", "currency", "d_issued", "d_due", "d_paid",
                             "f_amount"))
    if rows and n:
        pos, ok = _positions(ids, [r[0] for r in rows])
        data = np.array([r[2:] for r in rows], dtype=float).reshape(len(rows), 4)[ok]
        names = np.array([r[1] for r in rows], dtype=object)[ok]
        pos = pos[ok]
        codes, cur = np.unique(names.astype(str), return_inverse=True)
        k = len(codes)
        issued, due, paid, amount = data.T
        usable = (issued <= as_of_days) & (due >= issued) & (amount > 0)
        present = np.bincount(pos * k + cur, minlength=n * k).reshape(n, k) > 0
        counts = np.bincount(pos * k + cur, usable, minlength=n * k).reshape(n, k)
        rank = np.where(present, counts * (k + 1) + np.arange(k)[None, :], -1)
        chosen = np.where(present.any(axis=1), rank.argmax(axis=1), -1)
        lookup = {code: j for j, code in enumerate(codes)}
        for i in np.flatnonzero(has_statement):
            j = lookup.get(currency[i])
            if j is not None and present[i, j]:
                chosen[i] = j
        mine = cur == chosen[pos]
        pay = payment_arrays(pos[mine], n, issued[mine], due[mine], paid[mine], amount[mine],
                             as_of_days)
        fill = (currency == None) & (chosen >= 0)  # noqa: E711 (numpy object array)
        currency[fill] = codes[chosen[fill]]
    else:
        pay = payment_arrays(np.zeros(0), n, *(np.zeros(0),) * 4, as_of_days)
    cols.update(pay)

    # The latest checklist answers per company.
    rows = _fetch(ChecklistAnswer.objects.filter(_among(ids)).order_by(
        "company_id", "answered_at", "id").values_list(
        "company_id", "years_in_business", "registry_status", "legal_disputes", "references",
        "ownership_known"))
    years = np.full(n, np.nan)
    registry = np.full(n, REGISTRY_CODES.index(RegistryStatus.UNKNOWN), dtype=np.int8)
    disputes = np.full(n, -1, dtype=np.int8)
    references = np.full(n, REFERENCE_CODES.index(References.NOT_CHECKED), dtype=np.int8)
    ownership = np.full(n, -1, dtype=np.int8)
    if rows and n:
        pos, ok = _positions(ids, [r[0] for r in rows])
        rows = [r for r, good in zip(rows, ok, strict=True) if good]
        pos = pos[ok]
        for i in _last_per_company(pos):
            at, (_c, y, reg, dis, ref, own) = pos[i], rows[i]
            years[at] = np.nan if y is None else float(y)
            registry[at] = REGISTRY_CODES.index(RegistryStatus(reg))
            disputes[at] = -1 if dis is None else int(dis)
            references[at] = REFERENCE_CODES.index(References(ref))
            ownership[at] = -1 if own is None else int(own)
    cols.update(years=years, registry=registry, disputes=disputes, references=references,
                ownership=ownership)
    return BatchInputs(ids=ids, batch=CompanyBatch.from_columns(cols), currency=currency,
                       fiscal_year=fiscal_year)


__all__ = ["BatchInputs", "batch_inputs", "company_input", "profile_of"]
