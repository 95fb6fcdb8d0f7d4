"""Writes for the team app: users, passwords, API tokens, sign-in records, appointments,
dismissals with their hand-over, absences and substitutes, and the team's settings."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from khata.core.changelog import record_change, record_event, record_moves, save_changes, snapshot
from khata.core.choices import ChangeAction
from khata.team.access import ensure, ensure_active, is_head, owner_paths, reach_changed
from khata.team.choices import AbsenceReason, AppointmentKind, Role
from khata.team.models import Absence, ApiToken, Appointment, TeamSettings, User

USER_FIELDS = ["email", "name", "role", "is_active", "is_staff"]
TOKEN_PREFIX = "khata"
# A token's last-use time is written at most this often, so scripts do not turn reads into writes.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@transaction.atomic
def user_create(*, by: User | None, email: str, role: str, name: str = "",
                password: str | None = None) -> tuple[User, str]:
    """Add a person to the team; returns the user and the password they will sign in with.

    `by=None` means the command line run by the installation's administrator. Without a
    password, a strong one is generated and returned once.
    """
    if by is not None:
        ensure(by, "manage_team")
    email = (email or "").strip().lower()
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if role not in Role.values:
        errors["role"] = [_("Role must be one of: %(roles)s.") % {"roles": ", ".join(Role.values)}]
    if not errors.get("email") and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("A user with this e-mail already exists.")]
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(12)
    else:
        try:
            validate_password(password, User(email=email, name=name))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(email=email, password=password, name=name.strip(),
                                    role=role, is_staff=role == Role.HEAD)
    record_change(actor=by, obj=user, fields=USER_FIELDS,
                  message=_("added from the command line") if by is None else "")
    return user, password


@transaction.atomic
def user_set_password(*, by: User, user: User, password: str) -> User:
    """Set a new password for `user` (their own, or anyone's for the head); validated first."""
    if by.pk != user.pk:
        ensure(by, "manage_team")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor=by, action=ChangeAction.EVENT, obj=user, message=_("password changed"))
    return user


def secret_digest(raw: str) -> str:
    """What is kept of a secret (API token, calendar-feed address): its SHA-256, in hex."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, by: User, user: User, name: str,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a bearer token for `user`; the secret is returned once and only its hash is kept."""
    ensure(by, "change", user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name, e.g. the script using it.")]})
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)  # read in the user's time zone
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": [_("The expiry must be in the future.")]})
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=prefix,
                                    digest=secret_digest(raw), expires_at=expires_at)
    record_change(actor=by, obj=token, fields=["name", "prefix", "expires_at"])
    return token, raw


