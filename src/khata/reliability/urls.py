from django.urls import path

from khata.reliability import views

app_name = "reliability"

urlpatterns = [
    path("reliability/", views.band_list_view, name="companies"),
    path("companies/<int:pk>/reliability/", views.company_card_view, name="card"),
    path("companies/<int:pk>/reliability/reassess/", views.reassess_view, name="reassess"),
    path("companies/<int:pk>/reliability/override/", views.override_view, name="override"),
    path("companies/<int:pk>/statements/", views.statements_view, name="statements"),
    path("companies/<int:pk>/invoices/", views.invoices_view, name="invoices"),
    path("companies/<int:pk>/checklist/", views.checklist_view, name="checklist"),
    path("statements/<int:pk>/edit/", views.statement_edit_view, name="statement_edit"),
    path("statements/<int:pk>/delete/", views.statement_delete_view, name="statement_delete"),
    path("invoices/<int:pk>/edit/", views.invoice_edit_view, name="invoice_edit"),
    path("invoices/<int:pk>/paid/", views.invoice_paid_view, name="invoice_paid"),
    path("overrides/<int:pk>/revoke/", views.override_revoke_view, name="override_revoke"),
]
