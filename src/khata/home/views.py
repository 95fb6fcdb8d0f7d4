"""The Today page, the head's team page and the health check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from khata.clients.selectors import CompanyFilters, industries
from khata.core.forms import apply_errors
from khata.core.selectors import worker_state
from khata.home.forms import AppointForm
from khata.home.selectors import today_sections
from khata.home.selectors_team import cover_state, team_overview
from khata.home.services import manager_appoint
from khata.team.access import ensure
from khata.team.forms import TeamSettingsForm
from khata.team.selectors import team_settings, users_active_for_cover


def today_view(request):
    """What should I do today? The first page after signing in."""
    return render(request, "home/today.html", {"sections": today_sections(user=request.user),
                                               "cover": cover_state(user=request.user)})


@login_not_required
@never_cache
def healthz_view(request):
    """Database and worker state for load balancers and monitoring (no data, no auth)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # any failure means "not healthy"; say which
        database = {"status": "down", "error": exc.__class__.__name__}
        return JsonResponse({"status": "down", "database": database}, status=503)
    worker = worker_state()
    status = "ok" if worker["status"] == "ok" else "degraded"
    return JsonResponse({"status": status, "database": database, "worker": worker})


def _appoint_form(request, data=None):
    return AppointForm(data, people=users_active_for_cover(user=request.user),
                       industries=industries().filter(section__isnull=True))


def team_view(request):
    """The head's team page: each person's portfolio, absence and substitute, and actions."""
    ensure(request.user, "manage_team")
    return render(request, "home/team.html", {
        "rows": team_overview(user=request.user),
        "appoint_form": _appoint_form(request),
        "settings_form": TeamSettingsForm(initial={
            "managers_read_all": team_settings().managers_read_all}),
        "new_link": request.session.pop("new_set_password_link", None),
    })


@require_POST
def appoint_view(request):
    """Appoint a manager, show their one-time link, give them an initial portfolio."""
    ensure(request.user, "appoint")
    form = _appoint_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        portfolio = None
        if form.wants_portfolio():
            portfolio = CompanyFilters(
                owner=data["from_owner"].pk if data["from_owner"] else None,
                region=data["region"], industry=data["industry"],
                lifecycle=[data["lifecycle"]] if data["lifecycle"] else [])
        try:
            person, path, moved = manager_appoint(by=request.user, email=data["email"],
                                                  name=data["name"], role=data["role"],
                                                  portfolio=portfolio)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session["new_set_password_link"] = {
                "name": str(person), "email": person.email,
                "url": request.build_absolute_uri(path)}
            messages.success(request, ngettext(
                "%(name)s is appointed with %(count)s company.",
                "%(name)s is appointed with %(count)s companies.", moved)
                % {"name": person, "count": moved})
            return redirect("home:team")
    return render(request, "home/team.html", {
        "rows": team_overview(user=request.user), "appoint_form": form,
        "settings_form": TeamSettingsForm(initial={
            "managers_read_all": team_settings().managers_read_all}),
    }, status=422)
