from django.urls import path

from khata.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.changes_view, name="changes"),
]
