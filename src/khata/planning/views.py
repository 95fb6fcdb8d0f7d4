"""Pages of planning: activities, tasks, contact plans, the calendar and its feed."""

import calendar as calendar_module
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from khata.clients.models import Company, Contact
from khata.core.forms import apply_errors, error_sentence, form_error_sentence
from khata.core.lists import keyset_page
from khata.core.selectors import changes_for_object
from khata.planning.choices import ActivityKind, ActivityStatus, TaskStatus
from khata.planning.forms import (
    CHANNELS,
    ActivityForm,
    PlanForm,
    TaskForm,
    step_rows,
    steps_from_post,
)
from khata.planning.ics import activity_ics, feed_ics
from khata.planning.models import Activity, ContactPlan, Enrolment, Task
from khata.planning.selectors import (
    ActivityFilters,
    TaskFilters,
    activities_of_company,
    activities_of_contact,
    activities_visible,
    calendar_days,
    enrolments_visible,
    feed_entries,
    feed_of,
    leads_of_company,
    open_tasks_of_company,
    plan_figures,
    plans_visible,
    segments_for_enrolment,
    tasks_visible,
)
from khata.planning.services import (
    activity_log,
    activity_update,
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_user,
    enrolment_create,
    enrolment_create_segment,
    enrolment_exit,
    enrolment_pause,
    enrolment_resume,
    plan_create,
    plan_update,
    task_complete,
    task_create,
    task_skip,
    task_snooze,
    task_update,
)
from khata.prospecting.models import Lead, Segment
from khata.team.access import can, ensure, get_visible_or_404

