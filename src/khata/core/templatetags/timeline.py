"""Turn change-log entries into words people read: field labels and readable values."""

from datetime import datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()


def _readable(field, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "j M Y, H:i")
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


@register.filter
def change_lines(change) -> list[dict]:
    """[{label, old, new}] for each changed field, with verbose names and display values."""
    model = change.content_type.model_class() if change.content_type_id else None
    lines = []
    for name, (old, new) in change.changes.items():
        field = None
        label = name.replace("_", " ")
        if model is not None:
            try:
                field = model._meta.get_field(name)
                label = str(getattr(field, "verbose_name", label))
            except FieldDoesNotExist:
                pass
        lines.append({"label": label, "old": None if old is None else _readable(field, old),
                      "new": _readable(field, new)})
    return lines
