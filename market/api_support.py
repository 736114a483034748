"""Shared API plumbing: pagination and the one exception handler."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from market.errors import DomainError, InvalidInput

MAX_ID = 2**63 - 1  # the largest primary key; a bigger number must be a 400, not an overflow


IDEMPOTENCY_KEY_OPTIONAL = OpenApiParameter(
    "Idempotency-Key", location="header", required=False,
    description="Any string up to 255 characters: the same key answers the first result again.",
)
logger = logging.getLogger(__name__)


def idempotency_key_of(request, *, required: bool = False) -> str:
    """The request's Idempotency-Key header, stripped; a 400 when missing but required."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if (required and not key) or len(key) > 255:
        raise InvalidInput(fields={"Idempotency-Key": _("Required, at most 255 characters.")})
    return key


class AuthRateThrottle(AnonRateThrottle):
    """Sign-up and log-in attempts per client address (guessing passwords, mass sign-ups)."""

    scope = "auth"

    def get_rate(self) -> str:
        return settings.AUTH_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        # The limit lives in the cache (Redis): with Redis down, logging in still works.
        try:
            return super().allow_request(request, view)
        except Exception as error:
            logger.warning("Rate limit not checked, the cache is down: %s", error)
            return True


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc, context):
    """Map domain errors to 400/403/404/409; everything else as DRF does."""
    if isinstance(exc, DomainError):
        return Response(exc.as_payload(), status=exc.status_code)
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
