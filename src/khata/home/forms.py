"""Forms of the composed pages: appointing a manager with an initial portfolio."""

from django import forms
from django.utils.translation import gettext_lazy as _

from khata.clients.choices import Lifecycle
from khata.core.forms import BootstrapFormMixin
from khata.team.choices import Role
from khata.team.forms import PersonChoiceField
from khata.team.models import User


class AppointForm(BootstrapFormMixin, forms.Form):
    """A new member of the team and, optionally, the companies they start with."""

    email = forms.EmailField(label=_("E-mail"), help_text=_("They sign in with it."))
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MANAGER)
    from_owner = PersonChoiceField(
        label=_("Initial portfolio: companies now held by"), queryset=User.objects.none(),
        required=False, empty_label=_("— anyone —"))
    region = forms.CharField(label=_("… in the region / state"), required=False,
                             max_length=100)
    industry = forms.ChoiceField(label=_("… in the industry"), required=False)
    lifecycle = forms.ChoiceField(label=_("… with the lifecycle"), required=False,
                                  choices=[("", _("— any —")), *Lifecycle.choices])

    def __init__(self, *args, people, industries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_owner"].queryset = people
        self.fields["industry"].choices = [("", _("— any —")), *[
            (industry.code, f"{industry.code} · {industry.name}") for industry in industries]]

    def wants_portfolio(self) -> bool:
        data = self.cleaned_data
        return any(data.get(name) for name in ("from_owner", "region", "industry", "lifecycle"))
