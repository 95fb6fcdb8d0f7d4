"""Writes of planning: activities, tasks, contact plans, enrolments, advancing plans, feeds.

Split by subject (issue 6: the module passed 800 lines); every public name is re-exported
here, so callers import from `khata.planning.services` as before."""

from khata.planning.services.activities import (
    ACTIVITY_FIELDS,
    activity_delete,
    activity_log,
    activity_update,
)
from khata.planning.services.advance import AdvanceResult, plans_advance, step_task_key
from khata.planning.services.feeds import (
    FEED_PREFIX,
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_user,
)
from khata.planning.services.plans import (
    SEGMENT_LIMIT,
    SegmentEnrolled,
    enrolment_create,
    enrolment_create_segment,
    enrolment_exit,
    enrolment_pause,
    enrolment_resume,
    enrolments_revive_unmerged,
    enrolments_settle_merge,
    plan_create,
    plan_update,
)
from khata.planning.services.tasks import (
    SNOOZE_CHOICES,
    TASK_FIELDS,
    Outcome,
    task_complete,
    task_create,
    task_reopen,
    task_skip,
    task_snooze,
    task_update,
)

__all__ = [
    "ACTIVITY_FIELDS", "FEED_PREFIX", "SEGMENT_LIMIT", "SNOOZE_CHOICES", "TASK_FIELDS",
    "AdvanceResult", "Outcome", "SegmentEnrolled",
    "activity_delete", "activity_log", "activity_update",
    "calendar_feed_create", "calendar_feed_revoke", "calendar_feed_user",
    "enrolment_create", "enrolment_create_segment", "enrolment_exit", "enrolment_pause",
    "enrolment_resume", "enrolments_revive_unmerged", "enrolments_settle_merge",
    "plan_create", "plan_update", "plans_advance", "step_task_key",
    "task_complete", "task_create", "task_reopen", "task_skip", "task_snooze", "task_update",
]
