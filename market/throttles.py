"""Who the client is, and how often it may knock: rate limits and the log-in lockout.

One rule names the client everywhere (DRF throttles, django-axes): its address is
REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies in front of us append to X-Forwarded-For,
and then the address the outermost trusted proxy saw. A client cannot choose its own.
"""

import logging
import math
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from market.errors import LockedOut

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies."""
    # DRF's get_ident applies REST_FRAMEWORK["NUM_PROXIES"] (= TRUSTED_PROXY_COUNT).
    return BaseThrottle().get_ident(request)


def login_username(request, credentials: dict | None) -> str | None:
    """The account a log-in attempt names (e-mails are stored lower-case)."""
    username = (credentials or {}).get("username") or request.POST.get("username")
    return username.strip().lower() if username else None


def lockout_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def locked_out() -> LockedOut:
    """The refusal of a locked-out log-in, however it arrives (token API, admin, pages)."""
    seconds = lockout_seconds()
    message = _("Too many failed log-ins. Try again in %(minutes)d minutes.") % {
        "minutes": math.ceil(seconds / 60)
    }
    return LockedOut(message, retry_after=seconds)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers a locked-out log-in: 429 with Retry-After, JSON for the API."""
    error = locked_out()
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_payload(), status=error.status_code, headers=error.headers)
    if original_response is not None and original_response.status_code == error.status_code:
        return original_response  # a page that shows the lockout itself (the log-in page)
    return HttpResponse(error.message, status=error.status_code, headers=error.headers,
                        content_type="text/plain; charset=utf-8")


class _ScopedThrottle(SimpleRateThrottle):
    """A limit named `<view.throttle_scope>.<who>`, rate from settings.THROTTLE_RATES.

    The rate is read when the request comes, so settings can change it (tests do).
    The count lives in the cache: if the cache is down, the request goes through
    with a log line (a limit must never turn into a 500; /healthz shows the cache down).
    """

    who = ""

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope or request.method in SAFE_METHODS:  # the limits count writes
            return True
        self.scope = f"{scope}.{self.who}"
        self.rate = settings.THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache (Redis) is unreachable
            logger.warning("Rate limit %s not checked, the cache is down: %s", self.scope, error)
            return True

    def get_rate(self):  # set per request in allow_request
        return None


class ClientRateThrottle(_ScopedThrottle):
    """Requests per client address (see client_address)."""

    who = "client"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class UserRateThrottle(_ScopedThrottle):
    """Requests per logged-in account, wherever they come from."""

    who = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user.is_authenticated:
            return None  # no account to count; the client limit still applies
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


# A view sets `throttle_scope` and one of these.
PER_CLIENT = [ClientRateThrottle]
PER_CLIENT_AND_USER = [ClientRateThrottle, UserRateThrottle]


def page_within_limits(request, scope: str) -> bool:
    """A page's write counted under the API's limits of the same use case (`scope`).

    Per client, and per account where THROTTLE_RATES has a `<scope>.user` rate: the
    page and the API share one count, so neither is a way around the other.
    """
    view = SimpleNamespace(throttle_scope=scope)
    return all(
        throttle.allow_request(request, view)
        for throttle in (ClientRateThrottle(), UserRateThrottle())
        if f"{scope}.{throttle.who}" in settings.THROTTLE_RATES
    )
