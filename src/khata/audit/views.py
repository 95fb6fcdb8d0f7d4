"""The change log as a page: who changed what, when, on whose behalf."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from khata.clients.choices import Lifecycle
from khata.clients.selectors import data_health, freshness_days
from khata.clients.services import freshness_rules_set
from khata.core.choices import ChangeAction
from khata.team.selectors import changes_visible, users_visible

# The rows of the Data health page: key, label, the list that fixes it.
HEALTH_CHECKS = [
    ("stale", _("Stale: not verified within their lifecycle's limit"),
     "clients:companies", "freshness=stale&sort=verified"),
    ("never", _("Never verified"), "clients:companies", "freshness=never"),
    ("duplicates", _("Suspected duplicates (same tax number or web domain)"),
     "clients:companies", "quality=duplicates"),
    ("no_contacts", _("Companies without any contact"), "clients:companies",
     "quality=no_contacts"),
    ("no_industry", _("Companies without an industry"), "clients:companies",
     "quality=no_industry"),
    ("no_tax_number", _("Clients without a tax number"), "clients:companies",
     "quality=no_tax_number"),
    ("no_reach", _("Contacts with no e-mail and no phone"), "clients:contacts",
     "quality=no_reach"),
    ("no_consent", _("Contacts with an e-mail but no recorded consent"), "clients:contacts",
     "quality=no_consent"),
]

PAGE_SIZE = 50


@vary_on_headers("HX-Request")  # the same URL answers htmx with rows, browsers with a page
def changes_view(request):
    """The change log the user may read, newest first, with keyset paging and an action filter."""
    changes = changes_visible(user=request.user)
    action = request.GET.get("action", "")
    if action in ChangeAction.values:
        changes = changes.filter(action=action)
    before = request.GET.get("before", "")
    if before.isdigit():
        changes = changes.filter(id__lt=int(before))
    page = list(changes.order_by("-id")[: PAGE_SIZE + 1])
    has_more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    template = "audit/partials/rows.html" if request.htmx else "audit/changes.html"
    return render(request, template, {
        "changes": page,
        "next_before": page[-1].id if has_more else None,
        "action": action,
        "actions": ChangeAction.choices,
    })


def data_health_view(request):
    """What needs fixing in the client database, each count linking to the list that fixes it."""
    health = data_health(user=request.user)
    owners = {}
    if health["by_owner"]:
        names = {user.pk: user for user in users_visible(user=request.user)}
        owners = [(names.get(owner_id), counts) for owner_id, counts in
                  sorted(health["by_owner"].items(),
                         key=lambda item: str(names.get(item[0], "")))]
    days = freshness_days()
    return render(request, "audit/health.html", {
        "totals": health["totals"], "owners": owners, "checks": HEALTH_CHECKS,
        "rules": [(value, label, days.get(value)) for value, label in Lifecycle.choices]})


@require_POST
def freshness_rules_view(request):
    """The head sets how long data stays fresh per lifecycle."""
    days, bad = {}, False
    for value in Lifecycle.values:
        raw = request.POST.get(f"days-{value}", "").strip()
        bad = bad or (raw != "" and not raw.isdigit())
        days[value] = int(raw) if raw.isdigit() else None
    try:
        if bad:
            raise ValidationError({"max_age_days": [_("Days must be a whole number.")]})
        freshness_rules_set(by=request.user, days=days)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Freshness rules saved."))
    return redirect("audit:health")
