"""Writes of the reliability forecast: its inputs (statements, invoices, the checklist), the
head's band overrides, and the assessment of one company. Every input service checks rights,
validates every field, writes atomically, records the change, and after the commit has the
company assessed again from what is now stored (DESIGN §4). Batch scoring and the learned model
are in `scoring_services.py`."""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from khata.clients.models import Company
from khata.clients.validation import choice_cleaner, clean_fields, text_cleaner
from khata.core.changelog import record_change, save_changes, snapshot
from khata.core.choices import ChangeAction
from khata.core.validation import LARGEST_AMOUNT, parse_amount, parse_currency
from khata.reliability.choices import Band, Method, References, RegistryStatus, StatementSource
from khata.reliability.inputs import company_input
from khata.reliability.models import (
    Assessment,
    BandOverride,
    ChecklistAnswer,
    FinancialStatement,
    Invoice,
    LearnedModel,
)
from khata.reliability.scoring.assessment import TERMS
from khata.reliability.scoring.assessment import Assessment as Scored
from khata.reliability.scoring.assessment import assess as score_one
from khata.reliability.selectors import factor_rows, learned_model_current
from khata.team.access import ensure, is_head
from khata.team.models import User

# Figures that cannot be below zero in any balance sheet; the others (EBIT, net income,
# retained earnings, book equity) may be, and are kept as given.
NON_NEGATIVE = ("revenue", "total_assets", "current_assets", "total_liabilities",
                "current_liabilities", "market_equity")
SIGNED = ("ebit", "net_income", "retained_earnings", "book_equity")
STATEMENT_FIELDS = ["fiscal_year", "currency", *NON_NEGATIVE, *SIGNED, "listed", "source"]
INVOICE_FIELDS = ["number", "currency", "amount", "issued_on", "due_on", "paid_on",
                  "paid_amount"]
CHECKLIST_FIELDS = ["years_in_business", "registry_status", "legal_disputes", "references",
                    "ownership_known"]
TERMS_DAYS = (60, 45, 30, 15, None)  # by index of scoring.assessment.TERMS
MAX_OVERRIDE_DAYS = 366


# --- cleaning ------------------------------------------------------------------------------


def _required(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _non_negative(label: str):
    def clean(value, _data):
        if _required(value):
            return None
        return parse_amount(value, negative=_("%(field)s cannot be negative.") % {"field": label})
    return clean


def _signed(value, _data):
    if _required(value):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter an amount such as 1250.00 or -300.00.")) from exc
    if not amount.is_finite() or abs(amount) >= LARGEST_AMOUNT:
        raise ValidationError(_("Enter an amount under 1,000,000,000,000."))
    if amount.as_tuple().exponent < -2:
        raise ValidationError(_("Use at most two decimal places."))
    return amount


def _fiscal_year(value, _data):
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Enter the fiscal year as four digits, e.g. 2025.")) from exc
    latest = timezone.localdate().year + 1
    if not 1900 <= year <= latest:
        raise ValidationError(_("Enter a fiscal year between 1900 and %(latest)s.")
                              % {"latest": latest})
    return year


def _currency(value, _data):
    return parse_currency(value)


def _boolean(value, _data):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "ja", "हाँ"}:
        return True
    if text in {"0", "false", "no", "n", "nein", "नहीं"}:
        return False
    raise ValidationError(_("Answer yes or no."))


def _flag(value, data):
    return bool(_boolean(value, data))


