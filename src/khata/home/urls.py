from django.urls import path

from khata.home import views

app_name = "home"

urlpatterns = [
    path("", views.today_view, name="today"),
    path("team/", views.team_view, name="team"),
    path("team/appoint/", views.appoint_view, name="appoint"),
]
