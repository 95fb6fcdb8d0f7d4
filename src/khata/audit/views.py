"""The change log as a page: who changed what, when, on whose behalf."""

from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from khata.core.choices import ChangeAction
from khata.team.selectors import changes_visible

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