def _day(value, _data):
    if _required(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    day = parse_date(str(value).strip()[:10])
    if day is None:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."))
    return day


def _positive_amount(value, _data):
    if _required(value):
        raise ValidationError(_("This field is required."))
    amount = parse_amount(value, negative=_("An invoice amount cannot be negative."))
    if amount == 0:
        raise ValidationError(_("An invoice amount must be more than zero."))
    return amount


def _years(value, _data):
    if _required(value):
        return None
    try:
        years = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter a number of years, e.g. 12 or 2.5.")) from exc
    if not years.is_finite() or years < 0 or years > 1000:
        raise ValidationError(_("Enter a number of years between 0 and 1000."))
    return years.quantize(Decimal("0.1"))


STATEMENT_CLEANERS = {
    "fiscal_year": _fiscal_year, "currency": _currency,
    "revenue": _non_negative(_("Revenue")), "total_assets": _non_negative(_("Total assets")),
    "current_assets": _non_negative(_("Current assets")),
    "total_liabilities": _non_negative(_("Total liabilities")),
    "current_liabilities": _non_negative(_("Current liabilities")),
    "market_equity": _non_negative(_("Market value of equity")),
    "ebit": _signed, "net_income": _signed, "retained_earnings": _signed,
    "book_equity": _signed, "listed": _flag,
    "source": choice_cleaner(StatementSource),
}
INVOICE_CLEANERS = {
    "number": text_cleaner(50, required=True), "currency": _currency,
    "amount": _positive_amount, "issued_on": _day, "due_on": _day, "paid_on": _day,
    "paid_amount": _non_negative(_("The amount paid")),
}
CHECKLIST_CLEANERS = {
    "years_in_business": _years,
    "registry_status": choice_cleaner(RegistryStatus),
    "legal_disputes": _boolean,
    "references": choice_cleaner(References),
    "ownership_known": _boolean,
}


def _lock(company: Company) -> None:
    """Within the caller's transaction: one writer of this company's inputs or assessment at a
    time (PostgreSQL row lock; SQLite's writers queue anyway), so a double-submitted form
    meets the duplicate check, not the unique constraint."""
    Company.all_objects.select_for_update().filter(pk=company.pk).first()


def _refresh_after_commit(company: Company) -> None:
    """Assess the company again once the change is committed (its inputs changed)."""
    company_id = company.pk
    transaction.on_commit(lambda: assessment_refresh(company=Company.objects.get(pk=company_id)),
                          robust=True)


# --- financial statements ------------------------------------------------------------------


def statement_validate(*, data: dict, new: bool = True) -> tuple[dict, dict]:
    """Clean a statement's fields (no database): (values, errors)."""
    cleaned, errors = clean_fields(data, STATEMENT_CLEANERS)
    if new:
        for name in ("fiscal_year", "currency"):
            if name not in data and name not in errors:
                errors[name] = [_("This field is required.")]
    return cleaned, errors


def _statement_clean(*, data: dict, statement: FinancialStatement | None,
                     company: Company) -> dict:
    cleaned, errors = statement_validate(data=data, new=statement is None)
    year = cleaned.get("fiscal_year", statement.fiscal_year if statement else None)
    if year is not None and "fiscal_year" not in errors:
        clash = FinancialStatement.objects.filter(company=company, fiscal_year=year)
        if statement is not None:
            clash = clash.exclude(pk=statement.pk)
        if clash.exists():
            errors["fiscal_year"] = [_("This company already has a statement for FY%(year)s; "
                                       "change that one instead.") % {"year": year}]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def statement_create(*, by: User, company: Company, data: dict) -> FinancialStatement:
    """Add one fiscal year's figures to a company (its assessment is then recomputed)."""
    ensure(by, "change", company)
    _lock(company)
    cleaned = _statement_clean(data=data, statement=None, company=company)
    statement = FinancialStatement.objects.create(company=company, entered_by=by, **cleaned)
    record_change(actor=by, obj=statement, fields=[n for n in STATEMENT_FIELDS if n in cleaned])
    _refresh_after_commit(company)
    return statement


@transaction.atomic
def statement_update(*, by: User, statement: FinancialStatement,
                     data: dict) -> FinancialStatement:
    """Correct figures of a statement (the fields given; others stay as they are)."""
    ensure(by, "change", statement)
    _lock(statement.company)
    cleaned = _statement_clean(data=data, statement=statement, company=statement.company)
    before = snapshot(statement, list(cleaned))
    for name, value in cleaned.items():
        setattr(statement, name, value)
    statement.entered_by = by
    statement.save()
    record_change(actor=by, obj=statement, before=before)
    _refresh_after_commit(statement.company)
    return statement


@transaction.atomic
def statement_delete(*, by: User, statement: FinancialStatement) -> None:
    """Remove a statement entered by mistake (its values stay in the change log)."""
    ensure(by, "delete", statement)
    before = snapshot(statement, STATEMENT_FIELDS)
    company = statement.company
    record_change(actor=by, obj=statement, before=before, action=ChangeAction.DELETE)
    statement.delete()
    _refresh_after_commit(company)


# --- invoices ------------------------------------------------------------------------------


def invoice_validate(*, data: dict, invoice: Invoice | None = None) -> tuple[dict, dict]:
    """Clean an invoice's fields and check they fit together (no database): (values, errors).
    Imports use it row by row; the services add the check that the number is new."""
    cleaned, errors = clean_fields(data, INVOICE_CLEANERS)
    if invoice is None:
        for name in ("number", "currency", "amount", "issued_on", "due_on"):
            if name not in data and name not in errors:
                errors[name] = [_("This field is required.")]
    for name in ("issued_on", "due_on"):
        if name in cleaned and cleaned[name] is None:
            errors[name] = [_("This field is required.")]

    def value(name):
        return cleaned.get(name, getattr(invoice, name, None))

    issued, due, paid = value("issued_on"), value("due_on"), value("paid_on")
    if issued and due and due < issued and "due_on" not in errors:
        errors["due_on"] = [_("The due date cannot be before the invoice was issued.")]
    if issued and paid and paid < issued and "paid_on" not in errors:
        errors["paid_on"] = [_("The payment date cannot be before the invoice was issued.")]
    if paid and paid > timezone.localdate() + timedelta(days=1) and "paid_on" not in errors:
        errors["paid_on"] = [_("The payment date cannot be in the future.")]
    if value("paid_amount") is not None and paid is None and "paid_on" not in errors:
        errors["paid_on"] = [_("Give the date the invoice was paid.")]
    if not errors and paid is not None and value("paid_amount") is None:
        cleaned["paid_amount"] = value("amount")
    return cleaned, errors


def _invoice_clean(*, data: dict, invoice: Invoice | None, company: Company) -> dict:
    cleaned, errors = invoice_validate(data=data, invoice=invoice)
    number = cleaned.get("number")
    if number and "number" not in errors:
        clash = Invoice.objects.filter(company=company, number=number)
        if invoice is not None:
            clash = clash.exclude(pk=invoice.pk)
        if clash.exists():
            errors["number"] = [_("This company already has invoice %(number)s.")
                                % {"number": number}]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def invoice_create(*, by: User, company: Company, data: dict) -> Invoice:
    """Record an invoice sent to the company (and its payment, if paid)."""
    ensure(by, "change", company)
    _lock(company)
    cleaned = _invoice_clean(data=data, invoice=None, company=company)
    invoice = Invoice.objects.create(company=company, entered_by=by, **cleaned)
    record_change(actor=by, obj=invoice, fields=[n for n in INVOICE_FIELDS if n in cleaned])
    _refresh_after_commit(company)
    return invoice


@transaction.atomic
def invoice_update(*, by: User, invoice: Invoice, data: dict) -> Invoice:
    """Correct an invoice (the fields given; others stay as they are)."""
    ensure(by, "change", invoice)
    _lock(invoice.company)
    cleaned = _invoice_clean(data=data, invoice=invoice, company=invoice.company)
    save_changes(actor=by, obj=invoice, values=cleaned)
    _refresh_after_commit(invoice.company)
    return invoice


def invoice_mark_paid(*, by: User, invoice: Invoice, paid_on: date | str | None = None,
                      paid_amount=None) -> Invoice:
    """Record that the invoice was paid (today unless a day is given; in full unless said)."""
    data = {"paid_on": paid_on or timezone.localdate()}
    if paid_amount not in (None, ""):
        data["paid_amount"] = paid_amount
    return invoice_update(by=by, invoice=invoice, data=data)


# --- the checklist -------------------------------------------------------------------------


@transaction.atomic
def checklist_answer(*, by: User, company: Company, data: dict) -> ChecklistAnswer:
    """Record the manager's checklist answers for a company, as of now (earlier answers stay
    as its history; questions not given keep their last answer)."""
    ensure(by, "change", company)
    cleaned, errors = clean_fields(data, CHECKLIST_CLEANERS)
    if errors:
        raise ValidationError(errors)
    previous = (ChecklistAnswer.objects.filter(company=company)
                .order_by("-answered_at", "-id").first())
    values = {name: getattr(previous, name) for name in CHECKLIST_FIELDS} if previous else {}
    values.update({name: value for name, value in cleaned.items() if value != ""})
    answer = ChecklistAnswer.objects.create(company=company, answered_by=by,
                                            answered_at=timezone.now(), **values)
    if previous is not None:
        before = snapshot(previous, CHECKLIST_FIELDS)
        record_change(actor=by, obj=answer, before=before, action=ChangeAction.UPDATE)
    else:
        record_change(actor=by, obj=answer, fields=[n for n in CHECKLIST_FIELDS if n in values])
    _refresh_after_commit(company)
    return answer


# --- assessments ---------------------------------------------------------------------------


def assessment_values(scored: Scored, *, model_row: LearnedModel | None) -> dict:
    """The fields of an Assessment row from the scoring core's answer."""
    terms_index = TERMS.index(scored.terms)
    variant = scored.altman.latest.variant.value if scored.altman and scored.altman.latest else ""
    z = scored.altman.latest.score if scored.altman and scored.altman.latest else None
    return {
        "as_of": scored.as_of, "probability": scored.probability, "low": scored.low,
        "high": scored.high, "band": scored.band.value,
        "band_low": scored.band_range[0].value, "band_high": scored.band_range[1].value,
        "thin_data": scored.thin_data, "hard_stop": scored.hard_stop,
        "credit_limit": scored.credit_limit, "currency": scored.currency or "",
        "terms_days": TERMS_DAYS[terms_index], "terms": scored.terms,
        "factors": factor_rows(scored), "summary": scored.summary[:300],
        "missing": list(scored.missing), "set_aside": list(scored.set_aside),
        "completeness": scored.completeness, "valid_until": scored.valid_until,
        "method": Method.LEARNED if model_row is not None else Method.RULES,
        "variant": variant, "z_score": z, "model": model_row,
        "model_training_size": model_row.training_size if model_row else None,
        "model_trained_at": model_row.trained_at if model_row else None,
    }


@transaction.atomic
def assessment_refresh(*, company: Company, as_of: date | None = None) -> Assessment:
    """Assess the company again from its stored inputs and make that its current assessment
    (the earlier ones stay as its history). Called after every change of its inputs."""
    as_of = as_of or timezone.localdate()
    # One assessment of a company at a time (a batch run locks its companies the same way):
    # two at once each kept the other's row current and the second broke the one-current rule.
    _lock(company)
    model_row, model = learned_model_current()
    data = company_input(company, as_of=as_of)
    if not any(i.issued <= as_of for i in data.invoices):
        # The model learned from invoiced companies only (scoring_services.assess_inputs).
        model_row, model = None, None
    scored = score_one(data, model=model)
    previous = (Assessment.objects.filter(company=company, is_current=True)
                .values_list("band", flat=True).first())
    Assessment.objects.filter(company=company, is_current=True).update(is_current=False)
    return Assessment.objects.create(company=company, computed_at=timezone.now(),
                                     is_current=True, previous_band=previous or "",
                                     **assessment_values(scored, model_row=model_row))


# --- the head's override -------------------------------------------------------------------


def _expiry(value) -> datetime | None:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, datetime.max.time()))
    if _required(value):
        return None
    text = str(value).strip()
    parsed = parse_datetime(text)
    if parsed is not None:
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    day = parse_date(text[:10])
    return None if day is None else _expiry(day)


