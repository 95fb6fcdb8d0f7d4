from django.urls import path

from khata.clients import views

app_name = "clients"

urlpatterns = [
    path("companies/", views.company_list_view, name="companies"),
    path("companies/new/", views.company_create_view, name="company_create"),
    path("companies/export/", views.company_export_view, name="company_export"),
    path("companies/bulk/", views.company_bulk_view, name="company_bulk"),
    path("companies/views/", views.saved_view_create_view, name="saved_view_create"),
    path("companies/views/<int:pk>/delete/", views.saved_view_delete_view,
         name="saved_view_delete"),
    path("companies/<int:pk>/", views.company_detail_view, name="company"),
    path("companies/<int:pk>/edit/", views.company_edit_view, name="company_edit"),
    path("companies/<int:pk>/verify/", views.company_verify_view, name="company_verify"),
    path("companies/<int:pk>/delete/", views.company_delete_view, name="company_delete"),
    path("companies/<int:pk>/restore/", views.company_restore_view, name="company_restore"),
    path("companies/<int:pk>/merge/", views.company_merge_view, name="company_merge"),
    path("merges/<int:pk>/undo/", views.merge_undo_view, name="merge_undo"),
    path("companies/<int:pk>/contacts/new/", views.contact_create_view, name="contact_create"),
    path("companies/<int:pk>/addresses/", views.address_create_view, name="address_create"),
    path("addresses/<int:pk>/delete/", views.address_delete_view, name="address_delete"),
    path("contacts/<int:pk>/links/", views.contact_link_view, name="contact_link"),
    path("contacts/", views.contact_list_view, name="contacts"),
    path("contacts/<int:pk>/edit/", views.contact_edit_view, name="contact_edit"),
    path("contacts/<int:pk>/consent/", views.consent_view, name="consent"),
]
