"""Writes of calendar feeds: a secret, revocable address per user."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.core.changelog import record_change, record_event
from khata.core.choices import ChangeAction
from khata.planning.models import (
    CalendarFeed,
)
from khata.team.access import ensure, ensure_active
from khata.team.models import User
from khata.team.services import secret_digest

# ---------------------------------------------------------------- calendar feed

FEED_PREFIX = "kcal"


@transaction.atomic
def calendar_feed_create(*, by: User) -> tuple[CalendarFeed, str]:
    """A new secret feed address for `by`'s calendar; an older one stops working. The secret
    is returned once; only its hash is kept."""
    ensure_active(by)
    for old in CalendarFeed.objects.filter(user=by, revoked_at__isnull=True):
        calendar_feed_revoke(by=by, feed=old)
    prefix = secrets.token_hex(6)
    raw = f"{FEED_PREFIX}{prefix}{secrets.token_urlsafe(32)}"
    feed = CalendarFeed.objects.create(user=by, prefix=prefix, digest=secret_digest(raw))
    record_change(actor=by, obj=feed, fields=["prefix"])
    return feed, raw


@transaction.atomic
def calendar_feed_revoke(*, by: User, feed: CalendarFeed) -> CalendarFeed:
    """Stop a feed address from working, at once (calendar apps then get 404)."""
    ensure(by, "change", feed)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
        record_event(actor=by, action=ChangeAction.EVENT, obj=feed,
                     message=_("calendar feed revoked"))
    return feed


def calendar_feed_user(raw: str) -> User | None:
    """The active user whose feed secret this is, or None (unknown, revoked, left)."""
    raw = (raw or "").strip()
    if not raw.startswith(FEED_PREFIX) or len(raw) > 120:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(digest=secret_digest(raw)).first()
    if feed is None or feed.revoked_at is not None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
