"""Routes of the public web-to-lead form, mounted under /f/ (config/urls.py)."""

from django.urls import path

from khata.prospecting import views_public

app_name = "webform"

urlpatterns = [
    path("embed/<int:pk>/", views_public.embed_code_view, name="embed"),
    path("<str:key>/", views_public.web_form_view, name="form"),
    path("<str:key>/thanks/", views_public.web_form_thanks_view, name="thanks"),
]
