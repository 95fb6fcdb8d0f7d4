from django.contrib import admin
from django.urls import include, path

from khata.config.api import api
from khata.home.views import healthz_view

admin.site.site_header = "Khata administration"
admin.site.site_title = "Khata admin"

urlpatterns = [
    path("", include("khata.home.urls")),
    path("", include("khata.team.urls")),
    path("", include("khata.clients.urls")),
    path("", include("khata.catalog.urls")),
    path("", include("khata.prospecting.urls")),
    path("", include("khata.prospecting.urls_fit")),
    path("", include("khata.planning.urls")),
    path("", include("khata.reliability.urls")),
    path("f/", include("khata.prospecting.urls_public")),
    path("audit/", include("khata.audit.urls")),
    path("api/v1/", api.urls),
    path("healthz", healthz_view, name="healthz"),
    path("admin/", admin.site.urls),
]
