"""Pages of prospecting: leads, search methods and their figures, segments and the builder."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from khata.clients.models import Company
from khata.core.forms import apply_errors, error_sentence
from khata.core.lists import keyset_page
from khata.core.selectors import changes_for_object
from khata.core.tables import csv_lines
from khata.prospecting.builder import (
    Group,
    Row,
    field_choices,
    groups_from_post,
    groups_from_rules,
    rules_from_groups,
)
from khata.prospecting.charts import audience_chart, methods_chart, segments_chart, trend_chart
from khata.prospecting.choices import LeadStatus
from khata.prospecting.figures_selectors import (
    analysis_figures,
    count_quickly,
    method_figures_stored,
    minutes_since,
    segment_count,
)
from khata.prospecting.figures_services import figures_refresh_request
from khata.prospecting.forms import DisqualifyForm, LeadForm, SearchMethodForm
from khata.prospecting.models import Lead, SearchMethod, Segment
from khata.prospecting.segments import describe
from khata.prospecting.selectors import (
    LeadFilters,
    disqualify_reasons,
    leads_visible,
    rules_members,
    search_methods_visible,
    segment_members,
    segments_visible,
)
from khata.prospecting.services import (
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_release,
    lead_reopen,
    search_method_create,
    search_method_update,
    segment_delete,
    segment_save,
)
from khata.team.access import can, ensure, get_visible_or_404

PAGE_SIZE = 50


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def lead_list_view(request):
    """Leads in reach: filter by status, method and the lookalike flag; keyset pages."""
    filters = LeadFilters(q=request.GET.get("q", "").strip(),
                          status=request.GET.get("status", ""),
                          search_method=_int(request.GET.get("search_method")),
                          flagged=request.GET.get("flagged") == "1",
                          held=request.GET.get("held") == "1")
    page = keyset_page(leads_visible(user=request.user, filters=filters),
                       keys=["-created_at", "-id"], cursor=request.GET.get("cursor"),
                       size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "prospecting/lead_list.html", {
        "page": page, "filters": filters, "query": query.urlencode(),
        "statuses": LeadStatus.choices, "methods": search_methods_visible(user=request.user),
    })


def lead_create_view(request):
    """Take in a lead by hand (imports and the web form make them in bulk)."""
    methods = search_methods_visible(user=request.user).filter(is_active=True)
    if not methods.exists():
        messages.info(request, _("First add the search method the lead came from."))
        return redirect("prospecting:method_create")
    form = LeadForm(request.POST or None, methods=methods,
                    initial={"search_method": request.GET.get("method")})
    if request.method == "POST" and form.is_valid():
        try:
            lead = lead_create(by=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if lead.matches_company_id:
                messages.warning(request, _("Added. It looks like %(name)s, already in your "
                                            "database: check before qualifying.")
                                 % {"name": lead.matches_company})
            else:
                messages.success(request, _("Lead added."))
            return redirect("prospecting:lead", pk=lead.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "prospecting/lead_form.html", {"form": form}, status=status)


def lead_detail_view(request, pk: int):
    """A lead: its details, the lookalike warning, qualify / disqualify, its timeline."""
    lead = get_visible_or_404(request.user, Lead.objects.select_related(
        "search_method", "owner", "matches_company", "company", "industry",
        "disqualify_reason"), pk)
    return render(request, "prospecting/lead_detail.html", {
        "lead": lead, "editable": can(request.user, "change", lead),
        "disqualify_form": DisqualifyForm(reasons=disqualify_reasons()),
        "changes": changes_for_object(lead),
    })


@require_POST
def lead_qualify_view(request, pk: int):
    lead = get_visible_or_404(request.user, Lead, pk)
    company_id = _int(request.POST.get("company"))
    company = get_visible_or_404(request.user, Company, company_id) if company_id else None
    try:
        lead_qualify(by=request.user, lead=lead, company=company,
                     create_new=request.POST.get("create_new") == "1")
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
        return redirect("prospecting:lead", pk=lead.pk)
    messages.success(request, _("Qualified: %(name)s is in your portfolio.")
                     % {"name": lead.company})
    return redirect("clients:company", pk=lead.company_id)


@require_POST
def lead_disqualify_view(request, pk: int):
    lead = get_visible_or_404(request.user, Lead, pk)
    try:
        lead_disqualify(by=request.user, lead=lead, reason=request.POST.get("reason"))
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
    else:
        messages.success(request, _("Lead dropped: %(reason)s.")
                         % {"reason": lead.disqualify_reason})
    return redirect("prospecting:lead", pk=lead.pk)


@require_POST
def lead_reopen_view(request, pk: int):
    lead = get_visible_or_404(request.user, Lead, pk)
    try:
        lead_reopen(by=request.user, lead=lead)
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
    return redirect("prospecting:lead", pk=lead.pk)


@require_POST
def lead_release_view(request, pk: int):
    """A held web-form lead is genuine: back to the held list, to check the next one."""
    lead = get_visible_or_404(request.user, Lead, pk)
    try:
        lead_release(by=request.user, lead=lead)
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
        return redirect("prospecting:lead", pk=lead.pk)
    messages.success(request, _("%(name)s is released: work it as any other lead.")
                     % {"name": lead.company_name})
    return redirect(f"{reverse('prospecting:leads')}?held=1")


def method_list_view(request):
    """Which search method brings clients, at what cost: the ranked table (from the stored
    figures, with their age)."""
    figures, as_of = method_figures_stored(user=request.user)
    return render(request, "prospecting/method_list.html", {
        "figures": figures, "as_of": as_of, "minutes_old": minutes_since(as_of)})


def _method_form_view(request, method: SearchMethod | None):
    initial = SearchMethodForm.initial_for(method, user=request.user) if method is not None else {}
    form = SearchMethodForm(request.POST or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        try:
            if method is None:
                method = search_method_create(by=request.user, data=form.service_data())
            else:
                search_method_update(by=request.user, method=method,
                                     data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Search method saved."))
            return redirect("prospecting:methods")
    status = 422 if request.method == "POST" else 200
    return render(request, "prospecting/method_form.html", {"form": form, "method": method},
                  status=status)


def method_create_view(request):
    return _method_form_view(request, None)


def method_edit_view(request, pk: int):
    method = get_visible_or_404(request.user, SearchMethod, pk)
    ensure(request.user, "change", method)  # shared: colleagues read it, its owner changes it
    return _method_form_view(request, method)


def segment_list_view(request):
    """Every segment with its rules in words and the member count in the user's reach."""
    segments = list(segments_visible(user=request.user))
    for segment in segments:
        segment.in_words = describe(segment.rules)
    return render(request, "prospecting/segment_list.html", {"segments": segments})


