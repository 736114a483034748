"""Shared API plumbing: pagination and the one exception handler."""

import functools
import logging

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from market.errors import DomainError, InvalidInput

MAX_ID = 2**63 - 1  # the largest primary key; a bigger number must be a 400, not an overflow


IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"}
IDEMPOTENCY_KEY_OPTIONAL = OpenApiParameter(
    "Idempotency-Key", IDEMPOTENCY_KEY_SCHEMA, location="header", required=False,
    description="Any string up to 255 characters: the same key answers the first result again.",
)
logger = logging.getLogger(__name__)


def idempotency_key_of(request, *, required: bool = False) -> str:
    """The request's Idempotency-Key header, stripped; a 400 when missing but required."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if (required and not key) or len(key) > 255:
        raise InvalidInput(fields={"Idempotency-Key": _("Required, at most 255 characters.")})
    return key


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # `?page=` is a number

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param)
        if number is None:
            return 1
        if not number:
            raise InvalidInput(fields={self.page_query_param: _("A whole number from 1.")})
        return number  # a page that does not exist is DRF's 404

    def get_page_size(self, request) -> int:
        """`?page_size=` from 1 up (more than 100 gives 100); anything else is a 400."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise InvalidInput(fields={self.page_size_query_param: _("A whole number from 1.")})
        return min(int(raw), self.max_page_size)


def exception_handler(exc, context):
    """Map domain errors to 400/403/404/409; everything else as DRF does."""
    if isinstance(exc, DomainError):
        return Response(exc.as_payload(), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": _("The request body is too large.")}, status=413)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response({"detail": _("The request has too many fields or files.")}, status=400)
    if isinstance(exc, DjangoValidationError):
        payload = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(payload, status=400)
    return drf_exception_handler(exc, context)


def validated(serializer_class, data, **kwargs) -> dict:
    """Validate request data with an input serializer; a 400 naming the fields otherwise."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def paginated_response(request, view, queryset, serializer_class, **context) -> Response:
    """One page of `queryset`, in the `{count, next, previous, results}` envelope."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context={"request": request, **context}).data
    return paginator.get_paginated_response(data)


PAGE_PARAMETERS = [
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1},
        description="Page number, from 1. A page past the last one answers 404.",
    ),
    OpenApiParameter(
        "page_size", {"type": "integer", "minimum": 1},
        description="Rows per page: 20 unless given, at most 100 (a bigger number gives 100).",
    ),
]


@functools.cache
def paginated(rows) -> type[serializers.Serializer]:
    """The schema of `paginated_response`'s envelope around `rows`.

    `rows` is a serializer class, or a `many=True` serializer (a PolymorphicProxySerializer's).
    """
    if isinstance(rows, type):
        name, results = rows.__name__.removesuffix("Serializer"), rows(many=True)
    else:
        child = rows.child
        name = getattr(child, "component_name", type(child).__name__.removesuffix("Serializer"))
        results = rows
    return type(f"Paginated{name}ListSerializer", (serializers.Serializer,), {
        "__doc__": f"One page of {name} rows, with the count of all rows and the other pages.",
        "count": serializers.IntegerField(min_value=0),
        "next": serializers.URLField(allow_null=True, help_text="The next page, if any."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page."),
        "results": results,
    })


def paginated_schema(rows, *, parameters=(), **kwargs):
    """`extend_schema` of a GET answered by `paginated_response`: envelope, page parameters."""
    return extend_schema(
        responses=paginated(rows), parameters=[*parameters, *PAGE_PARAMETERS],
        **kwargs,
    )
