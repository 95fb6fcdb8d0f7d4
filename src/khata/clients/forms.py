"""Forms of the client database. They collect input; the services validate and write, and
their field errors are put back under the fields (`apply_errors`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from khata.clients.choices import (
    AddressKind,
    BuyingRole,
    Channel,
    ConsentMethod,
    ConsentStatus,
    Lifecycle,
    PreferredChannel,
    RevenueBand,
    SizeTier,
    TaxScheme,
)
from khata.clients.selectors import industries
from khata.core.forms import BootstrapFormMixin

BLANK = [("", "—")]


def industry_choices():
    choices = list(BLANK)
    for industry in industries():
        prefix = "" if industry.is_section else "\u2003"
        choices.append((industry.code, f"{prefix}{industry.code} {industry.name}"))
    return choices


class CompanyForm(BootstrapFormMixin, forms.Form):
    """Create or edit a company."""

    display_name = forms.CharField(label=_("Name"), max_length=200)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    lifecycle = forms.ChoiceField(label=_("Lifecycle"), choices=Lifecycle.choices,
                                  initial=Lifecycle.PROSPECT)
    industry = forms.ChoiceField(label=_("Industry (ISIC)"), required=False)
    employees = forms.CharField(label=_("Employees"), required=False, max_length=12)
    size_tier = forms.ChoiceField(label=_("Size"), choices=BLANK + SizeTier.choices,
                                  required=False,
                                  help_text=_("Left empty, it follows from the employees."))
    revenue_band = forms.ChoiceField(label=_("Revenue"), choices=BLANK + RevenueBand.choices,
                                     required=False)
    tax_scheme = forms.ChoiceField(label=_("Tax number type"), required=False,
                                   choices=[("", _("Recognise it"))] + TaxScheme.choices)
    tax_number = forms.CharField(label=_("Tax number"), required=False, max_length=64,
                                 help_text=_("GSTIN, PAN, EU or UK VAT, US EIN — checked."))
    registration_number = forms.CharField(label=_("Registration number"), required=False,
                                          max_length=64)
    website = forms.CharField(label=_("Website"), required=False, max_length=300)
    country = forms.CharField(label=_("Country"), required=False, max_length=2,
                              help_text=_("Two letters: IN, DE, US…"))
    region = forms.CharField(label=_("Region / state"), required=False, max_length=100)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    source = forms.CharField(label=_("Source"), required=False, max_length=100)
    needs = forms.CharField(label=_("Needs"), required=False,
                            help_text=_("Separate with commas; new needs join the list."))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = industry_choices()
        if owners is None:
            del self.fields["owner"]
        else:
            self.fields["owner"].choices = [(str(user.pk), str(user)) for user in owners]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["needs"] = [item.strip() for item in data.get("needs", "").split(",")
                         if item.strip()]
        if "owner" in data and not data["owner"]:
            del data["owner"]
        return data


class ContactForm(BootstrapFormMixin, forms.Form):
    """Create or edit a contact."""

    name = forms.CharField(label=_("Name"), max_length=200)
    job_title = forms.CharField(label=_("Job title"), required=False, max_length=150)
    buying_role = forms.ChoiceField(label=_("Role in buying"), required=False,
                                    choices=BLANK + BuyingRole.choices)
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=40)
    fax = forms.CharField(label=_("Fax"), required=False, max_length=40)
    preferred_channel = forms.ChoiceField(label=_("Preferred channel"), required=False,
                                          choices=BLANK + PreferredChannel.choices)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


class ConsentForm(BootstrapFormMixin, forms.Form):
    """Record consent given or withdrawn."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    status = forms.ChoiceField(label=_("Consent"), choices=ConsentStatus.choices)
    method = forms.ChoiceField(label=_("How"), choices=ConsentMethod.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class AddressForm(BootstrapFormMixin, forms.Form):
    """Add a postal address."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AddressKind.choices, initial="office")
    line1 = forms.CharField(label=_("Address"), max_length=200)
    line2 = forms.CharField(label=_("Line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Region / state"), max_length=100, required=False)
    postcode = forms.CharField(label=_("Postcode / PIN"), max_length=20, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False)
