"""Writes to the client database. Each service checks rights, validates everything it is given,
writes atomically and records the change (DESIGN §4)."""

from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.choices import (
    BuyingRole,
    Channel,
    ConsentMethod,
    ConsentStatus,
    Lifecycle,
    PreferredChannel,
    RevenueBand,
    SizeTier,
    TaxScheme,
)
from khata.clients.models import Company, Consent, Contact, Industry, Need
from khata.clients.panels import MERGE_HOOKS, MERGE_UNDO_HOOKS
from khata.clients.validation import (
    choice_cleaner,
    clean_fields,
    normalise_country,
    normalise_email,
    normalise_phone,
    normalise_tax_number,
    normalise_website,
    text_cleaner,
)
from khata.core.changelog import (
    record_change,
    record_changes,
    record_event,
    save_changes,
    snapshot,
)
from khata.core.choices import ChangeAction
from khata.team.access import (
    can,
    ensure,
    ensure_active,
    is_head,
    may_act_for,
    may_reassign,
)
from khata.team.models import User

COMPANY_FIELDS = [
    "display_name", "legal_name", "registration_number", "tax_scheme", "tax_number", "industry",
    "employees", "size_tier", "revenue_band", "country", "region", "city", "website", "domain",
    "lifecycle", "owner", "source", "notes",
]
CONTACT_FIELDS = [
    "company", "name", "job_title", "buying_role", "email", "email_alt", "phone", "mobile",
    "fax", "preferred_channel", "notes",
]


def _employees(value, _data):
    if value in (None, ""):
        return None
    try:
        number = int(str(value).replace(",", "").replace("_", "").strip())
    except ValueError as exc:
        raise ValidationError(_("Enter a whole number of employees.")) from exc
    if number < 0 or number > 10_000_000:
        raise ValidationError(_("Enter a number between 0 and 10,000,000."))
    return number


def _industry(value, _data):
    if value in (None, ""):
        return None
    if isinstance(value, Industry):
        return value
    industry = Industry.objects.filter(code=str(value).strip().upper()).first()
    if industry is None and str(value).isdigit():
        industry = Industry.objects.filter(pk=int(value)).first()
    if industry is None:
        raise ValidationError(_("Unknown industry “%(value)s”; use an ISIC section (A–U) or "
                                "division (01–99).") % {"value": value})
    return industry


def size_tier_for(employees: int | None) -> str:
    """The size tier a head count falls in."""
    if employees is None:
        return ""
    for limit, tier in [(10, SizeTier.MICRO), (50, SizeTier.SMALL), (250, SizeTier.MEDIUM),
                        (1000, SizeTier.LARGE)]:
        if employees < limit:
            return tier
    return SizeTier.ENTERPRISE


def _company_cleaners(*, by: User, company: Company | None = None):
    def owner(value, _data):
        if value in (None, ""):
            return by
        user = value if isinstance(value, User) else User.objects.filter(
            pk=value if str(value).isdigit() else None).first() or User.objects.filter(
            email__iexact=str(value)).first()
        if company is not None and not may_reassign(by, company.owner_id,
                                                    getattr(user, "pk", None)):
            raise ValidationError(_("Only the head of the company moves a company to another "
                                    "portfolio."))
        if not is_head(by) and (user is None or not may_act_for(by, user)):
            # One answer whether or not the person exists: a manager learns nothing about
            # who works here by trying ids or addresses.
            raise ValidationError(_("You may give a company only to yourself or to a "
                                    "colleague you are covering for."))
        if user is None or not user.is_active:
            raise ValidationError(_("Choose an active member of the team."))
        return user

    return {
        "display_name": text_cleaner(200, required=True),
        "legal_name": text_cleaner(200),
        "registration_number": text_cleaner(64),
        "tax_scheme": choice_cleaner(TaxScheme),
        "tax_number": text_cleaner(64),
        "industry": _industry,
        "employees": _employees,
        "size_tier": choice_cleaner(SizeTier),
        "revenue_band": choice_cleaner(RevenueBand),
        "country": lambda value, _data: normalise_country(value),
        "region": text_cleaner(100),
        "city": text_cleaner(100),
        "website": text_cleaner(300),
        "lifecycle": choice_cleaner(Lifecycle, required=True),
        "owner": owner,
        "source": text_cleaner(100),
        "notes": text_cleaner(20_000),
    }


