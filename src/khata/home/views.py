"""The Today page and the health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from khata.core.selectors import worker_state
from khata.home.selectors import today_sections


def today_view(request):
    """What should I do today? The first page after signing in."""
    return render(request, "home/today.html", {"sections": today_sections(user=request.user)})


@login_not_required
@never_cache
def healthz_view(request):
    """Database and worker state for load balancers and monitoring (no data, no auth)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # any failure means "not healthy"; say which
        database = {"status": "down", "error": exc.__class__.__name__}
        return JsonResponse({"status": "down", "database": database}, status=503)
    worker = worker_state()
    status = "ok" if worker["status"] == "ok" else "degraded"
    return JsonResponse({"status": status, "database": database, "worker": worker})
