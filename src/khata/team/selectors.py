"""Read-side questions of the team app, always through the access layer."""

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db.models import Count, QuerySet
from django.utils import timezone

from khata.core.models import Change
from khata.team.access import can, colleagues, owner_paths, reach, visible_to
from khata.team.choices import Role
from khata.team.models import Absence, ApiToken, Appointment, TeamSettings, User


def users_visible(*, user: User) -> QuerySet[User]:
    """People the user may see: everyone for the head, themselves for a manager."""
    return visible_to(user, User.objects.all()).order_by("name", "email")


def managers_active(*, user: User) -> QuerySet[User]:
    """Active account managers in the user's reach."""
    return users_visible(user=user).filter(role=Role.MANAGER, is_active=True)


def tokens_of(*, user: User, owner: User) -> QuerySet[ApiToken]:
    """`owner`'s API tokens, newest first, if the user may see them."""
    return visible_to(user, ApiToken.objects.filter(user=owner)).order_by("-created_at")


def changes_visible(*, user: User) -> QuerySet[Change]:
    """Change-log entries the user may read: the head all, a manager their own."""
    return (visible_to(user, Change.objects.all())
            .select_related("actor", "on_behalf_of", "content_type").order_by("-at", "-id"))


def team_settings() -> TeamSettings:
    """The team's rules (defaults until the head changes them)."""
    return TeamSettings.objects.filter(pk=1).first() or TeamSettings(pk=1)


def absences_visible(*, user: User) -> QuerySet[Absence]:
    """Absences the user may see: their own and those they cover; the head's: everyone's."""
    return (visible_to(user, Absence.objects.all())
            .select_related("user", "substitute", "created_by").order_by("-starts_at", "-id"))


def absences_upcoming(*, user: User, now=None) -> QuerySet[Absence]:
    """Absences in the user's reach that have not ended, soonest first."""
    now = now or timezone.now()
    return absences_visible(user=user).filter(ends_at__gt=now).order_by("starts_at", "id")


def covering_now(*, user: User, now=None) -> list[Absence]:
    """The absences whose portfolios the user holds right now as a substitute (with chains)."""
    held = reach(user, now)
    if not held.covered:
        return []
    now = now or timezone.now()
    return list(Absence.objects.filter(user_id__in=held.covered, starts_at__lte=now,
                                       ends_at__gt=now)
                .select_related("user", "substitute").order_by("ends_at"))


def absences_own_recent(*, user: User, within: timedelta = timedelta(days=14),
                        now=None) -> tuple[Absence | None, Absence | None]:
    """The user's own absence going on now, and the latest one that ended in the last
    `within` (for "while you were away"), in one query."""
    now = now or timezone.now()
    current = ended = None
    for absence in (Absence.objects.filter(user=user, starts_at__lte=now,
                                           ends_at__gt=now - within)
                    .select_related("substitute").order_by("-ends_at")):
        if absence.ends_at > now:
            current = current or absence
        elif ended is None:
            ended = absence
    return current, ended


def changes_on_behalf_of(*, user: User, since, until=None, limit: int = 50) -> QuerySet[Change]:
    """What substitutes did in the user's name since `since`, newest first."""
    changes = changes_visible(user=user).filter(on_behalf_of=user, at__gte=since)
    if until is not None:
        changes = changes.filter(at__lte=until)
    return changes[:limit]


@dataclass
class Holding:
    """How many records of one kind a person holds (for the dismissal preview)."""

    label: str
    count: int
    moves: bool  # moves itself at a hand-over; otherwise it follows its company


def holdings_of(*, user: User, person: User) -> list[Holding]:
    """Everything `person` holds in their portfolio, kind by kind (the head only)."""
    if not can(user, "dismiss"):
        return []
    rows = []
    for model in apps.get_models():
        if not getattr(model, "access_portfolio", False):
            continue
        paths = owner_paths(model)
        manager = model._base_manager  # what a hand-over moves, deleted records too
        count = manager.filter(**{paths[0]: person.pk}).count() if paths else 0
        if count:
            rows.append(Holding(str(model._meta.verbose_name_plural), count,
                                bool(getattr(model, "access_handover_field", None))))
    return rows


def handover_split_values(*, user: User, person: User, split_by: str) -> list[tuple[str, str, int]]:
    """For a split hand-over: each value of `split_by` among `person`'s records, with a label
    and how many records have it, e.g. [("Kerala", "Kerala", 41), …]."""
    if not can(user, "dismiss") or not split_by:
        return []
    values: dict[str, list] = {}
    for model in apps.get_models():
        if split_by not in getattr(model, "access_handover_split_fields", ()):
            continue
        field = model._meta.get_field(split_by)
        lookup = field.attname if field.is_relation else field.name
        rows = (model._base_manager.filter(**{model.access_handover_field: person})
                .values_list(lookup).annotate(n=Count("pk")).order_by(lookup))
        related = {}
        if field.is_relation:
            ids = [value for value, _n in rows if value is not None]
            related = {obj.pk: str(obj) for obj in
                       field.related_model._default_manager.filter(pk__in=ids)}
        for value, count in rows:
            if value in (None, ""):
                continue
            key = str(value)
            label = related.get(value, key)
            entry = values.setdefault(key, [key, label, 0])
            entry[2] += count
    return sorted((tuple(entry) for entry in values.values()), key=lambda row: row[1])


def split_fields() -> list[tuple[str, str]]:
    """Fields a hand-over may be split by, with their labels."""
    seen = {}
    for model in apps.get_models():
        for name in getattr(model, "access_handover_split_fields", ()):
            seen.setdefault(name, str(model._meta.get_field(name).verbose_name))
    return list(seen.items())


def appointments_of(*, user: User, person: User) -> QuerySet[Appointment]:
    """Who appointed, dismissed or gave a portfolio to `person`, and when."""
    return visible_to(user, Appointment.objects.filter(user=person)).select_related("by")


def users_active_for_cover(*, user: User) -> QuerySet[User]:
    """Colleagues who may cover an absence or receive a hand-over: every active person
    (a manager picking a substitute must see the whole team's names)."""
    return colleagues(user, User.objects.all()).order_by("name", "email")