def _clean_company(*, by: User, data: dict, company: Company | None,
                   cleaners: dict | None = None) -> tuple[dict, dict]:
    """Validated values for a company, or every field's error at once."""
    cleaned, errors = clean_fields(data, cleaners or _company_cleaners(by=by, company=company))
    country = cleaned.get("country", company.country if company else "")
    if "website" in cleaned and "website" not in errors:
        try:
            cleaned["website"], cleaned["domain"] = normalise_website(cleaned["website"])
        except ValidationError as exc:
            errors["website"] = exc.messages
    if ("tax_number" in cleaned or "tax_scheme" in cleaned) and not (
            {"tax_number", "tax_scheme"} & errors.keys()):
        number = cleaned.get("tax_number", company.tax_number if company else "")
        scheme = cleaned.get("tax_scheme", company.tax_scheme if company else "")
        try:
            cleaned["tax_scheme"], cleaned["tax_number"] = normalise_tax_number(
                number, scheme, country)
        except ValidationError as exc:
            errors["tax_number"] = exc.messages
    if "employees" in cleaned and not cleaned.get("size_tier") and "size_tier" not in errors:
        tier = size_tier_for(cleaned["employees"])
        if tier and (company is None or not company.size_tier or "size_tier" in data):
            cleaned["size_tier"] = tier
    return cleaned, errors


def company_validator(*, by: User) -> Callable[[dict], tuple[dict, dict]]:
    """A checker of new companies' fields without writing, `check(data)` → (clean values,
    errors by field), for many in a row (an import): the field checkers are made once."""
    cleaners = _company_cleaners(by=by)
    return lambda data: _clean_company(by=by, data=data, company=None, cleaners=cleaners)


def contact_validate(*, by: User, data: dict) -> tuple[dict, dict]:
    """Check contact fields (company excepted) without writing: (clean values, errors)."""
    cleaners = _contact_cleaners(by=by, company=None)
    cleaners.pop("company")
    return clean_fields(data, cleaners)


def _needs(values, *, by: User) -> list[Need]:
    """Needs by id or name; names not in the vocabulary yet are added to it."""
    needs = []
    for value in values or []:
        if isinstance(value, Need):
            needs.append(value)
            continue
        text = str(value).strip()
        if not text:
            continue
        need = (Need.objects.filter(pk=int(text)).first() if text.isdigit()
                else Need.objects.filter(name__iexact=text).first())
        if need is None:
            need = need_create(by=by, name=text)
        if need not in needs:
            needs.append(need)
    return needs


@transaction.atomic
def need_create(*, by: User, name: str, description: str = "") -> Need:
    """Add a need to the shared vocabulary (any manager may)."""
    ensure_active(by)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Name the need.")]})
    if len(name) > 80:
        raise ValidationError({"name": [_("Keep it under 80 characters.")]})
    existing = Need.objects.filter(name__iexact=name).first()
    if existing:
        return existing
    need = Need(name=name, description=description.strip()[:300], created_by=by)
    ensure(by, "create", need)
    need.save()
    record_change(actor=by, obj=need, fields=["name", "description"])
    return need


