"""Form helpers shared by every app."""

from django.core.exceptions import ValidationError


def apply_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError under the matching fields (others above the form)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class BootstrapFormMixin:
    """Gives every widget Bootstrap's classes, marks invalid fields, focuses the first error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            input_type = getattr(field.widget, "input_type", "")
            css = {"checkbox": "form-check-input", "select": "form-select"}.get(
                input_type, "form-control")
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        first = True
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"
                if first:
                    widget.attrs["autofocus"] = True
                    first = False
