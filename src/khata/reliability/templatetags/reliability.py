"""Template filters of the reliability pages: probabilities as percentages, band colours."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

register = template.Library()

BAND_CLASSES = {"A": "text-bg-success", "B": "text-bg-primary", "C": "text-bg-info",
                "D": "text-bg-warning", "E": "text-bg-danger"}


@register.filter
def percent(value) -> str:
    """0.0423 → "4.2 %" (one decimal below 10 %, none above; in the user's locale)."""
    if value is None or value == "":
        return "—"
    share = float(value) * 100
    places = 1 if share < 10 else 0
    if 0 < share < 0.1:
        return "< 0.1 %"
    return f"{number_format(round(share, places), decimal_pos=places)} %"


@register.filter
def band_class(band) -> str:
    """The Bootstrap badge class of a band (grey for none)."""
    return BAND_CLASSES.get(band or "", "text-bg-secondary")


@register.filter
def signed(value) -> str:
    """Log-odds points with their sign: +0.45, −0.30."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    text = number_format(abs(number), decimal_pos=2)
    return f"+{text}" if number > 0 else (f"−{text}" if number < 0 else text)


# The scoring core speaks English with stable names (docs/reliability.md, "Known limits"); the
# card translates the labels it knows by name and shows any other as the core wrote it.
FACTOR_LABELS = {
    "dbt_weighted": _("days beyond terms, weighted by amount"),
    "dbt_trend": _("trend of days beyond terms (days per month)"),
    "open_overdue": _("open overdue amount"),
    "open_90": _("open more than 90 days beyond terms"),
    "years_in_business": _("years in business"),
    "registry_status": _("registry status"),
    "legal_disputes": _("open legal disputes"),
    "references": _("trade references"),
    "ownership_known": _("beneficial ownership known"),
    "has_statement": _("financial statement on file"),
    "x1": _("working capital / total assets"),
    "x2": _("retained earnings / total assets"),
    "x3": _("EBIT / total assets"),
    "x4b": _("book equity / total liabilities"),
    "x5": _("sales / total assets"),
    "has_payments": _("invoice history on file"),
    "share_late": _("share of invoices paid late"),
    "open_overdue_share": _("open overdue / last 12 months invoiced"),
    "references_good": _("trade references good"),
    "references_poor": _("trade references poor"),
    "registry_active": _("registry status active"),
}


@register.filter
def factor_label(factor) -> str:
    """A factor's label in the user's language where it is known by name."""
    name = factor.get("name", "") if isinstance(factor, dict) else ""
    return str(FACTOR_LABELS.get(name, factor.get("label") or name.replace("_", " ")))