@transaction.atomic
def company_create(*, by: User, data: dict) -> Company:
    """Add a company to a portfolio (the creator's, unless the head names another owner)."""
    ensure_active(by)
    data = {"lifecycle": Lifecycle.PROSPECT, **data}
    cleaned, errors = _clean_company(by=by, data=data, company=None)
    if "display_name" not in data:
        errors["display_name"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    cleaned.setdefault("owner", by)
    company = Company(**cleaned)
    ensure(by, "create", company)
    company.save()
    needs = _needs(data.get("needs"), by=by)
    company.needs.set(needs)
    record_change(actor=by, obj=company,
                  fields=[name for name in COMPANY_FIELDS if name in cleaned],
                  extra={"needs": [None, sorted(need.name for need in needs)]} if needs else None)
    return company


@transaction.atomic
def company_update(*, by: User, company: Company, data: dict) -> Company:
    """Change the fields given in `data` (others stay as they are); records old and new values."""
    ensure(by, "change", company)
    if data.get("owner", "missing") in (None, ""):
        data = {key: value for key, value in data.items() if key != "owner"}  # no change
    cleaned, errors = _clean_company(by=by, data=data, company=company)
    if errors:
        raise ValidationError(errors)
    before = snapshot(company, [name for name in COMPANY_FIELDS if name in cleaned])
    extra = None
    if "needs" in data:
        old_needs = sorted(company.needs.values_list("name", flat=True))
        needs = _needs(data["needs"], by=by)
        company.needs.set(needs)
        extra = {"needs": [old_needs, sorted(need.name for need in needs)]}
    for name, value in cleaned.items():
        setattr(company, name, value)
    company.save()
    record_change(actor=by, obj=company, before=before, extra=extra)
    return company


@transaction.atomic
def company_verify(*, by: User, company: Company) -> Company:
    """Mark the company's data as checked today by `by` (resets its freshness clock)."""
    ensure(by, "change", company)
    before = snapshot(company, ["last_verified_at", "last_verified_by"])
    company.last_verified_at = timezone.now()
    company.last_verified_by = by
    company.save(update_fields=["last_verified_at", "last_verified_by", "updated_at"])
    record_change(actor=by, obj=company, before=before)
    return company


@transaction.atomic
def company_delete(*, by: User, company: Company) -> Company:
    """Hide a company and its contacts (soft delete: `company_restore` undoes it)."""
    ensure(by, "delete", company)
    now = timezone.now()
    company.deleted_at = now
    company.save(update_fields=["deleted_at", "updated_at"])
    record_change(actor=by, obj=company, fields=["display_name"], action=ChangeAction.DELETE)
    return company


@transaction.atomic
def company_restore(*, by: User, company: Company) -> Company:
    """Bring back a deleted company (a merged one comes back by undoing its merge)."""
    ensure(by, "change", company)
    if company.merged_into_id is not None:
        raise ValidationError({"company": [_("This company was merged into another; undo the "
                                             "merge to bring it back.")]})
    if company.deleted_at is None:
        return company
    company.deleted_at = None
    company.save(update_fields=["deleted_at", "updated_at"])
    record_event(actor=by, action=ChangeAction.RESTORE, obj=company)
    return company


def _contact_cleaners(*, by: User, company: Company | None):
    def company_field(value, _data):
        target = value if isinstance(value, Company) else Company.objects.filter(
            pk=value if str(value).isdigit() else None).first()
        if target is None or not can(by, "change", target):
            raise ValidationError(_("Choose a company in your portfolio."))
        if company is not None and not may_reassign(by, company.owner_id, target.owner_id):
            raise ValidationError(_("Only the head moves a contact to another portfolio."))
        return target

    def country(data):
        target = data.get("company")
        if isinstance(target, Company):
            return target.country
        return company.country if company else ""

    def phone(value, data):
        return normalise_phone(value, country(data))

    return {
        "company": company_field,
        "name": text_cleaner(200, required=True),
        "job_title": text_cleaner(150),
        "buying_role": choice_cleaner(BuyingRole),
        "email": lambda value, _data: normalise_email(value),
        "email_alt": lambda value, _data: normalise_email(value),
        "phone": phone,
        "mobile": phone,
        "fax": phone,
        "preferred_channel": choice_cleaner(PreferredChannel),
        "notes": text_cleaner(20_000),
    }


@transaction.atomic
def contact_create(*, by: User, data: dict) -> Contact:
    """Add a person to a company in the user's portfolio."""
    ensure_active(by)
    cleaned, errors = clean_fields(data, _contact_cleaners(by=by, company=None))
    for required in ("company", "name"):
        if required not in data:
            errors.setdefault(required, [_("This field is required.")])
    if errors:
        raise ValidationError(errors)
    contact = Contact(**cleaned)
    ensure(by, "create", contact)
    contact.save()
    record_change(actor=by, obj=contact, fields=[name for name in CONTACT_FIELDS
                                                 if name in cleaned])
    return contact


@transaction.atomic
def contact_update(*, by: User, contact: Contact, data: dict) -> Contact:
    """Change the contact's fields given in `data`; moving them needs rights on both companies."""
    ensure(by, "change", contact)
    cleaned, errors = clean_fields(data, _contact_cleaners(by=by, company=contact.company))
    if errors:
        raise ValidationError(errors)
    save_changes(actor=by, obj=contact, values=cleaned)
    return contact


@transaction.atomic
def contact_delete(*, by: User, contact: Contact) -> Contact:
    """Hide a contact (soft delete)."""
    ensure(by, "delete", contact)
    contact.deleted_at = timezone.now()
    contact.save(update_fields=["deleted_at", "updated_at"])
    record_change(actor=by, obj=contact, fields=["name"], action=ChangeAction.DELETE)
    return contact


@transaction.atomic
def consent_record(*, by: User, contact: Contact, channel: str, status: str, method: str,
                   at=None, note: str = "") -> Consent:
    """Record that the contact gave or withdrew consent for a channel, when and how."""
    ensure(by, "change", contact)
    _cleaned, errors = clean_fields(
        {"channel": channel, "status": status, "method": method},
        {"channel": choice_cleaner(Channel, True), "status": choice_cleaner(ConsentStatus, True),
         "method": choice_cleaner(ConsentMethod, True)})
    at = at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)  # read in the user's time zone
    if at > timezone.now() + timedelta(minutes=5):
        errors["at"] = [_("Consent cannot be dated in the future.")]
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(contact=contact, channel=channel, status=status,
                                     method=method, at=at, note=note.strip()[:300],
                                     recorded_by=by)
    message = _("%(channel)s consent %(status)s (%(method)s)") % {
        "channel": Channel(channel).label, "status": ConsentStatus(status).label,
        "method": ConsentMethod(method).label}
    record_event(actor=by, action=ChangeAction.EVENT, obj=contact, message=message)
    return consent


