"""Template filters of the reliability pages: probabilities as percentages, band colours."""

from django import template
from django.utils.formats import number_format

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
