"""Importing financial statements and invoices (CSV/XLSX) through the import engine.

A row names its company by id or by its exact name (any case) among the companies the
importing person may change; a name that fits several is refused with that reason. A row
repeating a statement's company and year, or an invoice's company and number, is a duplicate:
skipped or updated as the person chooses, so importing a file twice creates nothing twice.
Rows are written in bulk per chunk, recorded in the change log, and the companies touched are
assessed again in one batch after the chunk is committed.
"""

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.clients.models import Company
from khata.core.changelog import json_value, record_changes
from khata.core.choices import ChangeAction
from khata.core.importing import Importer, Row, register
from khata.reliability.models import FinancialStatement, Invoice
from khata.reliability.services import (
    INVOICE_FIELDS,
    STATEMENT_FIELDS,
    invoice_update,
    invoice_validate,
    statement_update,
    statement_validate,
)
from khata.team.access import ensure_active, visible_to

COMPANY_SYNONYMS = ("company", "company name", "company id", "account", "account name",
                    "customer", "customer name", "client", "organisation", "organization")


def _resolve_companies(rows: list[Row], user) -> None:
    """Set `row.cleaned["company"]` from the company named in each row, in two queries."""
    scope = visible_to(user, Company.objects.all(), "change")
    refs = {row.cleaned.get("company_ref", "") for row in rows}
    ids = {int(ref) for ref in refs if ref.isdigit()}
    names = {ref.casefold() for ref in refs if ref and not ref.isdigit()}
    by_id = {pk: pk for pk in scope.filter(pk__in=ids).values_list("pk", flat=True)}
    by_name: dict[str, list[int]] = {}
    for pk, name in (scope.annotate(low=Lower("display_name")).filter(low__in=names)
                     .values_list("pk", "low")):
        by_name.setdefault(name.casefold(), []).append(pk)
    for row in rows:
        ref = row.cleaned.get("company_ref", "")
        found = [by_id[int(ref)]] if ref.isdigit() and int(ref) in by_id else \
            by_name.get(ref.casefold(), [])
        if len(found) == 1:
            row.cleaned["company_id"] = found[0]
        elif len(found) > 1:
            row.errors["company"] = [_("Several companies are named “%(name)s”; use the "
                                       "company's id.") % {"name": ref}]
        else:
            row.errors["company"] = [_("No company “%(name)s” among those you may change.")
                                     % {"name": ref}]


def _log(job, records, fields: list[str], company_ids: set[int]) -> None:
    """One "created" entry per record (in batches), then the companies assessed again."""
    record_changes(actor=job.created_by, message=_("imported from %(file)s") % {
        "file": job.filename[:200]}, entries=(
        (record, ChangeAction.CREATE, {name: [None, json_value(getattr(record, name))]
                                       for name in fields})
        for record in records))
    if company_ids:
        from khata.reliability.scoring_services import score_companies

        ids = sorted(company_ids)
        transaction.on_commit(lambda: score_companies(companies=ids), robust=True)


def _company_ref(row: Row) -> str:
    ref = str(row.values.get("company", "") or "").strip()
    return ref[:-2] if ref.endswith(".0") and ref[:-2].isdigit() else ref  # XLSX numbers


class StatementImporter(Importer):
    kind = "statements"
    label = gettext_lazy("Financial statements")
    fields = {
        "company": gettext_lazy("Company (id or exact name)"),
        "fiscal_year": gettext_lazy("Fiscal year"), "currency": gettext_lazy("Currency"),
        "revenue": gettext_lazy("Revenue"), "ebit": gettext_lazy("EBIT"),
        "net_income": gettext_lazy("Net income"), "total_assets": gettext_lazy("Total assets"),
        "current_assets": gettext_lazy("Current assets"),
        "total_liabilities": gettext_lazy("Total liabilities"),
        "current_liabilities": gettext_lazy("Current liabilities"),
        "retained_earnings": gettext_lazy("Retained earnings"),
        "book_equity": gettext_lazy("Book equity"),
        "listed": gettext_lazy("Listed"), "market_equity": gettext_lazy("Market value of equity"),
    }
    required = ("company", "fiscal_year", "currency")
    tables = ("reliability_financialstatement", "core_change")
    synonyms = {
        "company": COMPANY_SYNONYMS,
        "fiscal_year": ("year", "fy", "financial year", "fiscal year"),
        "revenue": ("sales", "turnover", "net sales", "total revenue"),
        "ebit": ("operating profit", "operating income", "earnings before interest and taxes"),
        "net_income": ("net profit", "profit after tax", "pat"),
        "total_assets": ("assets",),
        "total_liabilities": ("liabilities", "total debt"),
        "book_equity": ("equity", "net worth", "shareholders equity", "shareholders' equity"),
        "market_equity": ("market value of equity", "market capitalisation", "market cap"),
    }

    def check_rights(self, *, job) -> None:
        ensure_active(job.created_by)

    def clean(self, row: Row, *, job) -> None:
        values = {name: value for name, value in row.values.items()
                  if value != "" and name != "company"}
        values["source"] = "imported"
        row.cleaned, row.errors = statement_validate(data=values)
        row.cleaned["company_ref"] = _company_ref(row)
        if not row.cleaned["company_ref"]:
            row.errors["company"] = [_("Name the company (its id or exact name).")]
        row.update_values = {name: row.cleaned[name] for name in row.cleaned
                             if name in STATEMENT_FIELDS and name != "fiscal_year"}

    def keys(self, row: Row, *, job) -> list[tuple]:
        return [(_("company and year"), row.cleaned.get("company_id"),
                 row.cleaned.get("fiscal_year"))]

    def find_duplicates(self, rows: list[Row], *, job) -> None:
        _resolve_companies(rows, job.created_by)
        pairs = {(row.cleaned["company_id"], row.cleaned["fiscal_year"])
                 for row in rows if not row.errors}
        existing = {(c, y): pk for pk, c, y in FinancialStatement.objects.filter(
            company_id__in={c for c, _y in pairs}).values_list("pk", "company_id",
                                                               "fiscal_year")}
        for row in rows:
            key = (row.cleaned.get("company_id"), row.cleaned.get("fiscal_year"))
            if not row.errors and key in existing:
                row.duplicate_of = existing[key]
                row.duplicate_reason = _("a statement for this company and year exists")

    def write(self, rows: list[Row], *, job, prepared=None) -> None:
        touched = set()
        for row in rows:
            if row.action == "update":
                statement = FinancialStatement.objects.get(pk=row.duplicate_of)
                statement_update(by=job.created_by, statement=statement,
                                 data=row.update_values)
        creates = [FinancialStatement(
            entered_by=job.created_by,
            **{name: value for name, value in row.cleaned.items() if name != "company_ref"})
            for row in rows if row.action == "create"]
        FinancialStatement.objects.bulk_create(creates)
        touched |= {s.company_id for s in creates}
        _log(job, creates, STATEMENT_FIELDS, touched)