MERGE_FIELDS = [name for name in COMPANY_FIELDS if name not in {"owner", "domain"}] + [
    "last_verified_at"]


def _related_foreign_keys():
    """Every foreign key from another model to Company (later apps' leads, deals… included)."""
    return [relation for relation in Company._meta.related_objects
            if relation.one_to_many and relation.related_model is not Company
            and relation.related_model._meta.label != "clients.Merge"]


@transaction.atomic
def company_merge(*, by: User, survivor: Company, other: Company,
                  take_from_other: set[str] | None = None):
    """Make two duplicates one: `survivor` keeps its fields except those in `take_from_other`,
    gains `other`'s related records and needs; `other` is hidden. `company_merge_undo` reverts.
    """

    from khata.clients.models import Merge

    ensure(by, "change", survivor)
    ensure(by, "change", other)
    if survivor.pk == other.pk:
        raise ValidationError({"other": [_("Choose two different companies.")]})
    if not may_reassign(by, other.owner_id, survivor.owner_id):
        raise ValidationError({"other": [_("The two companies are in different portfolios: "
                                           "only the head merges them.")]})
    unknown = set(take_from_other or ()) - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError({"fields": [_("Unknown fields: %(f)s.")
                                          % {"f": ", ".join(sorted(unknown))}]})
    before = snapshot(survivor, MERGE_FIELDS + ["domain"])
    for name in take_from_other or ():
        setattr(survivor, name, getattr(other, name))
        if name == "website":
            survivor.domain = other.domain
    survivor.save()
    after = snapshot(survivor, MERGE_FIELDS + ["domain"])
    moved, log = {}, []
    message = _("moved from %(other)s to %(name)s (merge)") % {
        "other": other.display_name, "name": survivor.display_name}
    settled = {}
    for name, hook in MERGE_HOOKS.items():
        record = hook(by=by, survivor=survivor, other=other)
        if record:
            settled[name] = record
    for relation in _related_foreign_keys():
        model, field_name = relation.related_model, relation.field.name
        manager = getattr(model, "all_objects", model._default_manager)
        rows = list(manager.filter(**{field_name: other}))
        if rows:
            manager.filter(pk__in=[row.pk for row in rows]).update(
                **{field_name: survivor}, **({"updated_at": timezone.now()}
                                            if hasattr(model, "updated_at") else {}))
            moved[f"{model._meta.label}.{field_name}"] = [row.pk for row in rows]
            log += [(row, ChangeAction.UPDATE, {field_name: [other.pk, survivor.pk]})
                    for row in rows]
    record_changes(actor=by, entries=log, message=message)  # each moved record says where
    linked = list(other.linked_contacts.values_list("pk", flat=True))
    if linked:
        survivor.linked_contacts.add(*linked)
        other.linked_contacts.clear()
        moved["clients.Contact.also_at"] = linked
    needs_added = list(other.needs.exclude(pk__in=survivor.needs.all())
                       .values_list("pk", flat=True))
    survivor.needs.add(*needs_added)
    other.deleted_at = timezone.now()
    other.merged_into = survivor
    other.save(update_fields=["deleted_at", "merged_into", "updated_at"])
    merge = Merge.objects.create(
        survivor=survivor, merged=other, by=by, moved=moved, needs_added=needs_added,
        settled=settled,
        # Only the fields the merge changed, as [before, after]: undo puts back those still
        # holding the merged value, and leaves later edits alone.
        survivor_before={name: [before[name], after[name]] for name in before
                         if before[name] != after[name]})
    record_change(actor=by, obj=survivor, before=before,
                  message=_("merged with %(name)s (#%(id)s)") % {"name": other.display_name,
                                                                 "id": other.pk})
    record_event(actor=by, action=ChangeAction.DELETE, obj=other,
                 message=_("merged into %(name)s (#%(id)s)") % {"name": survivor.display_name,
                                                                "id": survivor.pk})
    return merge


