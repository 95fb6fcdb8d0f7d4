"""Writes of activities: log, correct and remove contacts with clients; a reply or a meeting
pauses the company's running contact plans.

Each service is atomic, checks the access layer and records the change log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.models import Contact
from khata.clients.validation import choice_cleaner, clean_fields, text_cleaner
from khata.core.changelog import record_change, snapshot
from khata.core.choices import ChangeAction
from khata.planning.choices import (
    ActivityKind,
    ActivityStatus,
    Direction,
    EnrolmentStatus,
)
from khata.planning.models import (
    Activity,
    Enrolment,
)
from khata.planning.services.cleaning import (
    _check_links,
    _company_cleaner,
    _minutes,
    _pk,
    _related,
    _when,
)
from khata.prospecting.models import Lead
from khata.team.access import ensure, ensure_active, visible_to
from khata.team.models import User
from khata.team.services import user_by_reference

ACTIVITY_FIELDS = ["kind", "status", "direction", "subject", "starts_at", "duration_minutes",
                   "location", "company", "contact", "lead", "outcome", "next_step"]

# ---------------------------------------------------------------- activities

def _activity_cleaners(*, by: User):
    return {
        "kind": choice_cleaner(ActivityKind, required=True),
        "status": choice_cleaner(ActivityStatus),
        "direction": choice_cleaner(Direction),
        "subject": text_cleaner(200, required=True),
        "starts_at": _when,
        "duration_minutes": _minutes,
        "location": text_cleaner(200),
        "company": _company_cleaner(by=by, required=True),
        "contact": _related(Contact, _("Choose a contact of this company."), by=by),
        "lead": _related(Lead, _("Choose one of your leads."), by=by, action="change"),
        "outcome": text_cleaner(20_000),
        "next_step": text_cleaner(300),
    }


def _people(values, *, by: User, company, field_name: str, errors: dict):
    """Participants: contacts of the company and active colleagues."""
    found = []
    for value in values or []:
        if field_name == "contacts":
            item = visible_to(by, Contact.objects.filter(pk=_pk(value))).first()
            if item is None or (company is not None and item.company_id != company.pk):
                errors.setdefault(field_name, [_("Choose contacts of this company.")])
                return []
        else:
            item = user_by_reference(value)
            if item is None or not item.is_active:
                errors.setdefault(field_name, [_("“%(who)s” is not an active colleague.")
                                               % {"who": value}])
                return []
        found.append(item)
    return found


def _clean_activity(*, by: User, data: dict, activity: Activity | None):
    cleaned, errors = clean_fields(data, _activity_cleaners(by=by))
    company = cleaned.get("company", activity.company if activity else None)
    _check_links(cleaned, errors, company=company)
    contacts = _people(data.get("contacts"), by=by, company=company, field_name="contacts",
                       errors=errors) if "contacts" in data else None
    colleagues = _people(data.get("colleagues"), by=by, company=company,
                         field_name="colleagues", errors=errors) \
        if "colleagues" in data else None
    return cleaned, errors, contacts, colleagues


@transaction.atomic
def activity_log(*, by: User, data: dict) -> Activity:
    """Log a call, e-mail, meeting… with a company (done, or scheduled for later). A reply
    from the client or a meeting pauses the company's running contact plans."""
    ensure_active(by)
    data = {"status": ActivityStatus.DONE, "direction": Direction.OUTBOUND, **data}
    if data.get("starts_at") in (None, "") and data.get("status") == ActivityStatus.DONE:
        data["starts_at"] = timezone.now()
    cleaned, errors, contacts, colleagues = _clean_activity(by=by, data=data, activity=None)
    for required in ("kind", "subject", "company", "starts_at"):
        if required not in cleaned:
            errors.setdefault(required, [_("This field is required.")])
    if errors:
        raise ValidationError(errors)
    activity = Activity(**cleaned, created_by=by)
    ensure(by, "change", activity.company)
    activity.save()
    if contacts is not None:
        activity.contacts.set(contacts)
    if colleagues is not None:
        activity.colleagues.set(colleagues)
    record_change(actor=by, obj=activity, fields=[f for f in ACTIVITY_FIELDS if f in cleaned])
    _pause_for_activity(by=by, activity=activity)
    return activity


@transaction.atomic
def activity_update(*, by: User, activity: Activity, data: dict) -> Activity:
    """Correct an activity, or mark a scheduled one as done with its outcome."""
    ensure(by, "change", activity)
    data = {key: value for key, value in data.items() if key != "company"}
    cleaned, errors, contacts, colleagues = _clean_activity(by=by, data=data,
                                                            activity=activity)
    if errors:
        raise ValidationError(errors)
    before = snapshot(activity, list(cleaned))
    for name, value in cleaned.items():
        setattr(activity, name, value)
    activity.save()
    extra = {}
    if contacts is not None:
        old = sorted(activity.contacts.values_list("pk", flat=True))
        activity.contacts.set(contacts)
        extra["contacts"] = [old, sorted(c.pk for c in contacts)]
    if colleagues is not None:
        old = sorted(activity.colleagues.values_list("pk", flat=True))
        activity.colleagues.set(colleagues)
        extra["colleagues"] = [old, sorted(c.pk for c in colleagues)]
    record_change(actor=by, obj=activity, before=before, extra=extra)
    _pause_for_activity(by=by, activity=activity)
    return activity


@transaction.atomic
def activity_delete(*, by: User, activity: Activity) -> None:
    """Remove an activity logged by mistake (recorded with its values)."""
    ensure(by, "change", activity)
    record_change(actor=by, obj=activity, action=ChangeAction.DELETE,
                  fields=["kind", "subject", "starts_at", "company"])
    activity.delete()


def _pause_for_activity(*, by, activity: Activity) -> int:
    """A reply (an inbound contact) or a meeting pauses the company's running plans."""
    replied = activity.direction == Direction.INBOUND
    meeting = activity.kind == ActivityKind.MEETING
    if not (replied or meeting):
        return 0
    paused = 0
    for enrolment in Enrolment.objects.filter(company_id=activity.company_id,
                                              status=EnrolmentStatus.ACTIVE):
        before = snapshot(enrolment, ["status", "paused_at", "replied_at", "meeting_at"])
        enrolment.status = EnrolmentStatus.PAUSED
        enrolment.paused_at = timezone.now()
        if replied and enrolment.replied_at is None:
            enrolment.replied_at = activity.starts_at
        if meeting and enrolment.meeting_at is None:
            enrolment.meeting_at = activity.starts_at
        enrolment.save()
        record_change(actor=by, obj=enrolment, before=before,
                      message=_("paused: %(activity)s") % {"activity": activity})
        paused += 1
    return paused
