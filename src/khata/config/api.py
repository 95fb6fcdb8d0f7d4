"""The JSON API at /api/v1/: one NinjaAPI that mounts each app's router.

Errors are JSON with a `code`; validation errors list each field with its message. The
OpenAPI document declares them on every operation (`document_errors`), so clients and the
fuzzer (tests/fuzz) know every answer an operation can give.
"""

import json
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from khata.audit.api import router as audit_router
from khata.catalog.api import router as catalog_router
from khata.clients.api import router as clients_router
from khata.planning.api import router as planning_router
from khata.prospecting.api import router as prospecting_router
from khata.prospecting.api_fit import router as fit_router
from khata.reliability.api import router as reliability_router
from khata.team.api import router as team_router
from khata.team.auth import BearerToken, BrowserSession

logger = logging.getLogger("khata.api")


class FieldError(Schema):
    """One invalid field: its name (`path.company_id`, `email`…; null for the whole request)."""

    field: str | None
    message: str


class Error(Schema):
    """Every error the API answers: a stable `code`, a sentence, and the invalid fields."""

    code: str
    message: str
    errors: list[FieldError] | None = None


# Status → what it means, declared where it can happen: every operation needs credentials, may
# be refused to the caller's role and refuses invalid input (`KhataAPI.create_temporal_response`
# checks any query string); one that takes parameters or a body may name a record that does not
# exist (or is not the caller's to see); a body may not parse.
ERROR_RESPONSES = {
    400: "The body is not valid JSON (or not the declared form).",
    401: "No credentials, or they are wrong, expired or revoked.",
    403: "The caller's role may not do this (or the CSRF token is missing).",
    404: "The record does not exist, or is not the caller's to see.",
    422: "Invalid input: `errors` names each field and why.",
}


def document_errors(schema: dict) -> dict:
    """Add the error answers of the handlers below to each operation of the OpenAPI `schema`."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["Error"] = error_schema
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            takes_input = bool(operation.get("parameters")) or "requestBody" in operation
            statuses = [401, 403, 422]  # 422 too for NUL characters in any query string
            if takes_input:
                statuses.append(404)
            if "requestBody" in operation:
                statuses.append(400)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), {"description": ERROR_RESPONSES[status],
                                                   "content": content})
    return schema


def _nul_characters(value, loc: tuple) -> list[dict]:
    """Where `value` (JSON data, nested) holds a NUL character, as validation errors."""
    if isinstance(value, str):
        return [{"loc": loc, "msg": "Text may not contain NUL (\\x00) characters."}] \
            if "\x00" in value else []
    if isinstance(value, dict):
        return [error for key, item in value.items()
                for error in _nul_characters(item, (*loc, str(key)))]
    if isinstance(value, list):
        return [error for index, item in enumerate(value)
                for error in _nul_characters(item, (*loc, str(index)))]
    return []


def _nul_characters_in(request) -> list[dict]:
    """The query string's, a plain form's and the JSON body's values holding a NUL character.
    (A multipart body is left to ninja: reading it here would consume it, or fail on a bad one.)"""
    fields = [("query", key, values) for key, values in request.GET.lists()]
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        fields += [("form", key, values) for key, values in request.POST.lists()]
    errors = [error for place, key, values in fields
              for error in _nul_characters("".join(values), (place, key))]
    if not content_type.endswith(("form-data", "urlencoded")) and request.body:
        # ninja reads any other body as JSON
        try:
            data = json.loads(request.body)
        except ValueError:
            data = None  # ninja answers 400 for a body it cannot parse
        errors += _nul_characters(data, ("body",))
    return errors


class KhataAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_errors(schema)

    def create_temporal_response(self, request):
        # Ninja calls this after authentication and before it reads the input, inside its
        # error handling. A NUL character is valid JSON and a valid str to pydantic, but
        # PostgreSQL refuses it in text (a 500, found by tests/fuzz); Django's forms refuse it
        # too (ProhibitNullCharactersValidator), so the API does the same for every input.
        errors = _nul_characters_in(request)
        if errors:
            raise NinjaValidationError(errors)
        return super().create_temporal_response(request)


api = KhataAPI(
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
api.add_router("/", planning_router)
api.add_router("/", reliability_router)
