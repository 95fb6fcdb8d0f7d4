"""Pages of the reliability forecast: the card on a company's page, the inputs per company
(statements, invoices, checklist), the head's override and the list of companies by band."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.core.forms import apply_errors, error_sentence, form_error_sentence
from khata.core.ids import record_id
from khata.core.lists import keyset_page
from khata.reliability.choices import Band
from khata.reliability.forms import (
    ChecklistForm,
    InvoiceForm,
    OverrideForm,
    PaidForm,
    StatementForm,
)
from khata.reliability.models import BandOverride, FinancialStatement, Invoice
from khata.reliability.selectors import (
    EXPIRING_DAYS,
    BandFilters,
    checklist_history,
    invoices_of,
    overrides_of,
    statements_of,
)
from khata.reliability.selectors_ui import (
    band_list_page,
    reliability_card,
)
from khata.reliability.services import (
    band_override,
    band_override_revoke,
    checklist_answer,
    invoice_create,
    invoice_mark_paid,
    invoice_update,
    statement_create,
    statement_delete,
    statement_update,
)
from khata.reliability.services_ui import assessment_reassess
from khata.team.access import can, get_visible_or_404, is_head
from khata.team.selectors import managers_active

PAGE_SIZE = 50
INVOICE_PAGE_SIZE = 50


def _company(request, pk) -> Company:
    return get_visible_or_404(request.user, Company.objects.select_related("owner"), pk)


# ---------------------------------------------------------------- the card


def _save(request, form, *, editable: bool, save) -> tuple[bool, object]:
    """A POST of `form`: refused when the user may not change the record, else `save()` (one
    service call) once the form is valid; the service's errors land on the fields they name.
    Returns whether it saved, and what `save` returned."""
    if request.method != "POST":
        return False, None
    if not editable:
        raise PermissionDenied(_("You may not do this."))
    if not form.is_valid():
        return False, None
    try:
        return True, save()
    except ValidationError as exc:
        apply_errors(form, exc)
        return False, None


def _card(request, company: Company, *, status: int = 200):
    return render(request, "reliability/partials/card.html", {
        "company": company, "card": reliability_card(user=request.user, company=company),
        "editable": can(request.user, "change", company), "head": is_head(request.user),
        "bands": Band.choices,
    }, status=status)


@require_GET
def company_card_view(request, pk: int):
    """The company page's reliability card (loaded by htmx)."""
    return _card(request, _company(request, pk))


@require_POST
def reassess_view(request, pk: int):
    """Assess the company again now from what is stored."""
    company = _company(request, pk)
    assessment_reassess(by=request.user, company=company)
    if request.htmx:
        return _card(request, company)
    messages.success(request, _("Assessed again."))
    return redirect("clients:company", pk=company.pk)


# ---------------------------------------------------------------- statements


def statements_view(request, pk: int):
    """A company's financial statements, latest year first, and a form to add a year."""
    company = _company(request, pk)
    editable = can(request.user, "change", company)
    form = StatementForm(request.POST or None)
    saved, statement = _save(request, form, editable=editable, save=lambda: statement_create(
        by=request.user, company=company, data=form.service_data()))
    if saved:
        messages.success(request, _("FY%(year)s saved; the assessment is updated.")
                         % {"year": statement.fiscal_year})
        return redirect("reliability:statements", pk=company.pk)
    return render(request, "reliability/statements.html", {
        "company": company, "editable": editable, "form": form,
        "statements": list(statements_of(user=request.user, company=company)
                           .select_related("entered_by")),
    }, status=422 if form.errors else 200)


def statement_edit_view(request, pk: int):
    """Correct one fiscal year's figures."""
    statement = get_visible_or_404(
        request.user, FinancialStatement.objects.select_related("company", "company__owner"), pk)
    company = statement.company
    editable = can(request.user, "change", statement)
    initial = {name: getattr(statement, name) for name in StatementForm.FIELDS}
    initial = {name: ("" if value is None else value) for name, value in initial.items()}
    form = StatementForm(request.POST or None, initial=initial)
    saved, _statement = _save(request, form, editable=editable, save=lambda: statement_update(
        by=request.user, statement=statement, data=form.service_data()))
    if saved:
        messages.success(request, _("FY%(year)s saved; the assessment is updated.")
                         % {"year": statement.fiscal_year})
        return redirect("reliability:statements", pk=company.pk)
    return render(request, "reliability/statement_form.html", {
        "company": company, "statement": statement, "editable": editable, "form": form,
    }, status=422 if form.errors else 200)


@require_POST
def statement_delete_view(request, pk: int):
    """Remove a statement entered by mistake."""
    statement = get_visible_or_404(request.user,
                                   FinancialStatement.objects.select_related("company"), pk)
    company_pk, year = statement.company_id, statement.fiscal_year
    statement_delete(by=request.user, statement=statement)
    messages.success(request, _("FY%(year)s removed; the assessment is updated.")
                     % {"year": year})
    return redirect("reliability:statements", pk=company_pk)


# ---------------------------------------------------------------- invoices


def invoices_view(request, pk: int):
    """A company's invoices, newest first, with their payment, and a form to add one."""
    company = _company(request, pk)
    editable = can(request.user, "change", company)
    form = InvoiceForm(request.POST or None)
    saved, invoice = _save(request, form, editable=editable, save=lambda: invoice_create(
        by=request.user, company=company, data=form.service_data()))
    if saved:
        messages.success(request, _("Invoice %(number)s saved; the assessment is updated.")
                         % {"number": invoice.number})
        return redirect("reliability:invoices", pk=company.pk)
    page = keyset_page(invoices_of(user=request.user, company=company),
                       keys=["-issued_on", "-id"], cursor=request.GET.get("cursor"),
                       size=INVOICE_PAGE_SIZE)
    return render(request, "reliability/invoices.html", {
        "company": company, "editable": editable, "form": form, "page": page,
    }, status=422 if form.errors else 200)


