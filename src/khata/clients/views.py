"""Pages of the client database: the company list, a company's page, forms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from khata.clients.choices import Lifecycle, SizeTier
from khata.clients.exporting import companies_export, companies_export_rows, company_headers
from khata.clients.filters import company_filters_from
from khata.clients.forms import AddressForm, CompanyForm, ConsentForm, ContactForm
from khata.clients.models import Address, Company, Contact, Merge, SavedView
from khata.clients.panels import COMPANY_PANELS, CONTACT_PANELS
from khata.clients.selectors import (
    companies_page,
    company_by_exact_name,
    company_detail,
    contacts_visible,
    current_consent,
    duplicate_candidates,
    industries,
    is_stale,
    needs_all,
    saved_views_of,
    with_visible_links,
)
from khata.clients.services import (
    MERGE_FIELDS,
    address_add,
    address_delete,
    companies_bulk_reassign,
    companies_bulk_tag,
    companies_bulk_verify,
    company_create,
    company_delete,
    company_merge,
    company_merge_undo,
    company_restore,
    company_update,
    company_verify,
    consent_record,
    contact_create,
    contact_link,
    contact_update,
    saved_view_delete,
    saved_view_save,
)
from khata.core.forms import apply_errors
from khata.core.lists import keyset_page
from khata.core.selectors import changes_for_object
from khata.core.tables import csv_lines, write_xlsx
from khata.team.access import can, ensure, get_visible_or_404, is_head, visible_to
from khata.team.selectors import managers_active, users_visible

PAGE_SIZE = 50


def _owners(user, current=None):
    """Who the head may give a company to; the current owner stays listed even if inactive,
    so saving the form never reassigns a company by accident."""
    if not is_head(user):
        return None
    owners = list(users_visible(user=user).filter(is_active=True))
    if current is not None and current not in owners:
        owners.insert(0, current)
    return owners


def company_export_view(request):
    """The filtered list as CSV (streamed) or XLSX."""
    headers, rows = companies_export(user=request.user,
                                     filters=company_filters_from(request.GET))
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(write_xlsx(headers, rows, title="Companies"),
                                content_type="application/vnd.openxmlformats-officedocument."
                                             "spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="companies-{stamp}.xlsx"'
        return response
    response = StreamingHttpResponse(csv_lines(headers, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="companies-{stamp}.csv"'
    return response


@vary_on_headers("HX-Request")  # the same URL answers htmx with rows, browsers with a page
def company_list_view(request):
    """All companies in reach, filtered, searched, sorted and paged by keyset."""
    filters = company_filters_from(request.GET)
    page = companies_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"),
                          size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "filtered": any(request.GET.get(key) for key in request.GET if key not in {"sort"}),
        "lifecycles": Lifecycle.choices,
        "size_tiers": SizeTier.choices,
        "sections": [industry for industry in industries() if industry.is_section],
        "needs": needs_all(),
        "owners": managers_active(user=request.user) if is_head(request.user) else None,
        "saved_views": saved_views_of(user=request.user),
    }
    template = ("clients/partials/company_rows.html" if request.htmx and not request.htmx.boosted
                else "clients/company_list.html")
    return render(request, template, context)


def company_create_view(request):
    form = CompanyForm(request.POST or None, owners=_owners(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            company = company_create(by=request.user, data=form.service_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": company.display_name})
            return redirect("clients:company", pk=company.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "clients/company_form.html", {"form": form}, status=status)


def company_edit_view(request, pk: int):
    company = company_detail(user=request.user, pk=pk)
    ensure(request.user, "change", company)
    initial = {field: getattr(company, field) for field in CompanyForm.base_fields
               if hasattr(company, field) and field not in {"industry", "owner", "needs"}}
    initial.update(industry=company.industry.code if company.industry else "",
                   owner=str(company.owner_id),
                   needs=", ".join(need.name for need in company.needs.all()))
    form = CompanyForm(request.POST or None, initial=initial,
                       owners=_owners(request.user, current=company.owner))
    if request.method == "POST" and form.is_valid():
        try:
            company_update(by=request.user, company=company, data=form.service_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("clients:company", pk=company.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "clients/company_form.html", {"form": form, "company": company},
                  status=status)


def company_detail_view(request, pk: int):
    """A company's page: key facts, contacts with consent, addresses and its timeline."""
    company = company_detail(user=request.user, pk=pk)
    contacts = [(contact, current_consent(contact)) for contact in company.contacts.all()]
    return render(request, "clients/company_detail.html", {
        "company": company,
        "contacts": contacts,
        "stale": is_stale(company),
        "changes": changes_for_object(company),
        "address_form": AddressForm(),
        # A colleague's company is read-only when the head lets managers read all portfolios.
        "editable": can(request.user, "change", company),
        "panels": COMPANY_PANELS,
    })


