"""Read-side questions of the data pages."""

from django.db.models import QuerySet

from khata.core.models import ImportJob
from khata.team.access import visible_to


def imports_visible(*, user) -> QuerySet[ImportJob]:
    """The user's imports (all of them for the head), newest first."""
    return visible_to(user, ImportJob.objects.select_related("created_by", "owner")).order_by(
        "-created_at")
