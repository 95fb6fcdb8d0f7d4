from django.urls import path

from khata.prospecting import views

app_name = "prospecting"

urlpatterns = [
    path("leads/", views.lead_list_view, name="leads"),
    path("leads/new/", views.lead_create_view, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail_view, name="lead"),
    path("leads/<int:pk>/qualify/", views.lead_qualify_view, name="lead_qualify"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify_view, name="lead_disqualify"),
    path("leads/<int:pk>/reopen/", views.lead_reopen_view, name="lead_reopen"),
    path("leads/<int:pk>/release/", views.lead_release_view, name="lead_release"),
    path("search-methods/", views.method_list_view, name="methods"),
    path("search-methods/new/", views.method_create_view, name="method_create"),
    path("search-methods/<int:pk>/", views.method_edit_view, name="method_edit"),
    path("analysis/", views.analysis_view, name="analysis"),
    path("analysis/refresh/", views.figures_refresh_view, name="figures_refresh"),
    path("prospects/best-fit/", views.fit_list_view, name="fit_list"),
    path("segments/", views.segment_list_view, name="segments"),
    path("segments/new/", views.segment_builder_view, name="segment_create"),
    path("segments/<int:pk>/", views.segment_detail_view, name="segment"),
    path("segments/<int:pk>/edit/", views.segment_builder_view, name="segment_edit"),
    path("segments/<int:pk>/export/", views.segment_export_view, name="segment_export"),
    path("segments/<int:pk>/delete/", views.segment_delete_view, name="segment_delete"),
]
