"""Pages of the team app: sign-in and out, passwords, account and API tokens, absences,
dismissal and the team's settings (the team page itself lives in `home`: it composes)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khata.core.forms import apply_errors, error_sentence
from khata.core.selectors import changes_for_object
from khata.team.access import ensure, get_visible_or_404, is_head
from khata.team.forms import (
    AbsenceForm,
    DismissForm,
    FirstPasswordForm,
    PasswordForm,
    SignInForm,
    TeamSettingsForm,
    TokenCreateForm,
)
from khata.team.models import Absence, ApiToken, User
from khata.team.selectors import (
    absences_upcoming,
    absences_visible,
    handover_split_values,
    holdings_of,
    split_fields,
    tokens_of,
    users_active_for_cover,
)
from khata.team.services import (
    HandoverPlan,
    absence_end,
    absence_record,
    absence_update,
    team_settings_set,
    token_create,
    token_revoke,
    user_dismiss,
    user_set_password,
)


class SignInView(auth_views.LoginView):
    template_name = "team/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class PasswordView(auth_views.PasswordChangeView):
    template_name = "team/password.html"
    form_class = PasswordForm
    success_url = reverse_lazy("team:account")

    def form_valid(self, form):
        user_set_password(by=self.request.user, user=self.request.user,
                          password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.success_url)


def account_view(request):
    """The signed-in user's page: role, time zone, API tokens and their own timeline."""
    new_token = request.session.pop("new_token", None)
    form = TokenCreateForm()
    return render(request, "team/account.html", {
        "tokens": tokens_of(user=request.user, owner=request.user),
        "form": form,
        "new_token": new_token,
        "changes": changes_for_object(request.user, limit=20),
    })


