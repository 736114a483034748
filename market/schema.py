"""The OpenAPI schema's shared parts: tags by area and the error answers every operation shares.

`PasarAutoSchema` (settings `DEFAULT_SCHEMA_CLASS`) adds to each operation the errors it
can answer from the way it is built (a body, parameters, authentication, throttles), with
the bodies `market.api_support.exception_handler` writes; a view adds only its own
(`409` codes, `422`) with `conflict_response()` and `error_response()`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    force_instance,
    is_list_serializer,
    is_serializer,
)
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

# The longest matching prefix of the path (after /api/v1) names the operation's tag.
TAG_BY_PATH_PREFIX = {
    "/auth/": "accounts",
    "/me/": "accounts",
    "/regions/": "regions",
    "/cooperatives/": "cooperatives",
    "/cooperatives/{slug}/ledger/": "payments",
    "/cooperatives/{slug}/payouts/": "payments",
    "/categories/": "catalog",
    "/products/": "catalog",
    "/variants/": "catalog",
    "/reviews/": "catalog",
    "/cart/": "cart",
    "/checkout/": "orders",
    "/orders/": "orders",
    "/payments/": "payments",
    "/monitoring/": "monitoring",
    "/notifications/": "notifications",
    "/schema/": "service",
    "/docs/": "service",
    "/healthz": "service",
}
API_PREFIX = "/api/v1"

_MESSAGES = {"type": "array", "items": {"type": "string"}}

ERROR_SCHEMAS = {
    "FieldErrors": {
        "type": "object",
        "description": (
            "Invalid input: each invalid field names its messages, `{\"field\": [\"message\"]}`. "
            "A nested object's errors nest the same way; a list of objects has one entry per "
            "item. `non_field_errors` concerns the whole body; `detail` alone means the body "
            "could not be read at all (malformed JSON)."
        ),
        "properties": {
            "non_field_errors": _MESSAGES,
            "detail": {"type": "string"},
            "code": {"type": "string"},
        },
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [
                    {"type": "string"}, {"$ref": "#/components/schemas/FieldErrors"},
                ]}},
                {"$ref": "#/components/schemas/FieldErrors"},
            ],
        },
        "example": {"email": ["Enter a valid email address."]},
    },
    "Error": {
        "type": "object",
        "description": "A refusal: `detail` says why; a business rule adds its `code`.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
        "example": {"detail": "Authentication credentials were not provided."},
    },
    "CodedError": {
        "type": "object",
        "description": "A refusal by a business rule: a stable `code`, a readable `detail`.",
        "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
        "required": ["code", "detail"],
        "example": {"code": "invalid_transition",
                    "detail": "The order cannot move to that status from its current one."},
    },
    "ServiceUnavailable": {
        "type": "object",
        "description": "A service the request needs is down; the same request may be retried.",
        "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
        "required": ["code"],
        "example": {"code": "database_unavailable",
                    "detail": "The service is unavailable, try again shortly."},
    },
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}


def error_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error_response(description: str, name: str = "CodedError") -> OpenApiResponse:
    """An error answer for `extend_schema(responses={422: error_response(...)})`."""
    return OpenApiResponse(response=error_ref(name), description=description)


def conflict_response(*codes: str, description: str = "") -> OpenApiResponse:
    """The `409` of an operation, naming the `code`s it can answer."""
    schema = {
        "allOf": [error_ref("CodedError")],
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": list(codes)},
            "variants": {"type": "array", "items": {"type": "integer"},
                         "description": "For stock and availability: the variants concerned."},
        },
    }
    text = description or _("Conflicts with the current state.")
    return OpenApiResponse(response=schema, description=f"{text} `code`: {', '.join(codes)}.")


class PasarAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with tags by area and the shared error answers."""

    def get_tags(self) -> list[str]:
        path = self.path.removeprefix(API_PREFIX)
        matches = [prefix for prefix in TAG_BY_PATH_PREFIX if path.startswith(prefix)]
        if not matches:
            return super().get_tags()
        return [TAG_BY_PATH_PREFIX[max(matches, key=len)]]

    def get_operation_id(self) -> str:
        # A list answered by paginated_response has an envelope serializer, not a many=True one.
        operation_id = super().get_operation_id()
        response = force_instance(self.get_response_serializers())
        if self.method == "GET" and type(response).__name__.startswith("Paginated"):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def map_parsers(self) -> list[str]:
        """JSON in; uploads as multipart/form-data (the contract), though DRF also reads forms."""
        media_types = super().map_parsers()
        serializer = force_instance(self.get_request_serializer())
        takes_file = is_serializer(serializer) and not is_list_serializer(serializer) and any(
            isinstance(field, serializers.FileField) for field in serializer.fields.values()
        )
        wanted = "multipart/form-data" if takes_file else "application/json"
        return [wanted] if wanted in media_types else media_types

    def _get_request_for_media_type(self, serializer, direction="request"):
        # DRF makes a PATCH serializer partial only when the view asks (`partial=True`); ours
        # validate the body as declared, so the schema must not make every field optional.
        method = self.method
        self.method = "PUT" if method == "PATCH" else method
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = method

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for name, schema in ERROR_SCHEMAS.items():
            registry.register_on_missing(ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name,
            ))
        responses = operation["responses"]
        for code, response in self._shared_errors(operation).items():
            responses.setdefault(code, response)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _shared_errors(self, operation: dict) -> dict[str, dict]:
        """The errors this operation can answer, from how its view is built."""
        has_body = "requestBody" in operation
        parameters = operation.get("parameters", [])
        authenticators = self.view.get_authenticators()
        needs_login = self._needs_login()
        session_csrf = self.method not in permissions.SAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication) for authenticator in authenticators
        )
        errors = {}
        if has_body or parameters:
            errors["400"] = _error(_("Invalid input, field by field."), "FieldErrors")
        if authenticators:
            errors["401"] = _error(
                _("Not logged in, or the token is invalid, expired or revoked.")
                if needs_login else _("The token sent is invalid, expired or revoked.")
            )
        if needs_login or session_csrf:
            errors["403"] = _error(
                _("Logged in but not allowed (or, with a session, the CSRF token is missing).")
            )
        if any(p["in"] == "path" for p in parameters) or any(
            p["in"] == "query" and p["name"] == "page" for p in parameters
        ):
            errors["404"] = _error(
                _("No such object, or one the caller may not see (or no such page).")
            )
        if has_body:
            errors["413"] = _error(_("The body is too large or too deeply nested."))
            errors["415"] = _error(_("The body's content type is not one this operation reads."))
        if self.view.get_throttles():
            errors["429"] = {**_error(_("Too many requests: wait the seconds in Retry-After.")),
                             "headers": RETRY_AFTER}
        errors["503"] = _error(
            _("A service the request needs (the database) is down; retry later."),
            "ServiceUnavailable",
        )
        return errors

    def _needs_login(self) -> bool:
        """Whether an anonymous caller is refused (the view's permissions, for this method)."""
        for permission in self.view.get_permissions():
            if isinstance(permission, permissions.AllowAny):
                continue
            if isinstance(permission, permissions.IsAuthenticatedOrReadOnly):
                if self.method in permissions.SAFE_METHODS:
                    continue
            return True
        return False


def _error(description, name: str = "Error") -> dict:
    return {
        "description": str(description),
        "content": {"application/json": {"schema": error_ref(name)}},
    }
