"""The single access layer: who may see and do what. Every read and write passes here.

Each model says who owns it with `access_owner_path`, a lookup from the model to the owning
user ("owner" on a company, "company__owner" on a contact, "pk" on a user). Reference data
shared by the whole company (industries, needs, the product catalogue) says
`access_scope = "shared"`: everyone reads it, the head changes it, and managers may add to it
where the model says `access_shared_create = True`. Models with neither are the head's only.
A record that lives under a soft-deleted parent (a contact of a deleted company) names that
parent's `deleted_at` in `access_live_path`; it is hidden with its parent, for everyone.
Later issues extend *this* module (substitutes during an absence, reading colleagues'
portfolios), never the apps above it.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
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


def owner_path(model: type[models.Model]) -> str | None:
    return getattr(model, "access_owner_path", None)


def visible_to(user, queryset: QuerySet) -> QuerySet:
    """The part of `queryset` the user may see."""
    if not _is_usable(user):
        return queryset.none()
    live_paths = getattr(queryset.model, "access_live_path", ())
    for live_path in (live_paths,) if isinstance(live_paths, str) else live_paths:
        queryset = queryset.filter(**{f"{live_path}__isnull": True})
    if is_head(user) or _is_shared(queryset.model):
        return queryset
    path = owner_path(queryset.model)
    if path is None:
        return queryset.none()
    return queryset.filter(**{path: user.pk})


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
    if _is_shared(obj.__class__):
        return action == "view" or (action == "create"
                                    and getattr(obj, "access_shared_create", False))
    path = owner_path(obj.__class__)  # __class__ sees through request.user's lazy wrapper
    if path is None:
        return False
    return _owner_id(obj, path) == user.pk


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
