"""iCalendar (RFC 5545) for the personal feed and single-meeting downloads, built with the
`icalendar` package so lines are folded and text escaped as the standard says."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from khata.planning.choices import TaskStatus

PRODID = "-//Khata//Khata CRM//EN"
TASK_MINUTES = 15  # a task shows as a short event at its due time


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _activity_event(activity, *, host: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", activity.starts_at.astimezone(UTC))
    event.add("dtend", activity.starts_at.astimezone(UTC)
              + timedelta(minutes=max(activity.duration_minutes, 1)))
    event.add("summary", f"{activity.get_kind_display()}: {activity.subject} "
                         f"({activity.company.display_name})")
    description = "\n".join(part for part in [activity.outcome, activity.next_step] if part)
    if description:
        event.add("description", description)
    if activity.location:
        event.add("location", activity.location)
    event.add("status", "CONFIRMED")
    event.add("last-modified", activity.updated_at.astimezone(UTC))
    return event


def _task_event(task, *, host: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"task-{task.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", task.due_at.astimezone(UTC))
    event.add("dtend", task.due_at.astimezone(UTC) + timedelta(minutes=TASK_MINUTES))
    done = "✓ " if task.status == TaskStatus.DONE else ""
    company = f" ({task.company.display_name})" if task.company_id else ""
    event.add("summary", f"{done}{task.title}{company}")
    if task.notes:
        event.add("description", task.notes)
    event.add("transp", "TRANSPARENT")
    event.add("last-modified", task.updated_at.astimezone(UTC))
    return event


def feed_ics(*, name: str, activities, tasks, host: str, now: datetime) -> bytes:
    """A whole calendar: every activity and task as a VEVENT."""
    calendar = _calendar(name)
    for activity in activities:
        calendar.add_component(_activity_event(activity, host=host, stamp=now))
    for task in tasks:
        calendar.add_component(_task_event(task, host=host, stamp=now))
    return calendar.to_ical()


def activity_ics(activity, *, host: str, now: datetime) -> bytes:
    """One meeting as a calendar file to open in any calendar app."""
    calendar = _calendar(activity.subject)
    calendar.add_component(_activity_event(activity, host=host, stamp=now))
    return calendar.to_ical()
