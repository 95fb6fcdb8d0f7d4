"""Forms of the reliability pages: a statement, an invoice, its payment, the checklist and the
head's override. Amounts are taken as typed (the services parse them and name what is wrong),
so "12,34,567.50" and "-3000" reach the same checks as the API's figures."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.core.forms import BootstrapFormMixin
from khata.reliability.choices import Band, References, RegistryStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]


def _amount(label, help_text=""):
    return forms.CharField(label=label, required=False, max_length=30, help_text=help_text,
                           widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                         "autocomplete": "off"}))


def _values(form, names) -> dict:
    return {name: form.cleaned_data.get(name) for name in names}


class StatementForm(BootstrapFormMixin, forms.Form):
    """One fiscal year's figures, in one currency."""

    fiscal_year = forms.CharField(label=_("Fiscal year"), max_length=4,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    currency = forms.CharField(label=_("Currency"), max_length=10, initial="INR",
                               help_text=_("Three letters, e.g. INR."))
    revenue = _amount(_("Revenue (sales)"))
    ebit = _amount(_("EBIT"), _("Earnings before interest and tax; may be negative."))
    net_income = _amount(_("Net income"), _("May be negative."))
    total_assets = _amount(_("Total assets"))
    current_assets = _amount(_("Current assets"))
    total_liabilities = _amount(_("Total liabilities"))
    current_liabilities = _amount(_("Current liabilities"))
    retained_earnings = _amount(_("Retained earnings"), _("May be negative."))
    book_equity = _amount(_("Book equity"), _("May be negative."))
    listed = forms.BooleanField(label=_("Listed on a stock exchange"), required=False)
    market_equity = _amount(_("Market value of equity"), _("Only for a listed company."))

    FIELDS = ("fiscal_year", "currency", "revenue", "ebit", "net_income", "total_assets",
              "current_assets", "total_liabilities", "current_liabilities", "retained_earnings",
              "book_equity", "listed", "market_equity")

    def service_data(self) -> dict:
        return _values(self, self.FIELDS)


class InvoiceForm(BootstrapFormMixin, forms.Form):
    """An invoice we sent, and its payment once it came."""

    number = forms.CharField(label=_("Invoice number"), max_length=50)
    currency = forms.CharField(label=_("Currency"), max_length=10, initial="INR")
    amount = forms.CharField(label=_("Amount"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    issued_on = forms.DateField(label=_("Issued"), widget=DATE)
    due_on = forms.DateField(label=_("Due"), widget=DATE)
    paid_on = forms.DateField(label=_("Paid"), widget=DATE, required=False,
                              help_text=_("Empty: not paid yet."))
    paid_amount = _amount(_("Amount paid"), _("Empty: paid in full."))

    FIELDS = ("number", "currency", "amount", "issued_on", "due_on", "paid_on", "paid_amount")

    def service_data(self) -> dict:
        return _values(self, self.FIELDS)


class PaidForm(BootstrapFormMixin, forms.Form):
    """The day an invoice was paid (and how much, when not in full)."""

    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    paid_amount = _amount(_("Amount paid"), _("Empty: paid in full."))


class ChecklistForm(BootstrapFormMixin, forms.Form):
    """The manager's qualitative checklist; "not known" is an honest answer."""

    years_in_business = forms.CharField(
        label=_("Years in business"), required=False, max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Empty: not known."))
    registry_status = forms.ChoiceField(label=_("Registry status"),
                                        choices=RegistryStatus.choices)
    legal_disputes = forms.ChoiceField(label=_("Open legal disputes"), choices=YES_NO,
                                       required=False)
    references = forms.ChoiceField(label=_("Trade references"), choices=References.choices)
    ownership_known = forms.ChoiceField(label=_("Beneficial ownership known"), choices=YES_NO,
                                        required=False)

    @staticmethod
    def initial_from(answer) -> dict:
        if answer is None:
            return {}

        def yes_no(value):
            return "" if value is None else ("yes" if value else "no")

        return {"years_in_business": "" if answer.years_in_business is None
                else f"{answer.years_in_business.normalize():f}",
                "registry_status": answer.registry_status,
                "legal_disputes": yes_no(answer.legal_disputes),
                "references": answer.references,
                "ownership_known": yes_no(answer.ownership_known)}

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("legal_disputes", "ownership_known"):
            data[name] = {"yes": True, "no": False}.get(data.get(name) or "")
        data["years_in_business"] = data.get("years_in_business") or None
        return data


class OverrideForm(BootstrapFormMixin, forms.Form):
    """The head holds a company in a band, says why, and until when."""

    band = forms.ChoiceField(label=_("Band"), choices=Band.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept with the override and shown on the card."))
    expires_at = forms.DateField(label=_("Until"), widget=DATE,
                                 help_text=_("At most a year from today."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_at"].initial = timezone.localdate() + timedelta(days=90)
