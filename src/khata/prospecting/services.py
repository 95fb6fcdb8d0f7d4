"""Writes of prospecting: search methods, leads (intake, qualify, disqualify), segments."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.choices import SizeTier
from khata.clients.selectors import company_lookalike, industry_by_code
from khata.clients.services import company_create, contact_create, need_create
from khata.clients.validation import (
    choice_cleaner,
    clean_fields,
    normalise_country,
    normalise_email,
    normalise_phone,
    normalise_website,
    text_cleaner,
)
from khata.core.changelog import record_change, save_changes, snapshot
from khata.core.choices import ChangeAction
from khata.core.validation import parse_amount, parse_currency
from khata.prospecting.choices import FigureDimension, LeadStatus, MethodKind, Routing
from khata.prospecting.models import (
    AudienceFigure,
    DisqualifyReason,
    Lead,
    SearchMethod,
    Segment,
    SegmentCount,
)
from khata.prospecting.segments import validate_rules
from khata.prospecting.selectors import rules_members
from khata.team.access import ensure, ensure_active, may_act_for, visible_to
from khata.team.models import User
from khata.team.services import user_by_reference

METHOD_FIELDS = ["name", "kind", "owner", "starts_on", "ends_on", "cost", "currency", "notes",
                 "is_active", "form_enabled", "routing", "routing_regions"]
LEAD_FIELDS = ["search_method", "owner", "company_name", "contact_name", "job_title", "email",
               "phone", "website", "country", "region", "city", "industry", "size_tier",
               "notes", "status"]


# ---------------------------------------------------------------- search methods

def _money(value, _data):
    return parse_amount("0" if value in (None, "") else value,
                        negative=_("A cost cannot be negative."))


def _date(value, _data):
    from datetime import date

    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc


def _bool(value, _data):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _currency(value, _data):
    return parse_currency(value or "INR")


def _owner_cleaner(*, by: User, refusal: str):
    """The record's owner: `by` when none is given, else someone `by` may act for."""
    def owner(value, _data):
        if value in (None, ""):
            return by
        user = user_by_reference(value)
        if user is None or not may_act_for(by, user) or not user.is_active:
            raise ValidationError(refusal)
        return user
    return owner


def _method_cleaners(*, by: User):
    owner = _owner_cleaner(by=by, refusal=_("You may name only yourself (the head: anyone "
                                            "active)."))

    def person(text: str) -> User:
        user = user_by_reference(text)
        if user is None or not user.is_active:
            raise ValidationError(_("“%(who)s” is not an active colleague.") % {"who": text})
        return user

    def regions(value, _data):
        """{"Goa": user or id or e-mail} or lines "Goa = asha@firm.in" → {"Goa": user id}."""
        if isinstance(value, str):
            pairs = [line.split("=", 1) for line in value.replace(";", "\n").splitlines()
                     if line.strip()]
            if any(len(pair) != 2 for pair in pairs):
                raise ValidationError(_("Write one “Region = e-mail” per line."))
            value = {region.strip(): who.strip() for region, who in pairs}
        if not isinstance(value, dict):
            raise ValidationError(_("Give regions with the colleague for each."))
        return {" ".join(str(region).split()): person(str(getattr(who, "pk", who))).pk
                for region, who in value.items() if str(region).strip()}

    def managers(value, _data):
        items = value if isinstance(value, list | tuple) else [
            part for part in str(value or "").replace(",", " ").split() if part]
        return [person(str(getattr(item, "pk", item))) for item in items]

    return {
        "name": text_cleaner(150, required=True),
        "kind": choice_cleaner(MethodKind, required=True),
        "routing_regions": regions,
        "routing_managers": managers,
        "owner": owner,
        "starts_on": _date,
        "ends_on": _date,
        "cost": _money,
        "currency": _currency,
        "notes": text_cleaner(20_000),
        "is_active": _bool,
        "form_enabled": _bool,
        "routing": choice_cleaner(Routing),
    }