@transaction.atomic
def company_merge_undo(*, by: User, merge) -> Company:
    """Split a merge again: the fields it changed come back (unless edited since), the
    records it moved go home (those still at the survivor), and what other apps settled
    before the merge is put back by their undo hooks (clients.panels)."""
    from django.apps import apps

    from khata.clients.models import Merge

    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError({"merge": [_("This merge was already undone.")]})
    survivor = Company.all_objects.get(pk=merge.survivor_id)
    other = Company.all_objects.get(pk=merge.merged_id)
    ensure(by, "change", survivor)
    ensure(by, "change", other)
    if survivor.deleted_at is not None:
        raise ValidationError({"merge": [_("The surviving company was deleted or merged "
                                           "since; bring it back first.")]})
    current = snapshot(survivor, list(merge.survivor_before))
    before = dict(current)
    for name, (old, new) in merge.survivor_before.items():
        if current[name] == new:  # not edited since the merge
            field = Company._meta.get_field(name)
            setattr(survivor, field.attname, field.to_python(old) if old is not None else None)
    survivor.save()
    for key, ids in merge.moved.items():
        label, field_name = key.rsplit(".", 1)
        model = apps.get_model(label)
        if field_name == "also_at":
            still = list(survivor.linked_contacts.filter(pk__in=ids).values_list("pk",
                                                                                 flat=True))
            other.linked_contacts.add(*still)
            survivor.linked_contacts.remove(*still)
            continue
        manager = getattr(model, "all_objects", model._default_manager)
        manager.filter(pk__in=ids, **{field_name: survivor}).update(**{field_name: other})
    survivor.needs.remove(*merge.needs_added)
    other.deleted_at = None
    other.merged_into = None
    other.save(update_fields=["deleted_at", "merged_into", "updated_at"])
    for name, undo in MERGE_UNDO_HOOKS.items():
        undo(by=by, survivor=survivor, other=other, settled=merge.settled.get(name))
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    record_change(actor=by, obj=survivor, before=before,
                  message=_("merge with %(name)s undone") % {"name": other.display_name})
    record_event(actor=by, action=ChangeAction.RESTORE, obj=other,
                 message=_("split from %(name)s") % {"name": survivor.display_name})
    return survivor


@transaction.atomic
def saved_view_save(*, by: User, name: str, query: str):
    """Save (or overwrite) the user's view of the company list under a name."""
    from khata.clients.models import SavedView

    ensure_active(by)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Name the view, e.g. “Stale clients in Pune”.")]})
    view, _created = SavedView.objects.update_or_create(
        user=by, name=name[:80], defaults={"query": query.lstrip("?")[:2000]})
    return view


@transaction.atomic
def saved_view_delete(*, by: User, view) -> None:
    """Forget a saved view."""
    ensure(by, "delete", view)
    view.delete()


@transaction.atomic
def companies_bulk_verify(*, by: User, companies) -> int:
    """Mark many companies verified today; each is recorded."""
    count = 0
    for company in companies:
        company_verify(by=by, company=company)
        count += 1
    return count


@transaction.atomic
def companies_bulk_tag(*, by: User, companies, need_name: str) -> int:
    """Add one need to many companies."""
    need = need_create(by=by, name=need_name)
    count = 0
    for company in companies:
        ensure(by, "change", company)
        if not company.needs.filter(pk=need.pk).exists():
            old = sorted(company.needs.values_list("name", flat=True))
            company.needs.add(need)
            record_change(actor=by, obj=company, before={}, action=ChangeAction.UPDATE,
                          extra={"needs": [old, sorted([*old, need.name])]})
            count += 1
    return count


