"""Tokens that expire and can be revoked; log-in lockout; rate limits on the real client."""

import datetime
import uuid

import pytest
import time_machine
from django.utils import timezone
from knox.models import AuthToken

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # the factories' password


def _address() -> str:
    """A client address no other test used (limits and lockouts are per address)."""
    number = uuid.uuid4().int
    return f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250}"


def _log_in(api, email, password=PASSWORD, **extra):
    return api.post("/api/v1/auth/token/", {"email": email, "password": password}, **extra)


def _me(api, token):
    return api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")


# ---------------------------------------------------------------- tokens


def test_a_token_expires_after_the_configured_days_and_is_stored_only_hashed(api):
    user = UserFactory()
    answer = _log_in(api, user.email).json()
    expires_at = datetime.datetime.fromisoformat(answer["expires_at"])
    assert abs(expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(
        minutes=1
    )
    stored = AuthToken.objects.get(user=user)
    assert answer["token"] not in (stored.digest, stored.token_key)
    assert _me(api, answer["token"]).status_code == 200

    with time_machine.travel(expires_at + datetime.timedelta(seconds=1)):
        assert _me(api, answer["token"]).status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_token_lifetime_follows_the_setting(api, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(days=2)}
    user = UserFactory()
    expires_at = datetime.datetime.fromisoformat(_log_in(api, user.email).json()["expires_at"])
    assert expires_at - timezone.now() < datetime.timedelta(days=2, minutes=1)


def test_logout_revokes_only_the_token_used(api):
    user = UserFactory()
    phone = _log_in(api, user.email).json()["token"]
    laptop = _log_in(api, user.email).json()["token"]

    answer = api.post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {phone}")

    assert answer.status_code == 204
    assert _me(api, phone).status_code == 401
    assert _me(api, laptop).status_code == 200


def test_logout_needs_a_login(api):
    assert api.post("/api/v1/auth/logout/").status_code == 401


def test_logout_ends_a_browser_session(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200
    csrf_free = client.post("/api/v1/auth/logout/")  # the test client does not enforce CSRF
    assert csrf_free.status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_a_password_change_revokes_every_token(api):
    user = UserFactory()
    tokens = [_log_in(api, user.email).json()["token"] for _ in range(2)]
    other = UserFactory()
    others = _log_in(api, other.email).json()["token"]

    user.set_password("a-new-pass-word-456")
    user.save()

    assert [_me(api, token).status_code for token in tokens] == [401, 401]
    assert _me(api, others).status_code == 200
    assert _log_in(api, user.email, "a-new-pass-word-456").status_code == 200


def test_saving_a_user_without_a_new_password_keeps_the_tokens(api):
    user = UserFactory()
    token = _log_in(api, user.email).json()["token"]
    user.name = "Ani Baru"
    user.save()
    assert _me(api, token).status_code == 200


# ---------------------------------------------------------------- lockout


def test_an_account_is_locked_after_repeated_failures_from_any_address(api, settings):
    user = UserFactory()
    answers = [
        _log_in(api, user.email, "guess", REMOTE_ADDR=_address()).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    # Locked: even the right password, from a new address, is refused until the cool-off ends.
    locked = _log_in(api, user.email, REMOTE_ADDR=_address())
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert not AuthToken.objects.filter(user=user).exists()

    later = timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        assert _log_in(api, user.email, REMOTE_ADDR=_address()).status_code == 200


def test_one_client_guessing_many_accounts_is_locked(api, settings):
    address = _address()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(api, UserFactory().email, "guess", REMOTE_ADDR=address)
    fresh = UserFactory()
    assert _log_in(api, fresh.email, REMOTE_ADDR=address).status_code == 429
    assert _log_in(api, fresh.email, REMOTE_ADDR=_address()).status_code == 200


def test_a_good_log_in_clears_the_failures(api, settings):
    user = UserFactory()
    address = _address()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(api, user.email, "guess", REMOTE_ADDR=address)
    assert _log_in(api, user.email, REMOTE_ADDR=address).status_code == 200
    assert _log_in(api, user.email, "guess", REMOTE_ADDR=address).status_code == 400


def test_the_admin_log_in_shares_the_lockout(client, api, settings):
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page = client.post("/admin/login/", {"username": admin.email, "password": "guess"},
                           REMOTE_ADDR=_address())
    assert page.status_code == 429
    assert page["Retry-After"]
    right = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD},
                        REMOTE_ADDR=_address())
    assert right.status_code == 429
    # ... and the API token for the same account too.
    assert _log_in(api, admin.email, REMOTE_ADDR=_address()).status_code == 429


# ---------------------------------------------------------------- rate limits


def _limit(settings, scope: str, rate: str) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, scope: rate}