def _clean_method(*, by: User, data: dict, method: SearchMethod | None) -> dict:
    cleaned, errors = clean_fields(data, _method_cleaners(by=by))
    starts = cleaned.get("starts_on", method.starts_on if method else None)
    ends = cleaned.get("ends_on", method.ends_on if method else None)
    if starts and ends and ends < starts and "ends_on" not in errors:
        errors["ends_on"] = [_("The period cannot end before it starts.")]
    name = cleaned.get("name")
    if name and "name" not in errors:
        clash = SearchMethod.objects.filter(name__iexact=name)
        if method is not None:
            clash = clash.exclude(pk=method.pk)
        if clash.exists():
            errors["name"] = [_("A search method with this name exists; pick another name.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def search_method_create(*, by: User, data: dict) -> SearchMethod:
    """Add a way of finding clients, with its period and cost (any manager)."""
    ensure_active(by)
    errors = {name: [_("This field is required.")] for name in ("name", "kind")
              if not data.get(name)}
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_method(by=by, data=data, method=None)
    cleaned.setdefault("owner", by)
    rotation = cleaned.pop("routing_managers", None)
    method = SearchMethod(**cleaned)
    ensure(by, "create", method)
    method.save()
    if rotation is not None:
        method.routing_managers.set(rotation)
    record_change(actor=by, obj=method, fields=[f for f in METHOD_FIELDS if f in cleaned])
    return method


@transaction.atomic
def search_method_update(*, by: User, method: SearchMethod, data: dict) -> SearchMethod:
    """Change a search method's details (its owner or the head)."""
    ensure(by, "change", method)
    if data.get("owner", "missing") in (None, ""):
        data = {key: value for key, value in data.items() if key != "owner"}  # no change
    cleaned = _clean_method(by=by, data=data, method=method)
    rotation = cleaned.pop("routing_managers", None)
    extra = None
    if rotation is not None:
        old = sorted(method.routing_managers.values_list("email", flat=True))
        method.routing_managers.set(rotation)
        extra = {"routing_managers": [old, sorted(user.email for user in rotation)]}
    save_changes(actor=by, obj=method, values=cleaned, extra=extra)
    return method


# ---------------------------------------------------------------- leads

def _lead_cleaners(*, by: User):
    def method(value, _data):
        found = value if isinstance(value, SearchMethod) else visible_to(
            by, SearchMethod.objects.filter(pk=value if str(value).isdigit() else None)).first()
        if found is None:
            raise ValidationError(_("Choose a search method."))
        return found

    owner = _owner_cleaner(by=by, refusal=_("You may give a lead only to yourself or to a "
                                            "colleague you are covering for."))

    def industry(value, _data):
        if value in (None, ""):
            return None
        found = industry_by_code(str(getattr(value, "code", value)))
        if found is None:
            raise ValidationError(_("Unknown industry code “%(code)s”.") % {"code": value})
        return found

    return {
        "search_method": method,
        "owner": owner,
        "company_name": text_cleaner(200, required=True),
        "contact_name": text_cleaner(200),
        "job_title": text_cleaner(150),
        "email": lambda value, _data: normalise_email(value),
        "phone": lambda value, data: normalise_phone(value, data.get("country") or ""),
        "website": text_cleaner(300),
        "country": lambda value, _data: normalise_country(value),
        "region": text_cleaner(100),
        "city": text_cleaner(100),
        "industry": industry,
        "size_tier": choice_cleaner(SizeTier),
        "notes": text_cleaner(20_000),
    }


def lead_validate(*, by: User, data: dict) -> tuple[dict, dict]:
    """Check lead fields without writing: (clean values, errors by field). For imports."""
    cleaned, errors = clean_fields(data, _lead_cleaners(by=by))
    if cleaned.get("website") and "website" not in errors:
        try:
            cleaned["website"], cleaned["domain"] = normalise_website(cleaned["website"])
        except ValidationError as exc:
            errors["website"] = exc.messages
    return cleaned, errors


def _needs(values, *, by: User) -> list:
    return [need_create(by=by, name=str(value)) for value in values or [] if str(value).strip()]


@transaction.atomic
def lead_create(*, by: User, data: dict) -> Lead:
    """Take in a prospect found by a search method. A lead that looks like a company already
    in the database is flagged (`matches_company`), never silently duplicated."""
    ensure_active(by)
    cleaned, errors = lead_validate(by=by, data=data)
    for required in ("search_method", "company_name"):
        if not data.get(required):
            errors.setdefault(required, [_("This field is required.")])
    if errors:
        raise ValidationError(errors)
    cleaned.setdefault("owner", by)
    lead = Lead(**cleaned)
    ensure(by, "create", lead)
    lead.matches_company = company_lookalike(
        user=by, name=lead.company_name, city=lead.city, domain=lead.domain, email=lead.email)
    lead.save()
    needs = _needs(data.get("needs"), by=by)
    lead.needs.set(needs)
    record_change(actor=by, obj=lead, fields=[f for f in LEAD_FIELDS if f in cleaned],
                  extra={"needs": [None, sorted(n.name for n in needs)]} if needs else None)
    return lead


@transaction.atomic
def lead_update(*, by: User, lead: Lead, data: dict) -> Lead:
    """Correct a lead's details while it is open."""
    ensure(by, "change", lead)
    if lead.status in {LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}:
        raise ValidationError({"status": [_("This lead is closed; reopen it first.")]})
    data = {key: value for key, value in data.items() if key in LEAD_FIELDS and key != "status"}
    cleaned, errors = lead_validate(by=by, data=data)
    if errors:
        raise ValidationError(errors)
    before = snapshot(lead, list(cleaned))
    for name, value in cleaned.items():
        setattr(lead, name, value)
    if lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.WORKING
    lead.save()
    record_change(actor=by, obj=lead, before=before)
    return lead


@transaction.atomic
def lead_qualify(*, by: User, lead: Lead, company=None, create_new: bool = False) -> Lead:
    """Turn a lead into a company and contact: join `company` (an existing one in the user's
    reach), or create a new one. When the lead looks like an existing company and neither is
    chosen, it refuses and names the lookalike, so nothing is duplicated by accident."""
    ensure(by, "change", lead)
    if lead.status in {LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}:
        raise ValidationError({"status": [_("This lead is already closed.")]})
    if company is not None:
        ensure(by, "change", company)
    else:
        lookalike = company_lookalike(user=by, name=lead.company_name, city=lead.city,
                                      domain=lead.domain, email=lead.email)
        if lookalike is not None and not create_new:
            raise ValidationError({"company": [
                _("This looks like “%(name)s”, already in the database: join it, or confirm "
                  "that it is a different company.") % {"name": lookalike}]})
        company = company_create(by=by, data={
            "display_name": lead.company_name, "website": lead.website,
            "country": lead.country, "region": lead.region, "city": lead.city,
            "industry": lead.industry.code if lead.industry else "",
            "size_tier": lead.size_tier, "owner": lead.owner,
            "source": lead.search_method.name[:100],
            "needs": list(lead.needs.all()), "notes": lead.notes})
    contact = None
    if lead.contact_name:
        contact = company.contacts.filter(email__iexact=lead.email).first() if lead.email \
            else None
        if contact is None:
            contact = contact_create(by=by, data={
                "company": company, "name": lead.contact_name, "job_title": lead.job_title,
                "email": lead.email, "phone": lead.phone})
    before = snapshot(lead, ["status", "company", "contact", "closed_at"])
    lead.status, lead.company, lead.contact = LeadStatus.QUALIFIED, company, contact
    lead.closed_at = timezone.now()
    lead.save()
    record_change(actor=by, obj=lead, before=before)
    return lead


@transaction.atomic
def lead_disqualify(*, by: User, lead: Lead, reason) -> Lead:
    """Drop a lead with a reason from the managed list."""
    ensure(by, "change", lead)
    if lead.status in {LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}:
        raise ValidationError({"status": [_("This lead is already closed.")]})
    found = reason if isinstance(reason, DisqualifyReason) else DisqualifyReason.objects.filter(
        pk=reason if str(reason).isdigit() else None, is_active=True).first()
    if found is None:
        raise ValidationError({"reason": [_("Choose why the lead is dropped.")]})
    before = snapshot(lead, ["status", "disqualify_reason", "closed_at"])
    lead.status, lead.disqualify_reason = LeadStatus.DISQUALIFIED, found
    lead.closed_at = timezone.now()
    lead.save()
    record_change(actor=by, obj=lead, before=before)
    return lead


@transaction.atomic
def lead_reopen(*, by: User, lead: Lead) -> Lead:
    """Undo a disqualification (a qualified lead stays with its company)."""
    ensure(by, "change", lead)
    if lead.status != LeadStatus.DISQUALIFIED:
        raise ValidationError({"status": [_("Only a dropped lead can be reopened.")]})
    before = snapshot(lead, ["status", "disqualify_reason", "closed_at"])
    lead.status, lead.disqualify_reason, lead.closed_at = LeadStatus.WORKING, None, None
    lead.save()
    record_change(actor=by, obj=lead, before=before)
    return lead


@transaction.atomic
def lead_release(*, by: User, lead: Lead) -> Lead:
    """Confirm that a web-form lead held for review is genuine: it becomes an ordinary lead
    (a spam one is disqualified instead)."""
    ensure(by, "change", lead)
    if not lead.held:
        raise ValidationError({"held": [_("This lead is not held for review.")]})
    before = snapshot(lead, ["held"])
    lead.held = False
    lead.save(update_fields=["held", "updated_at"])
    record_change(actor=by, obj=lead, before=before)
    return lead


@transaction.atomic
def disqualify_reason_create(*, by: User, name: str) -> DisqualifyReason:
    """Add a reason to the managed list (the head)."""
    name = " ".join((name or "").split())
    reason = DisqualifyReason(name=name[:100])
    ensure(by, "change", reason)
    if not name:
        raise ValidationError({"name": [_("Name the reason.")]})
    if DisqualifyReason.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [_("This reason is already in the list.")]})
    reason.save()
    record_change(actor=by, obj=reason, fields=["name"])
    return reason


