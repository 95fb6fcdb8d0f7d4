"""Forms of prospecting: search methods, leads, disqualification, the segment builder."""

from django import forms
from django.utils.translation import gettext_lazy as _

from khata.clients.choices import SizeTier
from khata.core.forms import BootstrapFormMixin
from khata.prospecting.choices import MethodKind, Routing
from khata.team.selectors import users_active_for_cover


class SearchMethodForm(BootstrapFormMixin, forms.Form):
    """A way of finding clients, its period and what it cost."""

    name = forms.CharField(label=_("Name"), max_length=150,
                           help_text=_("e.g. “Pune Engineering Fair 2026”, “Dun & Bradstreet "
                                       "list, Q3”"))
    kind = forms.ChoiceField(label=_("Kind"), choices=MethodKind.choices)
    starts_on = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    cost = forms.CharField(label=_("Cost"), required=False, initial="0",
                           help_text=_("What it cost in all (stand, list price, fees)."))
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="INR")
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    form_enabled = forms.BooleanField(label=_("Public web form"), required=False)
    routing = forms.ChoiceField(label=_("Who gets the form's leads"), choices=Routing.choices,
                                required=False)
    routing_managers = forms.CharField(
        label=_("Managers in the rotation"), required=False,
        help_text=_("For round-robin: their e-mails, separated by commas."))
    routing_regions = forms.CharField(
        label=_("Regions"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For “by region”: one “Region = e-mail” per line; other regions go to "
                    "the method's owner."))

    @staticmethod
    def initial_for(method, *, user) -> dict:
        """The form's values for an existing method (the routing lists as people type them)."""
        initial = {name: getattr(method, name) for name in SearchMethodForm.base_fields
                   if name not in {"routing_managers", "routing_regions"}}
        initial["routing_managers"] = ", ".join(
            method.routing_managers.values_list("email", flat=True))
        emails = dict(users_active_for_cover(user=user).values_list("pk", "email"))
        initial["routing_regions"] = "\n".join(
            f"{region} = {emails.get(user_id, user_id)}"
            for region, user_id in (method.routing_regions or {}).items())
        return initial

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class LeadForm(BootstrapFormMixin, forms.Form):
    """A prospect: who, how to reach them, what they need, where they came from."""

    search_method = forms.ChoiceField(label=_("Found through"))
    company_name = forms.CharField(label=_("Company"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    website = forms.CharField(label=_("Website"), max_length=300, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Region / state"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False, initial="IN")
    industry = forms.CharField(label=_("Industry (ISIC code)"), max_length=4, required=False,
                               help_text=_("A section letter (C) or a division (28)."))
    size_tier = forms.ChoiceField(label=_("Size"), required=False,
                                  choices=[("", "—"), *SizeTier.choices])
    needs = forms.CharField(label=_("Needs"), required=False,
                            help_text=_("Comma-separated, e.g. Maintenance, Cloud"))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["search_method"].choices = [(m.pk, m.name) for m in methods]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["needs"] = [part.strip() for part in data.get("needs", "").split(",")
                         if part.strip()]
        return data


class DisqualifyForm(BootstrapFormMixin, forms.Form):
    """Why the lead is dropped."""

    reason = forms.ChoiceField(label=_("Why"))

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *[(r.pk, r.name) for r in reasons]]