@require_POST
@vary_on_headers("HX-Request")
def company_verify_view(request, pk: int):
    company = get_visible_or_404(request.user, Company, pk)
    company_verify(by=request.user, company=company)
    if request.htmx:
        return render(request, "clients/partials/freshness.html",
                      {"company": company, "stale": False})
    messages.success(request, _("Marked as verified today."))
    return redirect("clients:company", pk=pk)


@require_POST
def company_delete_view(request, pk: int):
    company = get_visible_or_404(request.user, Company, pk)
    company_delete(by=request.user, company=company)
    messages.success(request, _("%(name)s deleted.") % {"name": company.display_name},
                     extra_tags=f"undo:{reverse('clients:company_restore', args=[pk])}")
    return redirect("clients:companies")


@require_POST
def company_restore_view(request, pk: int):
    company = get_visible_or_404(request.user, Company.all_objects.all(), pk)
    try:
        company_restore(by=request.user, company=company)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clients:companies")
    messages.success(request, _("%(name)s is back.") % {"name": company.display_name})
    return redirect("clients:company", pk=pk)


def contact_create_view(request, pk: int):
    company = get_visible_or_404(request.user, Company, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_create(by=request.user, data={**form.cleaned_data, "company": company})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect("clients:company", pk=pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "clients/contact_form.html", {"form": form, "company": company},
                  status=status)


def contact_edit_view(request, pk: int):
    contact = get_visible_or_404(request.user, with_visible_links(
        user=request.user, queryset=Contact.objects.select_related("company")), pk)
    initial = {field: getattr(contact, field) for field in ContactForm.base_fields}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact_update(by=request.user, contact=contact, data=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("clients:company", pk=contact.company_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "clients/contact_form.html", {
        "form": form, "company": contact.company, "contact": contact,
        "consent_form": ConsentForm(), "changes": changes_for_object(contact),
        "panels": CONTACT_PANELS}, status=status)


@require_POST
def consent_view(request, pk: int):
    contact = get_visible_or_404(request.user, Contact, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent_record(by=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose the channel, the consent and how it was given."))
    return redirect("clients:company", pk=contact.company_id)


def company_merge_view(request, pk: int):
    """Pick the duplicate, then the surviving value of each field, then merge."""
    survivor = company_detail(user=request.user, pk=pk)
    other_pk = request.GET.get("with") or request.POST.get("with")
    if not (other_pk and str(other_pk).isdigit()):
        candidates = duplicate_candidates(user=request.user, company=survivor,
                                          q=request.GET.get("q", ""))
        return render(request, "clients/merge_pick.html", {
            "company": survivor, "candidates": candidates, "q": request.GET.get("q", "")})
    other = company_detail(user=request.user, pk=int(other_pk))
    if request.method == "POST":
        take = {name.removeprefix("take-") for name, value in request.POST.items()
                if name.startswith("take-") and value == "other"}
        try:
            merge = company_merge(by=request.user, survivor=survivor, other=other,
                                  take_from_other=take)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Merged: %(other)s is now part of %(name)s.")
                % {"other": other.display_name, "name": survivor.display_name},
                extra_tags=f"undo:{reverse('clients:merge_undo', args=[merge.pk])}")
            return redirect("clients:company", pk=survivor.pk)
    rows = []
    for name in MERGE_FIELDS:
        field = Company._meta.get_field(name)
        mine, theirs = getattr(survivor, name), getattr(other, name)
        display = getattr(survivor, f"get_{name}_display", None)
        rows.append({
            "name": name, "label": field.verbose_name,
            "mine": display() if display and mine else mine,
            "theirs": getattr(other, f"get_{name}_display")() if display and theirs else theirs,
            "prefer_other": mine in (None, "") and theirs not in (None, ""),
            "same": mine == theirs,
        })
    return render(request, "clients/merge.html", {
        "company": survivor, "other": other, "rows": rows,
        "moving": other.contacts.count() + other.addresses.count()})


@require_POST
def merge_undo_view(request, pk: int):
    merge = get_visible_or_404(request.user, Merge, pk)
    try:
        survivor = company_merge_undo(by=request.user, merge=merge)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clients:company", pk=merge.survivor_id)
    messages.success(request, _("The merge is undone; both companies are back as they were."))
    return redirect("clients:company", pk=survivor.pk)


def contact_list_view(request):
    """Everyone the user may reach, searchable, with data-health filters."""
    quality = request.GET.get("quality", "")
    contacts = contacts_visible(user=request.user, q=request.GET.get("q", ""), quality=quality)
    page = keyset_page(contacts, keys=["name", "id"], cursor=request.GET.get("cursor"),
                       size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "clients/contact_list.html", {
        "page": page, "q": request.GET.get("q", ""), "quality": quality,
        "query": query.urlencode()})


@require_POST
def saved_view_create_view(request):
    query = request.POST.get("query", "")
    try:
        saved_view_save(by=request.user, name=request.POST.get("name", ""), query=query)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("View saved."))
    return redirect(f"{reverse('clients:companies')}?{query}")


@require_POST
def saved_view_delete_view(request, pk: int):
    view = get_visible_or_404(request.user, SavedView, pk)
    saved_view_delete(by=request.user, view=view)
    messages.success(request, _("View “%(name)s” removed.") % {"name": view.name})
    return redirect("clients:companies")


@require_POST
def company_bulk_view(request):
    """One action on the ticked companies (only those in the user's reach are touched)."""
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    companies = list(visible_to(request.user, Company.objects.filter(pk__in=ids), "change")
                     .select_related("owner", "industry").prefetch_related("needs"))
    back = f"{reverse('clients:companies')}?{request.POST.get('query', '')}"
    action = request.POST.get("action")
    if not companies:
        messages.error(request, _("Tick at least one company first."))
        return redirect(back)
    try:
        if action == "verify":
            count = companies_bulk_verify(by=request.user, companies=companies)
            messages.success(request, _("%(n)s companies marked verified.") % {"n": count})
        elif action == "tag":
            count = companies_bulk_tag(by=request.user, companies=companies,
                                       need_name=request.POST.get("need", ""))
            messages.success(request, _("Need added to %(n)s companies.") % {"n": count})
        elif action == "reassign":
            owner = managers_active(user=request.user).filter(
                pk=request.POST.get("owner") or 0).first()
            if owner is None:
                raise ValidationError({"owner": [_("Choose the manager who takes them.")]})
            count = companies_bulk_reassign(by=request.user, companies=companies, owner=owner)
            messages.success(request, _("%(n)s companies given to %(owner)s.")
                             % {"n": count, "owner": owner})
        elif action == "export":
            rows = companies_export_rows(companies=companies)
            response = StreamingHttpResponse(csv_lines(company_headers(), rows),
                                             content_type="text/csv")
            response["Content-Disposition"] = 'attachment; filename="companies-selected.csv"'
            return response
        else:
            messages.error(request, _("Choose an action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(back)


@require_POST
def address_create_view(request, pk: int):
    company = get_visible_or_404(request.user, Company, pk)
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            address_add(by=request.user, company=company, data=form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Address added."))
    else:
        messages.error(request, _("The address needs at least its first line."))
    return redirect("clients:company", pk=pk)


@require_POST
def address_delete_view(request, pk: int):
    address = get_visible_or_404(request.user, Address, pk)
    address_delete(by=request.user, address=address)
    messages.success(request, _("Address removed."))
    return redirect("clients:company", pk=address.company_id)


@require_POST
def contact_link_view(request, pk: int):
    """Link a contact to another company they work with, found by its exact name."""
    contact = get_visible_or_404(request.user, Contact, pk)
    name = request.POST.get("company", "").strip()
    unlink = request.POST.get("unlink", "")
    if unlink.isdigit():
        company = get_visible_or_404(request.user, Company, int(unlink))
        contact_link(by=request.user, contact=contact, company=company, linked=False)
        return redirect("clients:contact_edit", pk=pk)
    company = company_by_exact_name(user=request.user, name=name)
    if company is None:
        messages.error(request, _("Type the exact name of one company in your portfolio."))
        return redirect("clients:contact_edit", pk=pk)
    try:
        contact_link(by=request.user, contact=contact, company=company)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("clients:contact_edit", pk=pk)