@transaction.atomic
def band_override(*, by: User, company: Company, band: str, reason: str,
                  expires_at) -> BandOverride:
    """Hold the company in `band` whatever is computed, until `expires_at` (head only; the
    reason is kept). A newer override replaces the one in force."""
    ensure(by, "view", company)
    if not is_head(by):
        raise PermissionDenied(_("Only the head of the company may override a band."))
    errors: dict[str, list[str]] = {}
    if band not in Band.values:
        errors["band"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Band.values)}]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the band is overridden.")]
    elif len(reason) > 500:
        errors["reason"] = [_("Keep it under %(limit)s characters.") % {"limit": 500}]
    now = timezone.now()
    try:
        expiry = _expiry(expires_at)
    except (ValueError, OverflowError):
        expiry = None
    if expiry is None:
        errors["expires_at"] = [_("Give the date the override ends, as YYYY-MM-DD.")]
    elif expiry <= now:
        errors["expires_at"] = [_("The override must end in the future.")]
    elif expiry > now + timedelta(days=MAX_OVERRIDE_DAYS):
        errors["expires_at"] = [_("An override may last at most a year; set it again then.")]
    if errors:
        raise ValidationError(errors)
    # One override in force per company (the list by band joins it): two heads overriding
    # at once queue here, and the second replaces the first.
    _lock(company)
    for current in BandOverride.objects.filter(company=company, revoked_at__isnull=True,
                                               expires_at__gt=now):
        _revoke(by=by, override=current, now=now)
    override = BandOverride.objects.create(company=company, band=band, reason=reason, by=by,
                                           starts_at=now, expires_at=expiry)
    record_change(actor=by, obj=override, fields=["band", "reason", "expires_at"])
    return override


