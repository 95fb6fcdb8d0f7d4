"""Forms of planning: quick-log an activity, a task, the plan builder, enrolling."""

from django import forms
from django.utils.translation import gettext_lazy as _

from khata.core.forms import BootstrapFormMixin
from khata.planning.choices import (
    ActivityKind,
    ActivityStatus,
    Direction,
    Priority,
    StepChannel,
)

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
STEP_ROWS = 6  # the builder shows this many step rows; empty ones are left out


class ActivityForm(BootstrapFormMixin, forms.Form):
    """A contact with the client: what, when, with whom, what came of it."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices,
                               initial=ActivityStatus.DONE)
    direction = forms.ChoiceField(label=_("Who reached out"), choices=Direction.choices,
                                  initial=Direction.OUTBOUND)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    starts_at = forms.DateTimeField(label=_("When"), required=False, widget=DATETIME,
                                    help_text=_("Empty: now."))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=30,
                                          required=False)
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    outcome = forms.CharField(label=_("Outcome"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "—"), *[(c.pk, c.name) for c in contacts]]

    def service_data(self) -> dict:
        data = {key: value for key, value in self.cleaned_data.items()
                if value not in (None, "") or key in {"outcome", "next_step", "location"}}
        if data.get("contact"):
            data["contacts"] = [data["contact"]]
        return data


class TaskForm(BootstrapFormMixin, forms.Form):
    """Something to do by a time, for someone who holds the record."""

    title = forms.CharField(label=_("Title"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due"), widget=DATETIME)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices,
                                 initial=Priority.NORMAL)
    assignee = forms.CharField(label=_("Assignee (e-mail)"), required=False,
                               help_text=_("Empty: you."))
    company = forms.IntegerField(label=_("Company (id)"), required=False,
                                 widget=forms.HiddenInput)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def service_data(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items()
                if value not in (None, "")}


class PlanForm(BootstrapFormMixin, forms.Form):
    """A contact plan's name and description (its steps come as numbered rows)."""

    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


def steps_from_post(post) -> list[dict]:
    """The builder's step rows (step-1-channel, step-1-delay_days…), empty rows left out."""
    steps = []
    for index in range(1, STEP_ROWS + 1):
        channel = post.get(f"step-{index}-channel", "")
        if not channel:
            continue
        steps.append({"channel": channel,
                      "delay_days": post.get(f"step-{index}-delay_days", "0"),
                      "instructions": post.get(f"step-{index}-instructions", ""),
                      "message_template": post.get(f"step-{index}-message_template", "")})
    return steps


def step_rows(steps: list[dict], errors: dict) -> list[dict]:
    """What the builder shows: STEP_ROWS rows, filled from `steps`, with their errors."""
    rows = []
    for index in range(1, STEP_ROWS + 1):
        step = steps[index - 1] if index <= len(steps) else {}
        rows.append({"n": index, **step,
                     "errors": {name: errors.get(f"steps.{index}.{name}", [])
                                for name in ("channel", "delay_days", "instructions",
                                             "message_template")}})
    return rows


CHANNELS = StepChannel.choices
