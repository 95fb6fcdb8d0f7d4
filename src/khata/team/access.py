"""The single access layer: who may see and do what. Every read and write passes here.

Each model says who owns it with `access_owner_path`, a lookup from the model to the owning
user ("owner" on a company, "company__owner" on a contact, "pk" on a user). Reference data
shared by the whole company (industries, needs, the product catalogue) says
`access_scope = "shared"`: everyone reads it, the head changes it, and managers may add to it
where the model says `access_shared_create = True`; a shared record with an owner path (a
search method, a segment) is also changed by its owner. Models with neither are the head's only.
A record that lives under a soft-deleted parent (a contact of a deleted company) names that
parent's `deleted_at` in `access_live_path`; it is hidden with its parent, for everyone.

Portfolio records (`access_portfolio = True`: a company and everything hanging under it) are
also reachable by a *substitute* while the owner's absence is current, with the owner's full
rights, and readable by every manager when the head allows managers to read colleagues'
portfolios (`TeamSettings.managers_read_all`). Personal records (tokens, saved views, the
change log) never are. `reach()` works this out once per user object and keeps it until the
next absence boundary, so a request pays one or two small queries at most.
`access_owner_path` may be a tuple of lookups: the record belongs to each of them.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _


class NotFound(Http404):
    """The record does not exist *for this user* (a 404 that does not confirm it exists)."""


# Actions only the head of the company may take, whatever the record.
HEAD_ONLY_ACTIONS = frozenset({"manage_team", "appoint", "dismiss", "view_all"})
OBJECT_ACTIONS = frozenset({"view", "change", "delete", "create"})


def is_head(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active
                and getattr(user, "is_head", False))


def _is_usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _is_shared(model) -> bool:
    return getattr(model, "access_scope", None) == "shared"


def _is_portfolio(model) -> bool:
    return bool(getattr(model, "access_portfolio", False))


def owner_paths(model: type[models.Model]) -> tuple[str, ...]:
    path = getattr(model, "access_owner_path", None)
    if path is None:
        return ()
    return (path,) if isinstance(path, str) else tuple(path)


# How deep a chain of substitutes is followed (A away → B covers; B away too → C covers both).
MAX_CHAIN = 5
# Bumped by every service that changes absences or team settings, so reach() cached on a
# user object in this process is recomputed at once (other processes load users per request).
_generation = 0


def reach_changed() -> None:
    """Forget every cached `reach()` in this process (call after changing absences/settings)."""
    global _generation
    _generation += 1


@dataclass(frozen=True)
class Reach:
    """Whose portfolios a user holds right now, beyond their own."""

    covered: frozenset[int]  # absent owners whose rights the user has as a substitute
    read_all: bool  # the head lets managers read colleagues' portfolios
    computed_at: datetime
    valid_until: datetime | None  # the next absence boundary that changes the answer
    generation: int


def _compute_reach(user, now: datetime) -> Reach:
    from khata.team.models import Absence, TeamSettings  # models import this module's names

    covered: set[int] = set()
    frontier = {user.pk}
    valid_until = None
    for _depth in range(MAX_CHAIN):
        rows = Absence.objects.filter(
            substitute_id__in=frontier, ends_at__gt=now,
            user__is_active=True, substitute__is_active=True,
        ).values_list("user_id", "starts_at", "ends_at")
        found = set()
        for owner_id, starts_at, ends_at in rows:
            boundary = ends_at if starts_at <= now else starts_at
            valid_until = boundary if valid_until is None else min(valid_until, boundary)
            if starts_at <= now and owner_id != user.pk and owner_id not in covered:
                found.add(owner_id)
        if not found:
            break
        covered |= found
        frontier = found
    read_all = TeamSettings.objects.filter(managers_read_all=True).exists()
    return Reach(frozenset(covered), read_all, now, valid_until, _generation)


def reach(user, now: datetime | None = None) -> Reach:
    """The portfolios `user` holds at `now` (default: this instant) beyond their own."""
    now = now or timezone.now()
    if is_head(user):  # the head holds everything already; nothing to look up
        return Reach(frozenset(), True, now, None, _generation)
    cached = getattr(user, "_khata_reach", None)
    if (cached is not None and cached.generation == _generation
            and cached.computed_at <= now
            and (cached.valid_until is None or now < cached.valid_until)):
        return cached
    computed = _compute_reach(user, now)
    user._khata_reach = computed
    return computed


def _owner_q(paths: tuple[str, ...], ids) -> Q:
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}__in": ids}) if len(ids) > 1 else Q(**{path: next(iter(ids))})
    return condition


def visible_to(user, queryset: QuerySet, action: str = "view") -> QuerySet:
    """The part of `queryset` the user may see (or, with `action="change"`, change)."""
    if not _is_usable(user):
        return queryset.none()
    live_paths = getattr(queryset.model, "access_live_path", ())
    for live_path in (live_paths,) if isinstance(live_paths, str) else live_paths:
        queryset = queryset.filter(**{f"{live_path}__isnull": True})
    if is_head(user):
        return queryset
    paths = owner_paths(queryset.model)
    if _is_shared(queryset.model):
        if action == "view":
            return queryset
        return queryset.filter(_owner_q(paths, [user.pk])) if paths else queryset.none()
    if not paths:
        return queryset.none()
    if not _is_portfolio(queryset.model):
        return queryset.filter(_owner_q(paths, [user.pk]))
    owners = owners_in_reach(user, action)
    return queryset if owners is None else queryset.filter(_owner_q(paths, sorted(owners)))


def owners_in_reach(user, action: str = "view") -> frozenset[int] | None:
    """Whose portfolios `user` may see (or, with `action="change"`, change) right now, for
    figures stored per owner: None for everyone's (the head; managers reading all when the
    head allows it), else the user's own id and those of the absent managers they cover.
    `visible_to` asks it for every portfolio record, so the two cannot disagree."""
    if not _is_usable(user):
        return frozenset()
    if is_head(user):
        return None
    held = reach(user)
    if action == "view" and held.read_all:
        return None
    return frozenset({user.pk, *held.covered})


def _owner_id(obj: models.Model, path: str):
    """Follow `path` on an instance without extra queries where the ids are at hand."""
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    target = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    field_id = getattr(target, f"{last}_id", None)
    if field_id is not None:
        return field_id
    value = getattr(target, last, None)
    return getattr(value, "pk", value)


def _is_live(obj: models.Model) -> bool:
    """False when the record hangs under a soft-deleted parent (see `access_live_path`)."""
    live_paths = getattr(obj.__class__, "access_live_path", ())
    for live_path in (live_paths,) if isinstance(live_paths, str) else live_paths:
        *hops, last = live_path.split("__")
        target = obj
        for hop in hops:
            target = getattr(target, hop, None)
            if target is None:
                break
        else:
            if getattr(target, last, None) is not None:
                return False
    return True


def can(user, action: str, obj: models.Model | None = None) -> bool:
    """May `user` take `action` ("view", "change", "delete", "create", or a team action)?"""
    if not _is_usable(user):
        return False
    if obj is not None and not _is_live(obj):
        return False
    if action in HEAD_ONLY_ACTIONS:
        return is_head(user)
    if is_head(user):
        return True
    if obj is None:
        return False
    model = obj.__class__  # __class__ sees through request.user's lazy wrapper
    owners = {_owner_id(obj, path) for path in owner_paths(model)}
    if _is_shared(model):
        # Everyone reads shared records; some may be added by anyone; a shared record with an
        # owner (a search method, a segment) is changed by that owner (and the head).
        if action == "view":
            return True
        if action == "create":
            return bool(getattr(obj, "access_shared_create", False))
        return user.pk in owners
    if user.pk in owners:
        return True
    if not _is_portfolio(model) or not owners - {None}:
        return False
    held = reach(user)
    return bool(owners & held.covered) or (action == "view" and held.read_all)


def acting_for(actor, obj: models.Model | None):
    """The absent owner a substitute is acting for when changing `obj`, or None.

    The change log calls this for every entry, so "X on behalf of Y" needs no help from the
    services that write."""
    if obj is None or not _is_usable(actor) or is_head(actor):
        return None
    if not _is_portfolio(obj.__class__):
        return None
    held = reach(actor)
    if not held.covered:
        return None
    for path in owner_paths(obj.__class__):
        owner_id = _owner_id(obj, path)
        if owner_id in held.covered:
            return owner_id
    return None


def may_act_for(user, owner) -> bool:
    """May `user` give a record to `owner` (themselves, a manager they cover; the head: anyone)?"""
    if not _is_usable(user) or owner is None:
        return False
    owner_id = getattr(owner, "pk", owner)
    return is_head(user) or owner_id == user.pk or owner_id in reach(user).covered


def may_reassign(user, old_owner, new_owner) -> bool:
    """May `user` move a record from one portfolio to another? Only the head; anyone else
    (a substitute included) keeps records where they are, so covering an absence never
    carries the absent manager's clients off."""
    old_id, new_id = getattr(old_owner, "pk", old_owner), getattr(new_owner, "pk", new_owner)
    return is_head(user) or old_id == new_id


def colleagues(user, queryset: QuerySet) -> QuerySet:
    """The active people among `queryset` whose names the user may read when picking someone
    (a substitute, a receiver): every signed-in member of the team may; nobody else."""
    if not _is_usable(user):
        return queryset.none()
    return queryset.filter(is_active=True)


def ensure_active(user) -> None:
    """Raise unless a signed-in, active user is acting (services call it before building rows)."""
    if not _is_usable(user):
        raise PermissionDenied(_("Sign in first."))


def ensure(user, action: str, obj: models.Model | None = None) -> None:
    """Raise unless `can(user, action, obj)`: NotFound when the user may not even see `obj`."""
    if can(user, action, obj):
        return
    if obj is not None and action != "view" and can(user, "view", obj):
        raise PermissionDenied(_("You may not do this."))
    if obj is not None:
        raise NotFound(_("Not found."))
    raise PermissionDenied(_("You may not do this."))


def get_visible_or_404(user, model_or_queryset, pk):
    """The record with `pk` if the user may see it; NotFound otherwise (UI and API alike)."""
    queryset = (model_or_queryset if isinstance(model_or_queryset, QuerySet)
                else model_or_queryset._default_manager.all())
    try:
        return visible_to(user, queryset).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("Not found.")) from exc
