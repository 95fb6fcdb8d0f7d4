from django.urls import path

from khata.audit import views, views_imports

app_name = "audit"

urlpatterns = [
    path("", views.changes_view, name="changes"),
    path("health/", views.data_health_view, name="health"),
    path("health/rules/", views.freshness_rules_view, name="freshness_rules"),
    path("imports/", views_imports.import_list_view, name="imports"),
    path("imports/<int:pk>/", views_imports.import_detail_view, name="import"),
    path("imports/<int:pk>/configure/", views_imports.import_configure_view,
         name="import_configure"),
    path("imports/<int:pk>/rejected.csv", views_imports.import_rejected_view,
         name="import_rejected"),
]