PAGE_SIZE = 50


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def _back(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# ---------------------------------------------------------------- activities

def activity_list_view(request):
    """Activities in reach, newest first; filter by kind and status."""
    filters = ActivityFilters(kind=request.GET.get("kind", ""),
                              status=request.GET.get("status", ""),
                              company=_int(request.GET.get("company")))
    page = keyset_page(activities_visible(user=request.user, filters=filters),
                       keys=["-starts_at", "-id"], cursor=request.GET.get("cursor"),
                       size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "planning/activity_list.html", {
        "page": page, "filters": filters, "query": query.urlencode(),
        "kinds": ActivityKind.choices, "statuses": ActivityStatus.choices})


def _activity(request, pk):
    return get_visible_or_404(request.user, Activity.objects.select_related(
        "company", "contact", "lead", "created_by").prefetch_related("contacts", "colleagues"),
        pk)


def activity_detail_view(request, pk: int):
    """One activity: what happened, with whom, and its history."""
    activity = _activity(request, pk)
    return render(request, "planning/activity_detail.html", {
        "activity": activity, "editable": can(request.user, "change", activity),
        "changes": changes_for_object(activity)})


def activity_edit_view(request, pk: int):
    """Correct an activity, or record how a scheduled one went."""
    activity = _activity(request, pk)
    contacts = activity.company.contacts.all()
    initial = {name: getattr(activity, name) for name in
               ("kind", "status", "direction", "subject", "starts_at", "duration_minutes",
                "location", "outcome", "next_step")}
    initial["contact"] = activity.contact_id
    form = ActivityForm(request.POST or None, contacts=contacts, initial=initial)
    if request.method == "POST":
        if not can(request.user, "change", activity):
            raise Http404
        if form.is_valid():
            try:
                activity_update(by=request.user, activity=activity, data=form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Activity saved."))
                return redirect("planning:activity", pk=activity.pk)
    return render(request, "planning/activity_form.html", {"form": form, "activity": activity},
                  status=422 if request.method == "POST" else 200)


@require_GET
def activity_ics_view(request, pk: int):
    """The activity as an .ics file for the user's calendar app."""
    activity = _activity(request, pk)
    body = activity_ics(activity, host=request.get_host().split(":")[0], now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="khata-{activity.pk}.ics"'
    return response


def _panel(request, company, *, form=None, task_form=None, status=200):
    return render(request, "planning/partials/company_panel.html", {
        "company": company,
        "editable": can(request.user, "change", company),
        "form": form or ActivityForm(contacts=company.contacts.all()),
        "task_form": task_form or TaskForm(initial={"company": company.pk}),
        "activities": activities_of_company(user=request.user, company=company),
        "tasks": open_tasks_of_company(user=request.user, company=company),
        "enrolments": list(enrolments_visible(user=request.user, company=company.pk)[:10]),
        "plans": plans_visible(user=request.user).filter(is_active=True),
        "leads": leads_of_company(user=request.user, company=company),
    }, status=status)


@require_GET
def company_panel_view(request, pk: int):
    """The company page's planning panel: quick-log, open tasks, latest activities, plans."""
    company = get_visible_or_404(request.user, Company, pk)
    return _panel(request, company)


@require_POST
def activity_log_view(request, pk: int):
    """Quick-log an activity from the company page (htmx; a plain POST works too)."""
    company = get_visible_or_404(request.user, Company, pk)
    form = ActivityForm(request.POST, contacts=company.contacts.all())
    if form.is_valid():
        try:
            activity = activity_log(by=request.user,
                                    data={**form.service_data(), "company": company})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if request.htmx:
                return _panel(request, company)
            messages.success(request, _("Logged: %(activity)s.") % {"activity": activity})
            return redirect("clients:company", pk=company.pk)
    if request.htmx:  # htmx swaps 200 answers only: the form comes back with its errors
        return _panel(request, company, form=form)
    messages.error(request, form_error_sentence(form))
    return redirect("clients:company", pk=company.pk)


@require_POST
def company_task_create_view(request, pk: int):
    """Add a task about the company from its page."""
    company = get_visible_or_404(request.user, Company, pk)
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            outcome = task_create(by=request.user,
                                  data={**form.service_data(), "company": company})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            for warning in outcome.warnings:
                messages.warning(request, warning)
            if request.htmx:
                return _panel(request, company)
            messages.success(request, _("Task added."))
            return redirect("clients:company", pk=company.pk)
    if request.htmx:
        return _panel(request, company, task_form=form)
    messages.error(request, form_error_sentence(form))
    return redirect("clients:company", pk=company.pk)


def _contact_panel(request, contact, *, form=None, status=200):
    return render(request, "planning/partials/contact_panel.html", {
        "contact": contact,
        "editable": can(request.user, "change", contact.company),
        "form": form or ActivityForm(contacts=[contact], initial={"contact": contact.pk}),
        "activities": activities_of_contact(user=request.user, contact=contact),
    }, status=status)


@require_GET
def contact_panel_view(request, pk: int):
    """The contact page's planning panel: quick-log with this contact, their activities."""
    contact = get_visible_or_404(request.user, Contact.objects.select_related("company"), pk)
    return _contact_panel(request, contact)


@require_POST
def contact_activity_log_view(request, pk: int):
    """Quick-log an activity with a contact from their page (htmx; a plain POST works too)."""
    contact = get_visible_or_404(request.user, Contact.objects.select_related("company"), pk)
    form = ActivityForm(request.POST, contacts=[contact])
    if form.is_valid():
        try:
            activity = activity_log(by=request.user, data={
                **form.service_data(), "company": contact.company, "contact": contact,
                "contacts": [contact]})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if request.htmx:
                return _contact_panel(request, contact)
            messages.success(request, _("Logged: %(activity)s.") % {"activity": activity})
            return redirect("clients:contact_edit", pk=contact.pk)
    if request.htmx:
        return _contact_panel(request, contact, form=form)
    messages.error(request, form_error_sentence(form))
    return redirect("clients:contact_edit", pk=contact.pk)


# ---------------------------------------------------------------- tasks

def task_list_view(request):
    """My open tasks (and those of a portfolio I cover), soonest first; or done, skipped."""
    status = request.GET.get("status", TaskStatus.OPEN)
    if status not in TaskStatus.values and status != "all":
        status = TaskStatus.OPEN
    filters = TaskFilters(status="" if status == "all" else status,
                          mine=request.GET.get("all") != "1")
    page = keyset_page(tasks_visible(user=request.user, filters=filters),
                       keys=["due_at", "id"], cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "planning/task_list.html", {
        "page": page, "status": status, "statuses": TaskStatus.choices,
        "query": query.urlencode(), "now": timezone.now()})


def task_create_view(request):
    """Add a task (about a company when opened from its page)."""
    form = TaskForm(request.POST or None, initial={"company": _int(request.GET.get("company"))})
    if request.method == "POST" and form.is_valid():
        try:
            outcome = task_create(by=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            for warning in outcome.warnings:
                messages.warning(request, warning)
            messages.success(request, _("Task added."))
            return redirect("planning:task", pk=outcome.obj.pk)
    return render(request, "planning/task_form.html", {"form": form, "task": None},
                  status=422 if request.method == "POST" else 200)


def task_detail_view(request, pk: int):
    """One task: edit it, close it, snooze it; its history."""
    task = get_visible_or_404(request.user, Task.objects.select_related(
        "assignee", "company", "contact", "lead", "step", "enrolment__plan"), pk)
    form = TaskForm(request.POST or None, initial={
        "title": task.title, "due_at": timezone.localtime(task.due_at),
        "priority": task.priority, "assignee": task.assignee.email, "notes": task.notes})
    if request.method == "POST":
        if not can(request.user, "change", task):
            raise Http404
        if form.is_valid():
            data = form.service_data()
            data.pop("company", None)
            try:
                task_update(by=request.user, task=task, data=data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Task saved."))
                return redirect("planning:task", pk=task.pk)
    return render(request, "planning/task_form.html", {
        "form": form, "task": task, "editable": can(request.user, "change", task),
        "changes": changes_for_object(task)},
        status=422 if request.method == "POST" else 200)


def _task_action(request, pk: int, action, done_message: str):
    task = get_visible_or_404(request.user, Task.objects.select_related("company", "step"), pk)
    try:
        action(task)
    except ValidationError as exc:
        if request.htmx:
            return render(request, "planning/partials/task_row.html",
                          {"task": task, "error": error_sentence(exc)})
        messages.error(request, error_sentence(exc))
    else:
        if request.htmx:
            return render(request, "planning/partials/task_row.html",
                          {"task": task, "said": done_message})
        messages.success(request, done_message)
    return redirect(_back(request, reverse("planning:tasks")))


@require_POST
def task_done_view(request, pk: int):
    return _task_action(request, pk, lambda task: task_complete(by=request.user, task=task),
                        _("Done."))


@require_POST
def task_skip_view(request, pk: int):
    return _task_action(request, pk, lambda task: task_skip(by=request.user, task=task),
                        _("Skipped."))


@require_POST
def task_snooze_view(request, pk: int):
    preset = request.POST.get("preset", "")
    until = request.POST.get("until", "")
    return _task_action(
        request, pk,
        lambda task: task_snooze(by=request.user, task=task, until=until or None,
                                 preset=preset if not until else ""),
        _("Snoozed."))


# ---------------------------------------------------------------- contact plans

def plan_list_view(request):
    """Every contact plan with its figures over my enrolments."""
    plans = list(plans_visible(user=request.user))
    return render(request, "planning/plan_list.html", {
        "figures": plan_figures(user=request.user, plans=plans)})


def _builder(request, plan):
    if plan is not None:
        steps = [{"channel": s.channel, "delay_days": s.delay_days,
                  "instructions": s.instructions, "message_template": s.message_template}
                 for s in plan.steps.all()]
        form = PlanForm(request.POST or None, initial={"name": plan.name,
                                                      "description": plan.description})
    else:
        steps = []
        form = PlanForm(request.POST or None)
    errors = {}
    if request.method == "POST":
        steps = steps_from_post(request.POST)
        if form.is_valid():
            data = {**form.cleaned_data, "steps": steps}
            try:
                if plan is None:
                    plan = plan_create(by=request.user, data=data)
                else:
                    plan_update(by=request.user, plan=plan, data=data)
            except ValidationError as exc:
                errors = exc.message_dict
                apply_errors(form, ValidationError({k: v for k, v in errors.items()
                                                    if not k.startswith("steps.")}))
            else:
                messages.success(request, _("Plan “%(name)s” saved.") % {"name": plan.name})
                return redirect("planning:plan", pk=plan.pk)
    return render(request, "planning/plan_form.html", {
        "form": form, "plan": plan, "rows": step_rows(steps, errors), "channels": CHANNELS,
    }, status=422 if request.method == "POST" else 200)


def plan_create_view(request):
    """The plan builder: a name, then up to six steps with channel, delay, instructions."""
    return _builder(request, None)


def plan_edit_view(request, pk: int):
    plan = get_visible_or_404(request.user, ContactPlan, pk)
    ensure(request.user, "change", plan)  # readable to all when the head allows it
    return _builder(request, plan)


def plan_detail_view(request, pk: int):
    """A plan: its steps, figures by step, my enrolments, and enrolling companies."""
    plan = get_visible_or_404(request.user, ContactPlan.objects.select_related("owner")
                              .prefetch_related("steps"), pk)
    page = keyset_page(enrolments_visible(user=request.user, plan=plan.pk),
                       keys=["-created_at", "-id"], cursor=request.GET.get("cursor"),
                       size=PAGE_SIZE)
    return render(request, "planning/plan_detail.html", {
        "plan": plan, "figures": plan_figures(user=request.user, plans=[plan])[0],
        "page": page, "segments": segments_for_enrolment(user=request.user),
        "editable": can(request.user, "change", plan), "changes": changes_for_object(plan)})


@require_POST
def plan_enrol_view(request, pk: int):
    """Enrol one company (by id) or a whole segment's companies in my portfolio."""
    plan = get_visible_or_404(request.user, ContactPlan, pk)
    segment_id = _int(request.POST.get("segment"))
    try:
        if segment_id:
            segment = get_visible_or_404(request.user, Segment, segment_id)
            result = enrolment_create_segment(by=request.user, plan=plan, segment=segment)
            messages.success(request, ngettext("%(count)s company enrolled.",
                                               "%(count)s companies enrolled.",
                                               result.enrolled) % {"count": result.enrolled})
            for reason, count in result.refused.items():
                messages.warning(request, _("%(count)s left out: %(reason)s")
                                 % {"count": count, "reason": reason})
        else:
            enrolment = enrolment_create(by=request.user, plan=plan,
                                         company=request.POST.get("company"),
                                         contact=request.POST.get("contact") or None)
            messages.success(request, _("%(company)s enrolled; first step due %(when)s.") % {
                "company": enrolment.company,
                "when": timezone.localtime(enrolment.next_due_at).strftime("%Y-%m-%d %H:%M")})
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
    return redirect(_back(request, reverse("planning:plan", args=[plan.pk])))


@require_POST
def company_enrol_view(request, pk: int):
    """Enrol the company in a plan from its page, optionally as the lead it came from (the
    plan then exits when that lead is disqualified)."""
    company = get_visible_or_404(request.user, Company, pk)
    plan = get_visible_or_404(request.user, ContactPlan, _int(request.POST.get("plan")))
    # A lead you may not see is a 404, as anywhere; one you may only read is refused by the
    # service (it must be yours), with the reason.
    lead = (get_visible_or_404(request.user, Lead, _int(request.POST["lead"]))
            if request.POST.get("lead") else None)
    try:
        enrolment = enrolment_create(by=request.user, plan=plan, company=company, lead=lead)
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
    else:
        messages.success(request, _("Enrolled in “%(plan)s”; first step due %(when)s.") % {
            "plan": plan, "when": timezone.localtime(enrolment.next_due_at).strftime(
                "%Y-%m-%d %H:%M")})
    return redirect("clients:company", pk=company.pk)


def _enrolment_action(request, pk: int, action, message: str):
    enrolment = get_visible_or_404(request.user, Enrolment, pk)
    try:
        action(enrolment)
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
    else:
        messages.success(request, message)
    return redirect(_back(request, reverse("planning:plan", args=[enrolment.plan_id])))


@require_POST
def enrolment_pause_view(request, pk: int):
    return _enrolment_action(request, pk, lambda e: enrolment_pause(by=request.user,
                                                                    enrolment=e), _("Paused."))


@require_POST
def enrolment_resume_view(request, pk: int):
    return _enrolment_action(request, pk, lambda e: enrolment_resume(by=request.user,
                                                                     enrolment=e), _("Resumed."))


@require_POST
def enrolment_exit_view(request, pk: int):
    return _enrolment_action(request, pk, lambda e: enrolment_exit(by=request.user,
                                                                   enrolment=e),
                             _("Taken out of the plan."))


# ---------------------------------------------------------------- calendar

def _date(value, default: date) -> date:
    try:
        return date.fromisoformat(str(value)) if value else default
    except ValueError:
        return default


def calendar_week_view(request):
    """My week: activities and tasks day by day (a covered portfolio's too)."""
    today = timezone.localdate()
    start = _date(request.GET.get("start"), today)
    start -= timedelta(days=start.weekday())
    days = calendar_days(user=request.user, first_day=start, days=7)
    return render(request, "planning/calendar_week.html", {
        "days": days, "start": start, "today": today,
        "previous": start - timedelta(days=7), "next": start + timedelta(days=7)})


def calendar_month_view(request):
    """My month as a grid of weeks."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    grid_start = first - timedelta(days=first.weekday())
    length = calendar_module.monthrange(first.year, first.month)[1]
    last = first + timedelta(days=length - 1)
    grid_days = (last - grid_start).days + 1
    grid_days += (7 - grid_days % 7) % 7
    days = calendar_days(user=request.user, first_day=grid_start, days=grid_days,
                         month=first.month)
    weeks = [days[index:index + 7] for index in range(0, len(days), 7)]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render(request, "planning/calendar_month.html", {
        "weeks": weeks, "first": first, "today": today,
        "previous": f"{previous:%Y-%m}", "next": f"{following:%Y-%m}"})


def calendar_feed_view(request):
    """The secret address of my calendar feed: make one (a new one replaces it), revoke it."""
    new_url = None
    if request.method == "POST":
        feed = feed_of(user=request.user)
        if request.POST.get("action") == "revoke":
            if feed is not None:
                calendar_feed_revoke(by=request.user, feed=feed)
            messages.success(request, _("The feed address no longer works."))
            return redirect("planning:calendar_feed")
        _feed, raw = calendar_feed_create(by=request.user)
        request.session["new_feed_url"] = request.build_absolute_uri(
            reverse("planning:feed_ics", args=[raw]))
        return redirect("planning:calendar_feed")
    new_url = request.session.pop("new_feed_url", None)
    return render(request, "planning/calendar_feed.html", {
        "feed": feed_of(user=request.user), "new_url": new_url})


@login_not_required
@never_cache
@require_GET
def calendar_feed_ics_view(request, token: str):
    """The feed calendar apps subscribe to: the secret in the address is the credential."""
    user = calendar_feed_user(token)
    if user is None:
        raise Http404(_("No such calendar feed."))
    now = timezone.now()
    with timezone.override(user.time_zone or timezone.get_default_timezone_name()):
        activities, tasks = feed_entries(user=user, now=now)
    body = feed_ics(name=_("Khata: %(name)s") % {"name": user}, activities=activities,
                    tasks=tasks, host=request.get_host().split(":")[0], now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="khata.ics"'
    return response

