"""Pages of the team app: sign-in and out, password, account and API tokens."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khata.core.selectors import changes_for_object
from khata.team.access import get_visible_or_404
from khata.team.forms import PasswordForm, SignInForm, TokenCreateForm
from khata.team.models import ApiToken
from khata.team.selectors import tokens_of
from khata.team.services import token_create, token_revoke, user_set_password


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