@transaction.atomic
def companies_bulk_reassign(*, by: User, companies, owner: User) -> int:
    """Give many companies to another manager (the head only)."""
    ensure(by, "manage_team")
    if not owner.is_active:
        raise ValidationError({"owner": [_("Choose an active member of the team.")]})
    count = 0
    for company in companies:
        if company.owner_id != owner.pk:
            company_update(by=by, company=company, data={"owner": owner})
            count += 1
    return count


@transaction.atomic
def freshness_rule_set(*, by: User, lifecycle: str, max_age_days: int | None):
    """Set how many days a company's data stays fresh for one lifecycle (head only)."""
    from khata.clients.models import FreshnessRule

    ensure(by, "manage_team")
    if lifecycle not in Lifecycle.values:
        raise ValidationError({"lifecycle": [_("Unknown lifecycle.")]})
    if max_age_days is not None and not 1 <= max_age_days <= 3650:
        raise ValidationError({"max_age_days": [_("Use between 1 and 3650 days, or leave it "
                                                  "empty for “never stale”.")]})
    rule, _created = FreshnessRule.objects.get_or_create(lifecycle=lifecycle)
    before = snapshot(rule, ["max_age_days"])
    rule.max_age_days = max_age_days
    rule.save()
    record_change(actor=by, obj=rule, before=before)
    return rule


ADDRESS_FIELDS = ["kind", "line1", "line2", "city", "region", "postcode", "country", "contact"]


def _clean_address(data: dict, company: Company) -> tuple[dict, dict]:
    from khata.clients.choices import AddressKind

    def contact(value, _data):
        if value in (None, ""):
            return None
        found = company.contacts.filter(pk=value if str(value).isdigit() else None).first()
        if found is None:
            raise ValidationError(_("Choose one of this company's contacts."))
        return found

    return clean_fields(data, {
        "kind": choice_cleaner(AddressKind, required=True),
        "line1": text_cleaner(200, required=True),
        "line2": text_cleaner(200),
        "city": text_cleaner(100),
        "region": text_cleaner(100),
        "postcode": text_cleaner(20),
        "country": lambda value, _data: normalise_country(value),
        "contact": contact,
    })


@transaction.atomic
def address_add(*, by: User, company: Company, data: dict):
    """Add a postal address to a company (or to one of its contacts)."""
    from khata.clients.models import Address

    ensure(by, "change", company)
    data = {"kind": "office", **data}
    cleaned, errors = _clean_address(data, company)
    if "line1" not in data:
        errors.setdefault("line1", [_("This field is required.")])
    if errors:
        raise ValidationError(errors)
    address = Address.objects.create(company=company, **cleaned)
    record_change(actor=by, obj=address, fields=[f for f in ADDRESS_FIELDS if f in cleaned])
    return address


@transaction.atomic
def address_update(*, by: User, address, data: dict):
    """Change an address."""
    ensure(by, "change", address)
    cleaned, errors = _clean_address(data, address.company)
    if errors:
        raise ValidationError(errors)
    save_changes(actor=by, obj=address, values=cleaned)
    return address


@transaction.atomic
def address_delete(*, by: User, address) -> None:
    """Remove an address (recorded with its last values)."""
    ensure(by, "delete", address)
    record_change(actor=by, obj=address, fields=["kind", "line1", "city"],
                  action=ChangeAction.DELETE)
    address.delete()


@transaction.atomic
def contact_link(*, by: User, contact: Contact, company: Company, linked: bool = True):
    """Note that a contact also works with another company (or no longer does)."""
    ensure(by, "change", contact)
    ensure(by, "change", company)
    if company.pk == contact.company_id:
        raise ValidationError({"company": [_("That is already the contact's own company.")]})
    before = sorted(contact.also_at.values_list("pk", flat=True))
    if linked:
        contact.also_at.add(company)
    else:
        contact.also_at.remove(company)
    after = sorted(contact.also_at.values_list("pk", flat=True))
    record_change(actor=by, obj=contact, before={}, action=ChangeAction.UPDATE,
                  extra={"also_at": [before, after]})
    return contact


@transaction.atomic
def freshness_rules_set(*, by: User, days: dict[str, int | None]):
    """Set several lifecycles' freshness at once: all of them, or none if one is wrong."""
    ensure(by, "manage_team")
    return [freshness_rule_set(by=by, lifecycle=lifecycle, max_age_days=value)
            for lifecycle, value in days.items()]