# ---------------------------------------------------------------- segments

@transaction.atomic
def segment_save(*, by: User, data: dict, segment: Segment | None = None) -> Segment:
    """Create or change a segment; its rules are checked against the whitelist first, and
    the member count in `by`'s reach goes into its history."""
    ensure_active(by)
    errors = {}
    name = " ".join(str(data.get("name", segment.name if segment else "") or "").split())
    if not name:
        errors["name"] = [_("Name the segment.")]
    elif len(name) > 150:
        errors["name"] = [_("Keep it under 150 characters.")]
    rules = segment.rules if segment is not None and "rules" not in data else None
    if rules is None:
        try:
            rules = validate_rules(data.get("rules"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if segment is None:
        segment = Segment(owner=by)
        ensure(by, "create", segment)
        before = None
    else:
        ensure(by, "change", segment)
        before = snapshot(segment, ["name", "description", "rules"])
    segment.name, segment.rules = name, rules
    if "description" in data:
        segment.description = str(data["description"] or "")[:2000]
    segment.save()
    if before is None:
        record_change(actor=by, obj=segment, fields=["name", "description", "rules"])
    else:
        record_change(actor=by, obj=segment, before=before)
    # The count's history starts (or gains today's figure) with every save.
    # (On PostgreSQL a count past COUNT_BUDGET_MS is the planner's estimate; the recount
    # queued below puts the exact figure of the whole team in its place.)
    from khata.prospecting.figures_selectors import count_quickly

    segment_count_record(segment=segment,
                         count=count_quickly(rules_members(user=by, rules=segment.rules)).value)
    # Its stored figures (what its page and the analysis show) are counted again at once.
    from khata.prospecting.tasks import segment_figures_refresh_task

    segment_id = segment.pk
    transaction.on_commit(lambda: segment_figures_refresh_task.enqueue(segment_id))
    return segment


@transaction.atomic
def segment_delete(*, by: User, segment: Segment) -> None:
    """Remove a segment (its owner or the head); its count history goes with it."""
    ensure(by, "delete", segment)
    record_change(actor=by, obj=segment, action=ChangeAction.DELETE, fields=["name", "rules"])
    AudienceFigure.objects.filter(dimension=FigureDimension.SEGMENT, key=str(segment.pk)).delete()
    segment.delete()


def segment_count_record(*, segment: Segment, count: int) -> SegmentCount:
    """Keep today's member count in the segment's history (one entry per day)."""
    today = timezone.localdate()
    existing = segment.counts.filter(at__date=today).first()
    if existing is not None:
        SegmentCount.objects.filter(pk=existing.pk).update(count=count)
        existing.count = count
        return existing
    return SegmentCount.objects.create(segment=segment, count=count)
