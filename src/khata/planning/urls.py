from django.urls import path

from khata.planning import views

app_name = "planning"

urlpatterns = [
    path("activities/", views.activity_list_view, name="activities"),
    path("activities/<int:pk>/", views.activity_detail_view, name="activity"),
    path("activities/<int:pk>/edit/", views.activity_edit_view, name="activity_edit"),
    path("activities/<int:pk>/meeting.ics", views.activity_ics_view, name="activity_ics"),
    path("companies/<int:pk>/planning/", views.company_panel_view, name="company_panel"),
    path("companies/<int:pk>/activities/new/", views.activity_log_view, name="activity_log"),
    path("companies/<int:pk>/tasks/new/", views.company_task_create_view,
         name="company_task_create"),
    path("companies/<int:pk>/enrol/", views.company_enrol_view, name="company_enrol"),
    path("contacts/<int:pk>/planning/", views.contact_panel_view, name="contact_panel"),
    path("contacts/<int:pk>/activities/new/", views.contact_activity_log_view,
         name="contact_activity_log"),
    path("tasks/", views.task_list_view, name="tasks"),
    path("tasks/new/", views.task_create_view, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail_view, name="task"),
    path("tasks/<int:pk>/done/", views.task_done_view, name="task_done"),
    path("tasks/<int:pk>/skip/", views.task_skip_view, name="task_skip"),
    path("tasks/<int:pk>/snooze/", views.task_snooze_view, name="task_snooze"),
    path("plans/", views.plan_list_view, name="plans"),
    path("plans/new/", views.plan_create_view, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail_view, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit_view, name="plan_edit"),
    path("plans/<int:pk>/enrol/", views.plan_enrol_view, name="plan_enrol"),
    path("enrolments/<int:pk>/pause/", views.enrolment_pause_view, name="enrolment_pause"),
    path("enrolments/<int:pk>/resume/", views.enrolment_resume_view, name="enrolment_resume"),
    path("enrolments/<int:pk>/exit/", views.enrolment_exit_view, name="enrolment_exit"),
    path("calendar/", views.calendar_week_view, name="calendar"),
    path("calendar/month/", views.calendar_month_view, name="calendar_month"),
    path("calendar/feed/", views.calendar_feed_view, name="calendar_feed"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed_ics_view, name="feed_ics"),
]