@transaction.atomic
def token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """Stop a token from working, at once; revoking twice changes nothing."""
    ensure(by, "change", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        record_event(actor=by, action=ChangeAction.EVENT, obj=token, message=_("token revoked"))
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user behind a bearer token, or None; notes when the token was last used."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (ApiToken.objects.select_related("user").filter(prefix=parts[1]).first())
    if token is None or not hmac.compare_digest(token.digest, secret_digest(raw)):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def sign_in_record(*, user: User, request=None) -> None:
    """Note a successful sign-in in the change log."""
    record_event(actor=user, action=ChangeAction.LOGIN, obj=user, ip_address=client_ip(request))


def sign_out_record(*, user: User | None, request=None) -> None:
    """Note a sign-out in the change log."""
    if user is not None and user.is_authenticated:
        record_event(actor=user, action=ChangeAction.LOGOUT, obj=user,
                     ip_address=client_ip(request))


def sign_in_failure_record(*, username: str, request=None) -> None:
    """Note a failed sign-in, against the account when the name belongs to one."""
    user = User.objects.filter(email__iexact=(username or "").strip()).first()
    record_event(actor=None, action=ChangeAction.LOGIN_FAILED, obj=user,
                 message=_("failed sign-in as %(name)s") % {"name": (username or "")[:150]},
                 ip_address=client_ip(request))


# ---------------------------------------------------------------- appointment and hand-over

def set_password_path(user: User) -> str:
    """The one-time link (path) where a newly appointed person chooses their password.

    Django's reset token is built from the password hash and last sign-in, so the link stops
    working once it has been used; it also expires after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("team:set_password", args=[uid, default_token_generator.make_token(user)])


@transaction.atomic
def user_appoint(*, by: User | None, email: str, name: str = "", role: str = Role.MANAGER,
                 password: str | None = None) -> tuple[User, str | None]:
    """Appoint a manager (or a head), recorded as an appointment by `by`. Without a password
    the account starts without one and the returned one-time link lets them choose it; with
    one (the command line's --password) there is no link."""
    if by is not None:
        ensure(by, "appoint")
    user, _password = user_create(by=by, email=email, role=role, name=name,
                                  password=password)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Appointment.objects.create(user=user, kind=AppointmentKind.APPOINTED, by=by,
                               details={"role": role})
    record_event(actor=by, action=ChangeAction.EVENT, obj=user,
                 message=_("appointed as %(role)s") % {"role": user.get_role_display()})
    return user, set_password_path(user) if password is None else None


def user_by_reference(value) -> User | None:
    """A user given as an instance, an id or an e-mail address (forms, API, CLI)."""
    if isinstance(value, User):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return User.objects.filter(pk=int(text)).first()
    return User.objects.filter(email__iexact=text).first()


def _receiver(value, *, leaving: User | None, field: str) -> User:
    receiver = user_by_reference(value)
    if receiver is None or not receiver.is_active:
        raise ValidationError({field: [_("Choose an active member of the team.")]})
    if leaving is not None and receiver.pk == leaving.pk:
        raise ValidationError({field: [_("Choose someone other than the person leaving.")]})
    return receiver


def handover_models() -> list[type[models.Model]]:
    """Models whose records belong to a manager directly and move at a hand-over."""
    return [model for model in apps.get_models()
            if getattr(model, "access_handover_field", None)]


def _move(*, by: User | None, queryset, field: str, to: User, message: str) -> int:
    old_ids = dict(queryset.values_list("pk", f"{field}_id"))
    if not old_ids:
        return 0
    by_old: dict[int, list[int]] = {}
    for pk, old in old_ids.items():
        by_old.setdefault(old, []).append(pk)
    model = queryset.model
    followers = _followers(model, field)
    for old, pks in by_old.items():
        for start in range(0, len(pks), 1000):
            chunk = pks[start:start + 1000]
            record_moves(actor=by, objects=model._base_manager.filter(pk__in=chunk),
                         field=field, old=old, new=to.pk, message=message)
            # Records that follow (a company's contacts) move with it; their timelines say so.
            for follower, link in followers:
                record_moves(actor=by, field=field, old=old, new=to.pk, message=message,
                             objects=follower._base_manager.filter(**{f"{link}__in": chunk}))
            model._base_manager.filter(pk__in=chunk).update(**{field: to})
    return len(old_ids)


def _followers(model, field: str) -> list[tuple[type[models.Model], str]]:
    """Portfolio models owned through `model` (e.g. contacts: "company__owner" on a company's
    "owner"), with the name of their link to it."""
    found = []
    for candidate in apps.get_models():
        if candidate is model or not getattr(candidate, "access_portfolio", False):
            continue
        for path in owner_paths(candidate):
            link, _sep, rest = path.partition("__")
            if rest != field:
                continue
            try:
                target = candidate._meta.get_field(link)
            except Exception:  # noqa: BLE001 — a path through a reverse or missing field
                continue
            if getattr(target, "related_model", None) is model:
                found.append((candidate, link))
    return found


@transaction.atomic
def portfolio_assign(*, by: User, queryset, to: User) -> int:
    """Give the records in `queryset` (e.g. companies picked by a filter) to manager `to`
    (the head only); every record's timeline says so. Returns how many moved."""
    ensure(by, "manage_team")
    model = queryset.model
    field = getattr(model, "access_handover_field", None)
    if field is None:
        raise ValidationError({"records": [_("These records cannot be given to a manager.")]})
    to = _receiver(to, leaving=None, field="to")
    moved = _move(by=by, queryset=queryset.exclude(**{field: to}), field=field, to=to,
                  message=_("portfolio assigned to %(name)s") % {"name": to})
    if moved:
        Appointment.objects.create(user=to, kind=AppointmentKind.PORTFOLIO, by=by,
                                   details={str(model._meta.verbose_name_plural): moved})
    return moved


@dataclass
class HandoverPlan:
    """Who receives a leaving manager's records: one receiver, or a split by one field.

    `assignments` maps a value of `split_by` (e.g. a region, or an industry id) to a receiver;
    records with any other value go to `to`."""

    to: User | str | int | None
    split_by: str = ""
    assignments: dict[str, User | str | int] = field(default_factory=dict)


def _split_field(model, split_by: str):
    if split_by not in getattr(model, "access_handover_split_fields", ()):
        return None
    return model._meta.get_field(split_by)


def _split_keys(user: User, split_by: str, receivers: dict) -> tuple[dict, list[str]]:
    """Map the values people type (any case; an industry's code or id) to the values the
    leaving person's records hold; returns (value → receiver, values that match nothing)."""
    present: dict[str, object] = {}
    for model in handover_models():
        split = _split_field(model, split_by)
        if split is None:
            continue
        lookup = split.attname if split.is_relation else split.name
        values = model._base_manager.filter(**{model.access_handover_field: user}).values_list(
            lookup, flat=True).distinct()
        for value in values:
            if value in (None, ""):
                continue
            present[str(value).casefold()] = value
            if split.is_relation:  # also by the related record's code, e.g. ISIC "C" or "62"
                related = split.related_model._default_manager.filter(pk=value).first()
                code = getattr(related, "code", None)
                if code:
                    present[str(code).casefold()] = value
    mapped, unknown = {}, []
    for key, receiver in receivers.items():
        value = present.get(str(key).strip().casefold())
        if value is None:
            unknown.append(str(key))
        else:
            mapped[value] = receiver
    return mapped, unknown


@transaction.atomic
def user_dismiss(*, by: User | None, user: User, plan: HandoverPlan) -> dict[str, int]:
    """Dismiss `user` in one step: their records move to the receivers in `plan`, their
    absences end, the login is deactivated, sessions and API tokens stop working at once.
    Returns how many records of each kind moved. `by=None`: the command line."""
    if by is not None:
        ensure(by, "dismiss")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError({"user": [_("%(name)s has already left.") % {"name": user}]})
    if by is not None and by.pk == user.pk:
        raise ValidationError({"user": [_("You cannot dismiss yourself.")]})
    if user.is_head and not User.objects.filter(is_active=True, role=Role.HEAD).exclude(
            pk=user.pk).exists():
        raise ValidationError({"user": [_("Appoint another head first: the company would be "
                                          "left without one.")]})
    errors = {}
    default = None
    try:
        default = _receiver(plan.to, leaving=user, field="to")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    receivers = {}
    for value, receiver in (plan.assignments or {}).items():
        try:
            receivers[str(value)] = _receiver(receiver, leaving=user, field="assignments")
        except ValidationError as exc:
            errors.setdefault("assignments", []).append(
                f"{value}: {exc.message_dict['assignments'][0]}")
    if plan.split_by and not any(_split_field(model, plan.split_by)
                                 for model in handover_models()):
        errors["split_by"] = [_("Records cannot be split by “%(field)s”.")
                              % {"field": plan.split_by}]
    elif plan.split_by and receivers:
        receivers, unknown = _split_keys(user, plan.split_by, receivers)
        if unknown:
            errors.setdefault("assignments", []).append(
                _("%(name)s holds no record with %(field)s %(values)s.") % {
                    "name": user, "field": plan.split_by, "values": ", ".join(unknown)})
    if errors:
        raise ValidationError(errors)
    message = _("handed over from %(old)s on dismissal") % {"old": user}
    moved: dict[str, int] = {}
    for model in handover_models():
        owner_field = model.access_handover_field
        queryset = model._base_manager.filter(**{owner_field: user})
        split = _split_field(model, plan.split_by) if plan.split_by else None
        count = 0
        if split is not None:
            for value, receiver in receivers.items():
                lookup = split.attname if split.is_relation else split.name
                part = queryset.filter(**{lookup: value})
                count += _move(by=by, queryset=part, field=owner_field, to=receiver,
                               message=message)
        count += _move(by=by, queryset=model._base_manager.filter(**{owner_field: user}),
                       field=owner_field, to=default, message=message)
        moved[str(model._meta.verbose_name_plural)] = count
    now = timezone.now()
    ended = _absences_end_for_leaver(by=by, user=user, now=now)
    before = snapshot(user, ["is_active"])
    user.is_active = False
    user.set_unusable_password()  # the session hash changes: open sessions end now
    user.save(update_fields=["is_active", "password"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    record_change(actor=by, obj=user, before=before,
                  message=_("dismissed; records handed over to %(names)s") % {
                      "names": ", ".join(sorted({str(default), *map(str, receivers.values())}))})
    Appointment.objects.create(user=user, kind=AppointmentKind.DISMISSED, by=by, details={
        "moved": moved, "to": default.pk, "split_by": plan.split_by,
        "assignments": {str(value): receiver.pk for value, receiver in receivers.items()},
        "absences_ended": ended,
    })
    reach_changed()
    return moved


def _absences_end_for_leaver(*, by, user: User, now) -> int:
    """End the leaver's absences and the covers they were giving; drop future ones."""
    ended = 0
    for absence in Absence.objects.filter(Q(user=user) | Q(substitute=user), ends_at__gt=now):
        if absence.starts_at >= now:
            record_change(actor=by, obj=absence, action=ChangeAction.DELETE,
                          fields=ABSENCE_FIELDS, message=_("cancelled: %(name)s left")
                          % {"name": user})
            absence.delete()
        else:
            before = snapshot(absence, ["ends_at"])
            absence.ends_at = now
            absence.save(update_fields=["ends_at", "updated_at"])
            record_change(actor=by, obj=absence, before=before,
                          message=_("ended: %(name)s left") % {"name": user})
        ended += 1
    return ended


# ---------------------------------------------------------------- absences and substitutes

ABSENCE_FIELDS = ["user", "substitute", "starts_at", "ends_at", "reason", "note"]


def _lock_person(user: User) -> None:
    """Serialise changes to one person's absences, so two requests at the same moment cannot
    both pass the overlap check (PostgreSQL row lock; SQLite writes one at a time anyway)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def _ensure_may_manage_absence(by: User | None, absent: User) -> None:
    if by is None:  # the command line, run by the installation's administrator
        return
    ensure_active(by)
    if not (is_head(by) or by.pk == absent.pk):
        raise PermissionDenied(_("Only the head or the absent manager may record this."))


def _clean_absence(*, absent: User, data: dict, absence: Absence | None) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if "substitute" in data:
        substitute = user_by_reference(data["substitute"])
        if substitute is None:
            errors["substitute"] = [_("Choose the colleague who covers.")]
        elif substitute.pk == absent.pk:
            errors["substitute"] = [_("The absent person cannot cover their own absence.")]
        elif not substitute.is_active:
            errors["substitute"] = [_("%(name)s has left the company; choose someone else.")
                                    % {"name": substitute}]
        else:
            cleaned["substitute"] = substitute
    if "reason" in data:
        if data["reason"] not in AbsenceReason.values:
            errors["reason"] = [_("Reason must be one of: %(values)s.")
                                % {"values": ", ".join(AbsenceReason.values)}]
        else:
            cleaned["reason"] = data["reason"]
    if "note" in data:
        note = str(data["note"] or "").strip()
        if len(note) > 300:
            errors["note"] = [_("Keep the note under 300 characters.")]
        cleaned["note"] = note[:300]
    for name in ("starts_at", "ends_at"):
        if name in data:
            value = data[name]
            if not isinstance(value, datetime):
                errors[name] = [_("Enter a date and time.")]
            else:
                cleaned[name] = (timezone.make_aware(value) if timezone.is_naive(value)
                                 else value)
    starts = cleaned.get("starts_at", absence.starts_at if absence else None)
    ends = cleaned.get("ends_at", absence.ends_at if absence else None)
    if starts and ends and ends <= starts and not {"starts_at", "ends_at"} & errors.keys():
        errors["ends_at"] = [_("The absence must end after it starts.")]
    if ("ends_at" in cleaned and "ends_at" not in errors
            and cleaned["ends_at"] <= timezone.now()
            and (absence is None or cleaned["ends_at"] != absence.ends_at)):
        errors["ends_at"] = [_("The end must be in the future (to end it now, use “End now”).")]
    if starts and ends and not errors:
        clash = Absence.objects.filter(user=absent, starts_at__lt=ends, ends_at__gt=starts)
        if absence is not None:
            clash = clash.exclude(pk=absence.pk)
        other = clash.first()
        if other is not None:
            errors["starts_at"] = [_("%(name)s is already away %(start)s – %(end)s; change "
                                     "that absence instead.") % {
                "name": absent, "start": date_format(timezone.localtime(other.starts_at),
                                                     "SHORT_DATETIME_FORMAT"),
                "end": date_format(timezone.localtime(other.ends_at),
                                   "SHORT_DATETIME_FORMAT")}]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def absence_record(*, by: User | None, user: User, data: dict) -> Absence:
    """Record that `user` is away from `starts_at` to `ends_at` and who covers meanwhile.

    The substitute holds `user`'s portfolio with the same rights for exactly that window.
    `by=None`: the command line (the record names the absent person as its author)."""
    _ensure_may_manage_absence(by, user)
    if not user.is_active:
        raise ValidationError({"user": [_("%(name)s has left the company.") % {"name": user}]})
    _lock_person(user)
    missing = {name: [_("This field is required.")]
               for name in ("substitute", "starts_at", "ends_at", "reason")
               if data.get(name) in (None, "")}
    try:
        cleaned = _clean_absence(absent=user, data={k: v for k, v in data.items()
                                                    if k not in missing}, absence=None)
    except ValidationError as exc:
        raise ValidationError({**missing, **exc.message_dict}) from exc
    if missing:
        raise ValidationError(missing)
    absence = Absence.objects.create(user=user, created_by=by or user, **cleaned)
    record_change(actor=by, obj=absence, fields=ABSENCE_FIELDS)
    reach_changed()
    return absence


@transaction.atomic
def absence_update(*, by: User | None, absence: Absence, data: dict) -> Absence:
    """Extend, shorten or re-staff an absence that has not ended yet."""
    if by is not None:
        ensure(by, "view", absence)
    _ensure_may_manage_absence(by, absence.user)
    if absence.ends_at <= timezone.now():
        raise ValidationError({"ends_at": [_("This absence is over; record a new one.")]})
    data = {key: value for key, value in data.items()
            if key in {"substitute", "starts_at", "ends_at", "reason", "note"}}
    if "starts_at" in data and absence.starts_at <= timezone.now() and \
            data["starts_at"] != absence.starts_at:
        raise ValidationError({"starts_at": [_("The absence has begun; its start is fixed.")]})
    _lock_person(absence.user)
    cleaned = _clean_absence(absent=absence.user, data=data, absence=absence)
    save_changes(actor=by, obj=absence, values=cleaned)
    reach_changed()
    return absence


@transaction.atomic
def absence_end(*, by: User | None, absence: Absence) -> Absence | None:
    """The manager is back: a current absence ends now, a future one is cancelled (None)."""
    if by is not None:
        ensure(by, "view", absence)
    _ensure_may_manage_absence(by, absence.user)
    now = timezone.now()
    if absence.ends_at <= now:
        raise ValidationError({"ends_at": [_("This absence is already over.")]})
    if absence.starts_at > now:
        record_change(actor=by, obj=absence, action=ChangeAction.DELETE, fields=ABSENCE_FIELDS,
                      message=_("cancelled"))
        absence.delete()
        reach_changed()
        return None
    before = snapshot(absence, ["ends_at"])
    absence.ends_at = now
    absence.save(update_fields=["ends_at", "updated_at"])
    record_change(actor=by, obj=absence, before=before, message=_("ended early"))
    reach_changed()
    return absence


@transaction.atomic
def team_settings_set(*, by: User, managers_read_all: bool) -> TeamSettings:
    """Let managers read colleagues' portfolios, or not (the head only)."""
    ensure(by, "manage_team")
    current, _created = TeamSettings.objects.get_or_create(pk=1)
    before = snapshot(current, ["managers_read_all"])
    current.managers_read_all = bool(managers_read_all)
    current.save()
    record_change(actor=by, obj=current, before=before)
    reach_changed()
    return current


@transaction.atomic
def user_set_role(*, by: User | None, user: User, role: str) -> User:
    """Make someone head or manager (the head only; `by=None`: the command line); takes
    effect on their next request."""
    if by is not None:
        ensure(by, "manage_team")
    if role not in Role.values:
        raise ValidationError({"role": [_("Role must be one of: %(roles)s.")
                                        % {"roles": ", ".join(Role.values)}]})
    if by is not None and user.pk == by.pk and role != Role.HEAD:
        raise ValidationError({"role": [_("Ask another head to change your own role.")]})
    before = snapshot(user, ["role", "is_staff", "is_superuser"])
    user.role = role
    user.is_staff = role == Role.HEAD
    if role != Role.HEAD:
        user.is_superuser = False  # a superuser counts as head; a demotion must take that too
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    record_change(actor=by, obj=user, before=before)
    return user
