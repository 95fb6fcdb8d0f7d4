"""Forms of the product catalogue (input only; services validate and write)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from khata.catalog.choices import Unit
from khata.clients.choices import SizeTier
from khata.core.forms import BootstrapFormMixin


class ProductForm(BootstrapFormMixin, forms.Form):
    """Create or edit a product."""

    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), required=False)
    purpose = forms.CharField(label=_("Purpose"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("The client's problem it solves, in their words."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    list_price = forms.CharField(label=_("List price"), max_length=20, initial="0")
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="INR")
    target_industries = forms.CharField(label=_("Target industries"), required=False,
                                        help_text=_("ISIC codes separated by commas: C, 24, 62"))
    target_size_tiers = forms.MultipleChoiceField(label=_("Target sizes"), required=False,
                                                  choices=SizeTier.choices,
                                                  widget=forms.CheckboxSelectMultiple)
    target_needs = forms.CharField(label=_("Needs it answers"), required=False,
                                   help_text=_("Need names separated by commas."))
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [
            (str(c.pk), f"{c.parent.name} › {c.name}" if c.parent else c.name)
            for c in categories]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("target_industries", "target_needs"):
            data[name] = [item.strip() for item in data[name].split(",") if item.strip()]
        return data