def _builder_context(request, *, segment, match, groups, name, description, count, errors):
    return {"segment": segment, "match": match, "groups": groups, "name": name,
            "description": description, "count": count, "errors": errors,
            "fields": field_choices(),
            "editable": segment is None or can(request.user, "change", segment)}


def segment_builder_view(request, pk: int | None = None):
    """Build a segment with no code: groups of rules, a live member count, save."""
    segment = get_visible_or_404(request.user, Segment, pk) if pk else None
    if request.method != "POST":
        match, groups = (groups_from_rules(segment.rules, user=request.user) if segment
                         else ("all", [Group(rows=[Row()])]))
        count = segment_count(user=request.user, segment=segment) if segment else None
        return render(request, "prospecting/segment_builder.html", _builder_context(
            request, segment=segment, match=match, groups=groups,
            name=segment.name if segment else "",
            description=segment.description if segment else "", count=count, errors={}))
    match, groups = groups_from_post(request.POST)
    action = request.POST.get("action", "")
    if action == "add_rule" or action.startswith("add_rule:"):
        index = _int(action.partition(":")[2]) or 0
        groups[min(index, len(groups) - 1)].rows.append(Row())
    elif action == "add_group":
        groups.append(Group(rows=[Row()]))
    errors, count = {}, None
    try:
        rules = rules_from_groups(match, groups, user=request.user)
        count = count_quickly(rules_members(user=request.user, rules=rules))
    except ValidationError as exc:
        rules, errors = None, exc.message_dict
    if action == "save" and rules is not None:
        try:
            segment = segment_save(by=request.user, segment=segment, data={
                "name": request.POST.get("name", ""), "rules": rules,
                "description": request.POST.get("description", "")})
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("Segment “%(name)s” saved: %(count)s companies.")
                             % {"name": segment.name, "count": (
                                 _("about %(n)s") % {"n": f"{count.value:,}"}
                                 if count.approximate else f"{count.value:,}")})
            return redirect("prospecting:segment", pk=segment.pk)
    context = _builder_context(request, segment=segment, match=match, groups=groups,
                               name=request.POST.get("name", ""),
                               description=request.POST.get("description", ""),
                               count=count, errors=errors)
    # htmx re-renders the whole builder on every change (hx-select): a new field brings its
    # conditions, and the count follows.
    return render(request, "prospecting/segment_builder.html", context,
                  status=422 if errors and action == "save" else 200)


