"""Forms of the team app: sign-in, passwords, API tokens, absences, dismissal, settings."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.core.forms import BootstrapFormMixin
from khata.team.choices import AbsenceReason
from khata.team.models import User


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


class FirstPasswordForm(BootstrapFormMixin, SetPasswordForm):
    """A newly appointed person chooses their password through the one-time link."""


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.email}"


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AbsenceForm(BootstrapFormMixin, forms.Form):
    """Away from the first day to the last day (whole days, in the user's time zone)."""

    user = PersonChoiceField(label=_("Who is away"), queryset=User.objects.none(),
                             required=False)
    first_day = forms.DateField(label=_("First day away"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day away"),
                               widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("The substitute's rights end at midnight after it."))
    reason = forms.ChoiceField(label=_("Reason"), choices=AbsenceReason.choices)
    substitute = PersonChoiceField(label=_("Substitute"), queryset=User.objects.none(),
                                   help_text=_("Holds your portfolio with your rights for "
                                               "these days only; everything they do is "
                                               "recorded as done on your behalf."))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, people, absent_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["substitute"].queryset = people
        if absent_choices is None:
            del self.fields["user"]
        else:
            self.fields["user"].queryset = absent_choices
            self.fields["user"].required = True

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot be before the first."))
        return data

    def service_data(self) -> dict:
        """What `absence_record` / `absence_update` take."""
        data = self.cleaned_data
        return {
            "substitute": data["substitute"], "reason": data["reason"], "note": data["note"],
            "starts_at": _local_midnight(data["first_day"]),
            "ends_at": _local_midnight(data["last_day"] + timedelta(days=1)),
        }


class DismissForm(BootstrapFormMixin, forms.Form):
    """Who receives a leaving manager's records: one person, or a split by a field."""

    to = PersonChoiceField(label=_("Hand everything (else) over to"),
                           queryset=User.objects.none())
    split_by = forms.ChoiceField(label=_("Split by"), required=False)
    confirm = forms.BooleanField(
        label=_("I understand: the login stops working now and the records move at once."),
        required=False)

    def __init__(self, *args, people, split_choices, split_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people
        self.fields["split_by"].choices = [("", _("— no split: one receiver —")),
                                           *split_choices]
        self.split_values = list(split_values)
        for index, (value, label, count) in enumerate(self.split_values):
            self.fields[f"assign_{index}"] = PersonChoiceField(
                label=f"{label} ({count})", queryset=people, required=False,
                empty_label=_("— the receiver above —"))
            self.fields[f"assign_{index}"].split_value = value

    def assignments(self) -> dict:
        return {self.fields[name].split_value: person
                for name, person in self.cleaned_data.items()
                if name.startswith("assign_") and person is not None}

    def assign_fields(self):
        return [self[name] for name in self.fields if name.startswith("assign_")]


class TeamSettingsForm(BootstrapFormMixin, forms.Form):
    """The head's switches for the whole team."""

    managers_read_all = forms.BooleanField(
        label=_("Managers may read colleagues' portfolios (not change them)"), required=False)
