"""API token authentication: django-rest-knox's, without its per-request sweep.

knox deletes a user's other expired tokens on every authenticated request, which costs a
query each time; here a request only checks (and drops) its own token, and the beat job
`tokens-delete-expired` sweeps the rest once a day.

A token names its user only here, inside DRF and after LocaleMiddleware has chosen a
language from the cookie or Accept-Language; so the user's saved language is switched on
here, the one place every token-authenticated call passes (session log-ins get theirs
from market.middleware.UserLanguageMiddleware).
"""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox import auth

from market.middleware import user_language_activate


class TokenAuthentication(auth.TokenAuthentication):
    def authenticate(self, request):
        authenticated = super().authenticate(request)
        if authenticated is not None:
            user, _token = authenticated
            user_language_activate(request._request, user)
        return authenticated

    def _cleanup_token(self, auth_token) -> bool:
        """True when the token has expired (it is deleted, and the request is refused)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names this authentication."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Token <token>`, the token from POST /api/v1/auth/token/.",
        }