def segment_detail_view(request, pk: int):
    """A segment's members in the user's reach (keyset pages), its count history, export."""
    segment = get_visible_or_404(request.user, Segment.objects.select_related("owner"), pk)
    members = segment_members(user=request.user, segment=segment).select_related("owner")
    page = keyset_page(members, keys=["display_name", "id"],
                       cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render(request, "prospecting/segment_detail.html", {
        "segment": segment, "in_words": describe(segment.rules), "page": page,
        "count": segment_count(user=request.user, segment=segment),
        "history": list(segment.counts.all()[:30]),
        "editable": can(request.user, "change", segment),
    })


def segment_export_view(request, pk: int):
    """The segment's members in the user's reach as CSV."""
    segment = get_visible_or_404(request.user, Segment, pk)
    members = segment_members(user=request.user, segment=segment).select_related(
        "owner", "industry").order_by("display_name", "id")
    rows = ([c.display_name, c.city, c.region, c.country, c.get_lifecycle_display(),
             c.industry.code if c.industry else "", c.get_size_tier_display(), c.owner.email]
            for c in members.iterator(chunk_size=2000))
    headers = ["company", "city", "region", "country", "lifecycle", "industry", "size",
               "owner"]
    response = HttpResponse("".join(csv_lines(headers, rows)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}.csv"'
    return response


@require_POST
def segment_delete_view(request, pk: int):
    segment = get_visible_or_404(request.user, Segment, pk)
    segment_delete(by=request.user, segment=segment)
    messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
    return redirect("prospecting:segments")


# Plotly sets inline styles as it draws (SVG and legend layout): this page alone allows them.
# Scripts stay nonce-only: plotly's bundle is served from our static files.
ANALYSIS_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}


@csp_override(ANALYSIS_CSP)
def analysis_view(request):
    """The audience by needs, level and focus, region; which segments and methods pay off.
    Every chart has its table one click away and every bar drills down to its list."""
    dimensions = [
        ("industry", _("Focus: industry"), _("ISIC section")),
        ("size_tier", _("Level: size"), _("Size tier")),
        ("needs", _("Needs"), _("Need")),
        ("region", _("Region"), _("Region / state")),
    ]
    figures = analysis_figures(user=request.user)
    audience = []
    for key, title, axis in dimensions:
        rows = figures.audience[key]
        audience.append({"key": key, "title": title, "rows": rows,
                         "chart": audience_chart(rows, title=title, axis=axis)})
    return render(request, "prospecting/analysis.html", {
        "audience": audience, "methods": figures.methods, "segments": figures.segments,
        "methods_chart": methods_chart(figures.methods),
        "segments_chart": segments_chart(figures.segments),
        "trend_chart": trend_chart(figures.trend), "as_of": figures.as_of,
        "minutes_old": figures.minutes_old,
    })


@require_POST
def figures_refresh_view(request):
    """"Refresh now": queue a new count of the stored figures and come back to the page."""
    if figures_refresh_request(by=request.user):
        messages.info(request, _("Counting the figures again: reload the page in a minute."))
    else:
        messages.info(request, _("The figures were counted less than a minute ago."))
    back = request.POST.get("next", "")
    allowed = {reverse("prospecting:analysis"), reverse("prospecting:methods")}
    return redirect(back if back in allowed else "prospecting:analysis")


def fit_list_view(request):
    """Prospects in reach, best fit first: whom to call next, with why."""
    from khata.prospecting.fit_selectors import prospects_by_fit

    page = keyset_page(prospects_by_fit(user=request.user), keys=["-score", "company_id"],
                       cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render(request, "prospecting/fit_list.html", {"page": page})
