"""Read-side questions of the team app, always through the access layer."""

from django.db.models import QuerySet

from khata.core.models import Change
from khata.team.access import visible_to
from khata.team.choices import Role
from khata.team.models import ApiToken, User


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