def invoice_edit_view(request, pk: int):
    """Correct an invoice or its payment."""
    invoice = get_visible_or_404(
        request.user, Invoice.objects.select_related("company", "company__owner"), pk)
    editable = can(request.user, "change", invoice)
    initial = {name: getattr(invoice, name) for name in InvoiceForm.FIELDS}
    initial = {name: ("" if value is None else value) for name, value in initial.items()}
    form = InvoiceForm(request.POST or None, initial=initial)
    saved, _invoice = _save(request, form, editable=editable, save=lambda: invoice_update(
        by=request.user, invoice=invoice, data=form.service_data()))
    if saved:
        messages.success(request, _("Invoice %(number)s saved; the assessment is updated.")
                         % {"number": invoice.number})
        return redirect("reliability:invoices", pk=invoice.company_id)
    return render(request, "reliability/invoice_form.html", {
        "company": invoice.company, "invoice": invoice, "editable": editable, "form": form,
    }, status=422 if form.errors else 200)


@require_POST
def invoice_paid_view(request, pk: int):
    """Record that an invoice was paid (today unless a day is given)."""
    invoice = get_visible_or_404(request.user, Invoice.objects.select_related("company"), pk)
    form = PaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Invoice %(number)s: %(problem)s") % {
            "number": invoice.number, "problem": form_error_sentence(form)})
        return redirect("reliability:invoices", pk=invoice.company_id)
    try:
        invoice_mark_paid(by=request.user, invoice=invoice,
                          paid_on=form.cleaned_data["paid_on"],
                          paid_amount=form.cleaned_data.get("paid_amount"))
    except ValidationError as exc:
        messages.error(request, _("Invoice %(number)s: %(problem)s")
                       % {"number": invoice.number, "problem": error_sentence(exc)})
    else:
        messages.success(request, _("Invoice %(number)s marked paid.")
                         % {"number": invoice.number})
    return redirect("reliability:invoices", pk=invoice.company_id)


# ---------------------------------------------------------------- checklist


def checklist_view(request, pk: int):
    """The manager's checklist for a company: the answers in force, who gave them and when,
    and the earlier answers."""
    company = _company(request, pk)
    editable = can(request.user, "change", company)
    history = list(checklist_history(user=request.user, company=company)[:20])
    current = history[0] if history else None
    form = ChecklistForm(request.POST or None, initial=ChecklistForm.initial_from(current))
    saved, _answer = _save(request, form, editable=editable, save=lambda: checklist_answer(
        by=request.user, company=company, data=form.service_data()))
    if saved:
        messages.success(request, _("Checklist saved; the assessment is updated."))
        return redirect("clients:company", pk=company.pk)
    return render(request, "reliability/checklist.html", {
        "company": company, "editable": editable, "form": form, "current": current,
        "history": history[1:],
    }, status=422 if form.errors else 200)


# ---------------------------------------------------------------- the head's override


def override_view(request, pk: int):
    """The head holds a company in a band, with a reason, until a date."""
    company = _company(request, pk)
    if not is_head(request.user):
        raise PermissionDenied(_("Only the head of the company may override a band."))
    form = OverrideForm(request.POST or None)
    saved, override = _save(request, form, editable=True, save=lambda: band_override(
        by=request.user, company=company, **form.cleaned_data))
    if saved:
        messages.success(request, _("%(company)s is held in band %(band)s until %(until)s.")
                         % {"company": company.display_name, "band": override.band,
                            "until": form.cleaned_data["expires_at"]})
        return redirect("clients:company", pk=company.pk)
    return render(request, "reliability/override_form.html", {
        "company": company, "form": form,
        "overrides": list(overrides_of(user=request.user, company=company)[:20]),
    }, status=422 if form.errors else 200)


@require_POST
def override_revoke_view(request, pk: int):
    """End an override now: the computed band applies again."""
    override = get_visible_or_404(request.user, BandOverride.objects.select_related("company"),
                                  pk)
    band_override_revoke(by=request.user, override=override)
    messages.success(request, _("Override ended: the computed band applies again."))
    return redirect("clients:company", pk=override.company_id)


# ---------------------------------------------------------------- companies by band


def _filters(query) -> BandFilters:
    return BandFilters(
        band=[b for b in query.getlist("band") if b in Band.values],
        lifecycle=[value for value in query.getlist("lifecycle") if value in Lifecycle.values],
        owner=record_id(query.get("owner")), expiring=query.get("expiring") == "1")


@require_GET
def band_list_view(request):
    """Prospects and clients in reach with their band, worst first; filter by band,
    lifecycle, owner and assessments ending soon."""
    filters = _filters(request.GET)
    page = band_list_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"),
                          size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page, "filters": filters, "query": query.urlencode(),
        "filtered": any(value for key, value in request.GET.items() if key != "cursor"),
        "bands": Band.choices, "lifecycles": Lifecycle.choices,
        "owners": managers_active(user=request.user) if is_head(request.user) else None,
        "expiring_days": EXPIRING_DAYS,
    }
    template = ("reliability/partials/band_rows.html" if request.htmx and not request.htmx.boosted
                else "reliability/band_list.html")
    return render(request, template, context)