class InvoiceImporter(Importer):
    kind = "invoices"
    label = gettext_lazy("Invoices and payments")
    fields = {
        "company": gettext_lazy("Company (id or exact name)"),
        "number": gettext_lazy("Invoice number"), "currency": gettext_lazy("Currency"),
        "amount": gettext_lazy("Amount"), "issued_on": gettext_lazy("Issued"),
        "due_on": gettext_lazy("Due"), "paid_on": gettext_lazy("Paid"),
        "paid_amount": gettext_lazy("Amount paid"),
    }
    required = ("company", "number", "currency", "amount", "issued_on", "due_on")
    tables = ("reliability_invoice", "core_change")
    synonyms = {
        "company": COMPANY_SYNONYMS,
        "number": ("invoice", "invoice no", "invoice number", "bill no", "document number"),
        "amount": ("total", "invoice amount", "amount due", "gross amount"),
        "issued_on": ("date", "invoice date", "issue date", "issued"),
        "due_on": ("due date", "payment due"),
        "paid_on": ("payment date", "paid date", "date paid"),
        "paid_amount": ("amount paid", "paid amount", "payment amount"),
    }

    def check_rights(self, *, job) -> None:
        ensure_active(job.created_by)

    def clean(self, row: Row, *, job) -> None:
        values = {name: value for name, value in row.values.items()
                  if value != "" and name != "company"}
        row.cleaned, row.errors = invoice_validate(data=values)
        row.cleaned["company_ref"] = _company_ref(row)
        if not row.cleaned["company_ref"]:
            row.errors["company"] = [_("Name the company (its id or exact name).")]
        row.update_values = {name: row.cleaned[name] for name in row.cleaned
                             if name in INVOICE_FIELDS and name != "number"}

    def keys(self, row: Row, *, job) -> list[tuple]:
        return [(_("company and invoice number"), row.cleaned.get("company_id"),
                 row.cleaned.get("number"))]

    def find_duplicates(self, rows: list[Row], *, job) -> None:
        _resolve_companies(rows, job.created_by)
        companies = {row.cleaned["company_id"] for row in rows if not row.errors}
        numbers = {row.cleaned["number"] for row in rows if not row.errors}
        existing = {(c, n): pk for pk, c, n in Invoice.objects.filter(
            company_id__in=companies, number__in=numbers).values_list("pk", "company_id",
                                                                      "number")}
        for row in rows:
            key = (row.cleaned.get("company_id"), row.cleaned.get("number"))
            if not row.errors and key in existing:
                row.duplicate_of = existing[key]
                row.duplicate_reason = _("this company already has this invoice number")

    def write(self, rows: list[Row], *, job, prepared=None) -> None:
        for row in rows:
            if row.action == "update":
                invoice = Invoice.objects.get(pk=row.duplicate_of)
                invoice_update(by=job.created_by, invoice=invoice, data=row.update_values)
        creates = [Invoice(
            entered_by=job.created_by,
            **{name: value for name, value in row.cleaned.items() if name != "company_ref"})
            for row in rows if row.action == "create"]
        Invoice.objects.bulk_create(creates)
        _log(job, creates, INVOICE_FIELDS, {i.company_id for i in creates})


register(StatementImporter())
register(InvoiceImporter())
