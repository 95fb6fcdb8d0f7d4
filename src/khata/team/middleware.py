"""Request middleware of the team app."""

import zoneinfo

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils import timezone


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user, except the API (its own auth answers 401 in JSON)
    and the health check."""

    open_prefixes = ("/api/", "/healthz")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserTimeZoneMiddleware:
    """Show times in the signed-in user's time zone (stored times stay UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = getattr(getattr(request, "user", None), "time_zone", "")
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
