from django.urls import path

from khata.home import views

app_name = "home"

urlpatterns = [
    path("", views.today_view, name="today"),
]
