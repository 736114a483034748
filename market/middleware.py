from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from knox.settings import knox_settings

NUL_MESSAGE = gettext_lazy("NUL bytes are not allowed.")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def database_unavailable() -> JsonResponse:
    """The answer for any request that needed the database while it is down."""
    return JsonResponse(
        {"code": "database_unavailable",
         "detail": _("The database is unavailable; try again shortly.")},
        status=503, headers={"Retry-After": "5"},
    )


class ApiErrorsAsJsonMiddleware:
    """Every answer under /api/ is JSON, whatever refused the request.

    DRF answers JSON from its views; this covers what happens around them: an
    unknown path or a path converter that does not match (`/payments/abc/`), a
    body above the limit (413, refused from Content-Length before it is read),
    the database down (503), and Django's own HTML error pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with _language_of_request(request):
            too_big = self._too_big(request)
        if too_big:
            status, detail = too_big
            if _is_api(request):
                return JsonResponse({"detail": detail}, status=status)
            # Pages keep the same bound (a proof upload is refused before it is written
            # to disk), in plain text.
            return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
        if not _is_api(request):
            return self.get_response(request)
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            response = JsonResponse(
                {"detail": response.reason_phrase}, status=response.status_code,
                headers={name: value for name, value in response.items()
                         if name in {"Allow", "Retry-After"}},
            )
        return response

    def process_exception(self, request, exception):
        if _is_api(request) and isinstance(exception, DatabaseError) and _database_down():
            return database_unavailable()
        return None

    @staticmethod
    def _too_big(request) -> tuple[int, str] | None:
        """(status, message) when the declared body is over the bound, read from Content-Length."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 400, _("Content-Length must be a number.")
        multipart = request.content_type == "multipart/form-data"
        limit = settings.UPLOAD_MAX_BODY_BYTES if multipart else settings.API_MAX_BODY_BYTES
        if length > limit:
            return 413, _("The body is larger than %(limit)d bytes.") % {"limit": limit}
        return None


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _database_down() -> bool:
    """A database error is an outage when even SELECT 1 fails (not a bad query of ours)."""
    try:
        connection.close_if_unusable_or_obsolete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return True
    return False


class RejectNulBytesMiddleware:
    """A NUL byte in the path or a query parameter is a 400 here, not a database error later.

    PostgreSQL text cannot hold NUL, so any such value that reached a query
    would fail with a 500; one check at the door covers every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = {
            name: [NUL_MESSAGE]
            for name, values in request.GET.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        }
        if "\x00" in request.path or bad:
            with _language_of_request(request):
                return JsonResponse(bad or {"detail": NUL_MESSAGE}, status=400)
        return self.get_response(request)


def _language_of_request(request) -> translation.override:
    """For answers given before LocaleMiddleware runs: the cookie's or Accept-Language's."""
    return translation.override(translation.get_language_from_request(request))


class UserLanguageMiddleware:
    """Pages and session API calls in the logged-in user's saved language.

    LocaleMiddleware, which runs before the user is known, has already chosen
    from the `django_language` cookie, then Accept-Language, then Bahasa
    Indonesia; this puts `User.language` first. A call with an API token is
    left alone: its user is known only inside DRF, where
    market.authentication.TokenAuthentication calls the same function (and
    loading the session here would cost a query DRF never needs).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _carries_api_token(request):
            user_language_activate(request, request.user)
        return self.get_response(request)


def _carries_api_token(request) -> bool:
    """DRF tries the token first and, when there is one, never looks at the session."""
    scheme, _, _ = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == knox_settings.AUTH_HEADER_PREFIX.lower()


def user_language_activate(request, user) -> None:
    """Serve the rest of this request in the user's saved language, when they have one."""
    language = getattr(user, "language", "") if user.is_authenticated else ""
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