@require_POST
def token_create_view(request):
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = token_create(by=request.user, user=request.user,
                                       name=form.cleaned_data["name"],
                                       expires_at=form.cleaned_data["expires_at"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            request.session["new_token"] = raw
            return redirect("team:account")
    return render(request, "team/account.html", {
        "tokens": tokens_of(user=request.user, owner=request.user),
        "form": form,
        "changes": changes_for_object(request.user, limit=20),
    }, status=422)


@require_POST
def token_revoke_view(request, pk: int):
    token = get_visible_or_404(request.user, ApiToken, pk)
    token_revoke(by=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked; scripts using it stop working now.")
                     % {"name": token.name})
    return redirect("team:account")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link from an appointment: the new person chooses a password."""

    template_name = "team/set_password.html"
    form_class = FirstPasswordForm
    success_url = reverse_lazy("team:login")
    reset_url_token = "choose"

    def form_valid(self, form):
        user_set_password(by=form.user, user=form.user,
                          password=form.cleaned_data["new_password1"])
        messages.success(self.request, _("Your password is set. Sign in with your e-mail."))
        return redirect(self.success_url)


def _absence_form(request, *, data=None, initial=None, absence=None):
    people = users_active_for_cover(user=request.user)
    absent_choices = (people if is_head(request.user) and absence is None else None)
    return AbsenceForm(data, initial=initial, people=people, absent_choices=absent_choices)


def absences_view(request):
    """My absences and the ones I cover (the head: everyone's), with a form to record one."""
    form = _absence_form(request, data=request.POST or None,
                         initial={"user": request.user.pk})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            absent = form.cleaned_data.get("user") or request.user
            try:
                absence = absence_record(by=request.user, user=absent,
                                         data=form.service_data())
            except ValidationError as exc:
                _absence_errors(form, exc)
            else:
                messages.success(request, _("Absence recorded: %(sub)s covers %(name)s from "
                                            "%(start)s.") % {
                    "sub": absence.substitute, "name": absence.user,
                    "start": date_format(timezone.localtime(absence.starts_at),
                                         "SHORT_DATE_FORMAT")})
                return redirect("team:absences")
        status = 422
    return render(request, "team/absences.html", {
        "form": form,
        "upcoming": absences_upcoming(user=request.user),
        "past": absences_visible(user=request.user).filter(ends_at__lte=timezone.now())[:20],
        "now": timezone.now(),
    }, status=status)


def _absence_errors(form, exc: ValidationError) -> None:
    # The service speaks of instants; the form of days.
    renamed = {"starts_at": "first_day", "ends_at": "last_day"}
    apply_errors(form, ValidationError({renamed.get(field, field): messages for field, messages
                                        in exc.message_dict.items()}))


def absence_edit_view(request, pk: int):
    """Extend, shorten or re-staff an absence that has not ended."""
    absence = get_visible_or_404(request.user, Absence.objects.select_related("user"), pk)
    local_end = timezone.localtime(absence.ends_at) - timedelta(microseconds=1)
    initial = {"first_day": timezone.localtime(absence.starts_at).date(),
               "last_day": local_end.date(), "reason": absence.reason,
               "substitute": absence.substitute_id, "note": absence.note}
    form = _absence_form(request, data=request.POST or None, initial=initial, absence=absence)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # Only what the person changed: an absence recorded to the minute (API, CLI)
            # keeps its exact instants when only its note or substitute is edited.
            data = form.service_data()
            changed = set(form.changed_data)
            renamed = {"starts_at": "first_day", "ends_at": "last_day"}
            data = {key: value for key, value in data.items()
                    if renamed.get(key, key) in changed}
            if absence.starts_at <= timezone.now():
                data.pop("starts_at", None)  # begun: the start stays as it was
            try:
                absence_update(by=request.user, absence=absence, data=data)
            except ValidationError as exc:
                _absence_errors(form, exc)
            else:
                messages.success(request, _("Absence updated."))
                return redirect("team:absences")
        status = 422
    return render(request, "team/absence_edit.html", {"form": form, "absence": absence},
                  status=status)


@require_POST
def absence_end_view(request, pk: int):
    """The manager is back early (or the absence is called off)."""
    absence = get_visible_or_404(request.user, Absence.objects.select_related("user"), pk)
    try:
        ended = absence_end(by=request.user, absence=absence)
    except ValidationError as exc:
        messages.error(request, error_sentence(exc))
    else:
        messages.success(request, _("Welcome back: the substitute's rights ended now.")
                         if ended else _("The absence was cancelled."))
    return redirect("team:absences")


def dismiss_view(request, pk: int):
    """The head dismisses a manager: a preview of what they hold, the receivers, one step."""
    ensure(request.user, "dismiss")
    person = get_visible_or_404(request.user, User, pk)
    people = users_active_for_cover(user=request.user).exclude(pk=person.pk)
    split_by = request.POST.get("split_by") or request.GET.get("split_by") or ""
    if split_by not in dict(split_fields()):
        split_by = ""
    values = handover_split_values(user=request.user, person=person, split_by=split_by)
    form = DismissForm(request.POST if request.method == "POST" else None,
                       initial={"split_by": split_by}, people=people,
                       split_choices=split_fields(), split_values=values)
    status = 200
    if request.method == "POST" and "preview" not in request.POST:
        if form.is_valid() and not form.cleaned_data["confirm"]:
            form.add_error("confirm", _("Tick this box to confirm the dismissal."))
        if form.is_valid():
            try:
                moved = user_dismiss(by=request.user, user=person, plan=HandoverPlan(
                    to=form.cleaned_data["to"], split_by=split_by,
                    assignments=form.assignments()))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                summary = ", ".join(f"{count:,} {label}" for label, count in moved.items()
                                    if count)
                messages.success(request, _("%(name)s is dismissed; handed over: %(what)s.")
                                 % {"name": person, "what": summary or _("nothing")})
                return redirect("home:team")
        status = 422
    return render(request, "team/dismiss.html", {
        "person": person, "form": form, "holdings": holdings_of(user=request.user,
                                                                person=person),
        "covering": absences_upcoming(user=request.user).filter(substitute=person),
        "own_absences": absences_upcoming(user=request.user).filter(user=person),
    }, status=status)


@require_POST
def team_settings_view(request):
    """The head switches whether managers may read colleagues' portfolios."""
    ensure(request.user, "manage_team")
    form = TeamSettingsForm(request.POST)
    form.is_valid()
    team_settings_set(by=request.user,
                      managers_read_all=form.cleaned_data.get("managers_read_all", False))
    messages.success(request, _("Team settings saved."))
    return redirect("home:team")
