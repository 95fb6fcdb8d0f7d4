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

    def add_error(self, field, error):
        # Every error, from cleaning or from a service (apply_errors), marks its field, and
        # the first invalid field takes the focus.
        super().add_error(field, error)
        focused = any(widget.attrs.get("autofocus") for widget in
                      (self.fields[name].widget for name in self.errors if name in self.fields))
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
            widget.attrs["aria-invalid"] = "true"
            if not focused:
                widget.attrs["autofocus"] = True
                focused = True


def error_sentence(error: ValidationError) -> str:
    """A service's ValidationError as one line for a flash message (no form to put it on)."""
    if hasattr(error, "error_dict"):
        return " ".join(message for messages in error.message_dict.values()
                        for message in messages)
    return " ".join(error.messages)


def form_error_sentence(form) -> str:
    """A bound form's errors as one line for a flash message, each under its field's label
    (a form posted from a panel that is not on the page it returns to)."""
    parts = []
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        text = " ".join(messages)
        parts.append(f"{field.label}: {text}" if field is not None and field.label else text)
    return " ".join(parts)
