from django.urls import path

from khata.catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list_view, name="products"),
    path("products/new/", views.product_form_view, name="product_create"),
    path("products/<int:pk>/", views.product_detail_view, name="product"),
    path("products/<int:pk>/edit/", views.product_form_view, name="product_edit"),
]