def test_token_requests_are_limited_per_client_and_x_forwarded_for_changes_nothing(
    api, settings
):
    _limit(settings, "token.client", "3/minute")
    address = _address()
    answers = [
        _log_in(api, UserFactory().email, REMOTE_ADDR=address,
                HTTP_X_FORWARDED_FOR=_address()).status_code
        for _ in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    _limit(settings, "token.client", "2/minute")
    proxy = _address()
    first, second = _address(), _address()

    def log_in_via_proxy(client_address: str, spoofed: str) -> int:
        # The proxy appends the address it saw; whatever the client sent stays in front.
        forwarded = f"{spoofed}, {client_address}"
        return _log_in(api, UserFactory().email, REMOTE_ADDR=proxy,
                       HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [log_in_via_proxy(first, _address()) for _ in range(3)] == [200, 200, 429]
    assert log_in_via_proxy(second, _address()) == 200


def test_sign_ups_are_limited_per_client(api, settings):
    _limit(settings, "signup.client", "2/hour")
    address = _address()
    answers = [
        api.post("/api/v1/auth/register/",
                 {"email": f"baru{n}@example.com", "password": "kopi-ledo-2026", "name": "Baru"},
                 REMOTE_ADDR=address).status_code
        for n in range(3)
    ]
    assert answers == [201, 201, 429]


def test_a_limited_answer_says_when_to_come_back(api, settings):
    _limit(settings, "token.client", "1/hour")
    address = _address()
    _log_in(api, "x@example.com", "guess", REMOTE_ADDR=address)
    refused = _log_in(api, "x@example.com", "guess", REMOTE_ADDR=address)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "detail" in refused.json()


def test_limits_fail_open_when_the_cache_is_down(api, settings, caplog):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }}
    _limit(settings, "token.client", "1/hour")
    user = UserFactory()
    answers = [_log_in(api, user.email).status_code for _ in range(2)]
    assert answers == [200, 200]
    assert "the cache is down" in caplog.text
    assert api.get("/healthz").json()["cache"] == "down"


def test_the_daily_sweep_deletes_only_expired_tokens(api):
    from market.tasks import tokens_delete_expired_task

    old, fresh = UserFactory(), UserFactory()
    AuthToken.objects.create(old, expiry=datetime.timedelta(days=1))
    kept = _log_in(api, fresh.email).json()["token"]

    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert tokens_delete_expired_task() == 1
    assert not AuthToken.objects.filter(user=old).exists()
    assert _me(api, kept).status_code == 200


def test_an_authenticated_request_costs_one_query_for_its_token(api, django_assert_num_queries):
    user = UserFactory()
    token = _log_in(api, user.email).json()["token"]
    for _ in range(3):  # other tokens of the account are not swept per request
        AuthToken.objects.create(user)
    # A POST-only view answers GET with 405 after authenticating: the token (with its user)
    # is then the request's only query; knox's own sweep would add one for the other tokens.
    with django_assert_num_queries(1):
        answer = api.get("/api/v1/auth/verify-email/resend/", HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 405
