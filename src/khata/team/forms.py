"""Forms of the team app: sign-in, password change, API tokens."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from khata.core.forms import BootstrapFormMixin


class SignInForm(AuthenticationForm):
    """E-mail and password; the e-mail field keeps Django's `username` name for axes."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That e-mail and password do not match an active account."),
    }


class PasswordForm(BootstrapFormMixin, PasswordChangeForm):
    """Change one's own password (old one first)."""


class TokenCreateForm(BootstrapFormMixin, forms.Form):
    """Name a new API token and, optionally, when it stops working."""

    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What uses it, e.g. “nightly export script”."))
    expires_at = forms.DateTimeField(
        label=_("Expires"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a token that works until revoked."),
    )
