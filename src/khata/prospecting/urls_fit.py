from django.urls import path

from khata.prospecting import views_fit

app_name = "fit"

urlpatterns = [
    path("companies/<int:pk>/fit/", views_fit.company_fit_card_view, name="company_fit"),
]
