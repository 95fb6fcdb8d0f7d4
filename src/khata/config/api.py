"""The JSON API at /api/v1/: one NinjaAPI that mounts each app's router.

Errors are JSON with a `code`; validation errors list each field with its message.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from khata.audit.api import router as audit_router
from khata.catalog.api import router as catalog_router
from khata.clients.api import router as clients_router
from khata.prospecting.api import router as prospecting_router
from khata.prospecting.api_fit import router as fit_router
from khata.team.api import router as team_router
from khata.team.auth import BearerToken, BrowserSession

logger = logging.getLogger("khata.api")

api = NinjaAPI(
    title="Khata API",
    version="1",
    description="The CRM for account managers. Authenticate with the browser session "
    "(plus the CSRF token for writes) or `Authorization: Bearer <token>`.",
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
)


def _error(request, status: int, code: str, message: str, errors: list | None = None):
    body = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "payload")]
        errors.append({"field": ".".join(loc) or None, "message": error.get("msg", "invalid")})
    return _error(request, 422, "validation_error", "The request has invalid fields.", errors)


@api.exception_handler(ValidationError)
def on_service_validation_error(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = [{"field": None if field == "__all__" else field, "message": str(message)}
                  for field, messages in exc.message_dict.items() for message in messages]
    else:
        errors = [{"field": None, "message": str(message)} for message in exc.messages]
    return _error(request, 422, "validation_error", "The request has invalid fields.", errors)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, "forbidden", str(exc) or "You may not do this.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated",
                  "Sign in, or send `Authorization: Bearer <token>`.")


@api.exception_handler(Exception)
def on_unexpected(request, exc: Exception):
    # Anything unforeseen: logged with its traceback, answered as JSON (never an HTML page).
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, "server_error",
                  "Something went wrong on our side; nothing was half-saved. Try again.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "error", str(exc))


api.add_router("/", team_router)
api.add_router("/", clients_router)
api.add_router("/", catalog_router)
api.add_router("/", audit_router)
api.add_router("/", prospecting_router)
api.add_router("/", fit_router)