def _revoke(*, by: User, override: BandOverride, now: datetime) -> None:
    before = snapshot(override, ["revoked_at", "revoked_by"])
    override.revoked_at, override.revoked_by = now, by
    override.save(update_fields=["revoked_at", "revoked_by"])
    record_change(actor=by, obj=override, before=before)


@transaction.atomic
def band_override_revoke(*, by: User, override: BandOverride) -> BandOverride:
    """End an override now (head only): the computed band applies again."""
    ensure(by, "view", override)
    if not is_head(by):
        raise PermissionDenied(_("Only the head of the company may revoke an override."))
    if override.revoked_at is None:
        _revoke(by=by, override=override, now=timezone.now())
    return override


# --- company merges ------------------------------------------------------------------------


def reliability_settle_merge(*, by: User, survivor: Company, other: Company) -> None:
    """Before a company merge moves `other`'s records to `survivor` (inside its transaction):
    refuse, naming the clash, when both hold a statement for the same fiscal year or an
    invoice with the same number (which to keep is the user's call, and nothing is thrown
    away); `other`'s assessments become history and its override in force ends when the
    survivor has one; the survivor is assessed again once the merge is committed."""
    years = sorted(set(FinancialStatement.objects.filter(company=survivor)
                       .values_list("fiscal_year", flat=True))
                   & set(FinancialStatement.objects.filter(company=other)
                         .values_list("fiscal_year", flat=True)))
    numbers = sorted(set(Invoice.objects.filter(company=survivor).values_list("number",
                                                                              flat=True))
                     & set(Invoice.objects.filter(company=other).values_list("number",
                                                                             flat=True)))
    errors = []
    if years:
        errors.append(_("Both companies have financial statements for %(years)s: remove or "
                        "correct one of each first.") % {
                            "years": ", ".join(f"FY{year}" for year in years)})
    if numbers:
        errors.append(_("Both companies have invoices numbered %(numbers)s: remove or "
                        "correct one of each first.") % {"numbers": ", ".join(numbers[:10])})
    if errors:
        raise ValidationError({"other": errors})
    Company.all_objects.select_for_update().filter(pk__in=[survivor.pk, other.pk]).order_by(
        "pk").first()
    Assessment.objects.filter(company=other, is_current=True).update(is_current=False)
    now = timezone.now()
    in_force = BandOverride.objects.filter(revoked_at__isnull=True, starts_at__lte=now,
                                           expires_at__gt=now)
    if in_force.filter(company=survivor).exists():
        for override in in_force.filter(company=other):
            _revoke(by=by, override=override, now=now)
    _refresh_after_commit(survivor)


def reliability_settle_unmerge(*, by: User, survivor: Company, other: Company,
                               settled: None) -> None:
    """When a merge is undone: its statements and invoices went home, so both companies are
    assessed again once the undo is committed (the merged one had none current). An override
    the merge revoked stays revoked: the head sets it again if it still holds."""
    _refresh_after_commit(survivor)
    _refresh_after_commit(other)

