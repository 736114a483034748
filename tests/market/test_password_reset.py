"""A forgotten password: a link mailed to the address sets a new one, once, for a while."""

import base64
import datetime
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.cache import cache
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken

from events.models import Event
from market.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
RESET = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset/confirm/"
CONFIRM_PAGE = "/account/password-reset/confirm/"  # the mailed link opens the page
PASSWORD = "pass-word-123"  # the factories' password
NEW_PASSWORD = "Kopi-Ledo-baru-2026"


def _address() -> str:
    """A client address no other test used (limits and lockouts are per address)."""
    number = uuid.uuid4().int
    return f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250}"


def ask_reset(api, email, **extra):
    return api.post(RESET, {"email": email}, format="json", **extra)


def confirm(api, uid, token, password=NEW_PASSWORD, **extra):
    return api.post(CONFIRM, {"uid": uid, "token": token, "password": password},
                    format="json", **extra)


def log_in(api, email, password, **extra):
    return api.post("/api/v1/auth/token/", {"email": email, "password": password},
                    format="json", **extra)


def mailed_link(message) -> tuple[str, str]:
    """The (uid, token) of the reset link in a mail."""
    link = re.search(r"https?://\S+", message.body).group(0)
    assert urlsplit(link).path == CONFIRM_PAGE
    query = parse_qs(urlsplit(link).query)
    return query["uid"][0], query["token"][0]


@pytest.fixture
def mailed(api, django_capture_on_commit_callbacks):
    """Ask for a reset of `user`'s password; answers the (uid, token) mailed to them."""

    def ask(user, **extra) -> tuple[str, str]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert ask_reset(api, user.email, **extra).status_code == 202
        [message] = mail.outbox
        assert message.to == [user.email]
        return mailed_link(message)

    return ask


@pytest.fixture
def fresh_limits():
    """Counts start from zero (rows, and so user ids, are rolled back between tests)."""
    cache.clear()


def password_of(user) -> str:
    return User.objects.get(pk=user.pk).password


# ---------------------------------------------------------------- asking


def test_the_answer_is_the_same_for_an_account_and_an_unknown_address(
    api, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://pasar.example.id"
    UserFactory(email="sari@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = ask_reset(api, "Sari@Example.com")
        unknown = ask_reset(api, "tidak-ada@example.com")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert set(known.json()) == {"detail"}
    [message] = mail.outbox
    assert message.to == ["sari@example.com"]
    assert f"https://pasar.example.id{CONFIRM_PAGE}?uid=" in message.body


def test_an_inactive_account_is_mailed_nothing(api, django_capture_on_commit_callbacks):
    UserFactory(email="nonaktif@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_reset(api, "nonaktif@example.com")
    assert response.status_code == 202
    assert mail.outbox == []


def test_the_mail_is_not_sent_once_the_address_changed(django_capture_on_commit_callbacks):
    from market.services import accounts

    user = UserFactory(email="lama@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accounts.password_reset_request(email="lama@example.com")
    user.email = "baru@example.com"
    user.save()
    for callback in callbacks:
        callback()
    assert mail.outbox == []


def test_asking_stores_no_token_and_changes_nothing(api, django_capture_on_commit_callbacks):
    user = UserFactory()
    before = User.objects.values().get(pk=user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(api, user.email)
    _uid, token = mailed_link(mail.outbox[0])

    assert User.objects.values().get(pk=user.pk) == before
    assert token not in str(list(Event.objects.values()))


# ---------------------------------------------------------------- setting the new password


def test_the_mailed_link_sets_a_new_password(api, mailed):
    user = UserFactory(email="sari@example.com")
    uid, token = mailed(user)

    with time_machine.travel(NOW, tick=False):
        response = confirm(api, uid, token)

    assert response.status_code == 200
    assert set(response.json()) == {"detail"}
    assert log_in(api, user.email, PASSWORD).status_code == 400
    assert log_in(api, user.email, NEW_PASSWORD).status_code == 200
    event = Event.objects.get(kind="password_reset")
    assert (event.actor_id, event.at, event.data["email"]) == (user.pk, NOW, user.email)


def test_a_new_password_revokes_every_api_token(api, mailed):
    user = UserFactory()
    phone = log_in(api, user.email, PASSWORD).json()["token"]
    laptop = log_in(api, user.email, PASSWORD).json()["token"]
    uid, token = mailed(user)  # after the log-ins, which end older links

    assert confirm(api, uid, token).status_code == 200

    assert not AuthToken.objects.filter(user=user).exists()
    for key in (phone, laptop):
        assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_a_link_works_only_once(api, mailed):
    user = UserFactory()
    uid, token = mailed(user)
    assert confirm(api, uid, token).status_code == 200
    password = password_of(user)

    again = confirm(api, uid, token, password="Lain-lagi-sandi-99")

    assert again.status_code == 400
    assert "token" in again.json()
    assert password_of(user) == password
    assert Event.objects.filter(kind="password_reset").count() == 1


def test_an_expired_link_fails(api, settings, mailed):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    user = UserFactory()
    with time_machine.travel(NOW, tick=False):
        uid, token = mailed(user)
    with time_machine.travel(NOW + datetime.timedelta(seconds=3601), tick=False):
        expired = confirm(api, uid, token)
    with time_machine.travel(NOW + datetime.timedelta(minutes=59), tick=False):
        in_time = confirm(api, uid, token)

    assert expired.status_code == 400
    assert "token" in expired.json()
    assert in_time.status_code == 200


def test_a_link_lasts_a_day_unless_configured(api, mailed):
    user = UserFactory()
    with time_machine.travel(NOW, tick=False):
        uid, token = mailed(user)
    with time_machine.travel(NOW + datetime.timedelta(days=1, seconds=1), tick=False):
        assert confirm(api, uid, token).status_code == 400


def test_logging_in_ends_the_links_sent_before(api, mailed):
    user = UserFactory()
    uid, token = mailed(user)
    assert log_in(api, user.email, PASSWORD).status_code == 200

    response = confirm(api, uid, token)

    assert response.status_code == 400
    assert "token" in response.json()


def _another_users_uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(UserFactory().pk))


@pytest.mark.parametrize(("mangle_uid", "mangle_token"), [
    (None, lambda token: token[:-1] + ("0" if token[-1] != "0" else "1")),
    (None, lambda token: "x" + token),
    (None, lambda token: "bukan-token"),
    (_another_users_uid, None),
    (lambda user: "!!!", None),
    (lambda user: "bm90LWEtbnVtYmVy", None),  # "not-a-number"
    (lambda user: urlsafe_base64_encode(b"99999999999999999999999999"), None),
    (lambda user: urlsafe_base64_encode(b"-1"), None),
    (lambda user: base64.urlsafe_b64encode(b"\xff\xfe").decode(), None),
])
def test_a_tampered_link_fails_and_changes_nothing(api, mailed, mangle_uid, mangle_token):
    user = UserFactory(unverified=True)
    key = log_in(api, user.email, PASSWORD).json()["token"]
    uid, token = mailed(user)
    before = User.objects.values().get(pk=user.pk)

    response = confirm(api, mangle_uid(user) if mangle_uid else uid,
                       mangle_token(token) if mangle_token else token)

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    assert User.objects.values().get(pk=user.pk) == before
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert not Event.objects.filter(kind="password_reset").exists()


@pytest.mark.parametrize("password", [
    "12345678",  # common, and all digits
    "pendek",  # too short
    "sari.wulandari",  # like the e-mail
    "Sari Wulandari",  # like the name
])
def test_a_weak_or_similar_password_is_refused_and_changes_nothing(api, mailed, password):
    user = UserFactory(email="sari.wulandari@example.com", name="Sari Wulandari",
                       unverified=True)
    key = log_in(api, user.email, PASSWORD).json()["token"]
    uid, token = mailed(user)
    before = User.objects.values().get(pk=user.pk)

    response = confirm(api, uid, token, password=password)

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert User.objects.values().get(pk=user.pk) == before
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    # Nothing changed, so the link still works for a good password.
    assert confirm(api, uid, token).status_code == 200


def test_a_wrong_link_says_nothing_about_the_password(api, mailed):
    """A bad token is refused before the password is judged against the account's details."""
    user = UserFactory(email="sari.wulandari@example.com", name="Sari Wulandari")
    uid, _token = mailed(user)
    response = confirm(api, uid, "bukan-token", password="sari.wulandari")
    assert list(response.json()) == ["token"]


def test_a_locked_out_account_logs_in_after_a_reset(api, settings, mailed):
    user = UserFactory()
    attacker, owner = _address(), _address()
    answers = [log_in(api, user.email, "salah-sandi", REMOTE_ADDR=attacker).status_code
               for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert log_in(api, user.email, PASSWORD, REMOTE_ADDR=owner).status_code == 429
    uid, token = mailed(user, REMOTE_ADDR=owner)

    assert confirm(api, uid, token, REMOTE_ADDR=owner).status_code == 200

    assert log_in(api, user.email, NEW_PASSWORD, REMOTE_ADDR=owner).status_code == 200


def test_the_real_owner_of_a_squatted_address_takes_the_account_over(
    api, mailed, django_capture_on_commit_callbacks
):
    # Someone signs up first with Ani's address; they never prove it, but it is taken.
    with django_capture_on_commit_callbacks(execute=True):
        squatted = api.post("/api/v1/auth/register/", {
            "email": "ani@example.com", "password": "punya-orang-lain-1", "name": "Penyerobot",
        }, format="json")
    assert squatted.status_code == 201
    squatter_key = log_in(api, "ani@example.com", "punya-orang-lain-1").json()["token"]
    account = User.objects.get(email="ani@example.com")
    assert not account.email_verified

    # Ani, who reads the mailbox, sets a password with the link mailed to it.
    uid, token = mailed(account)
    with time_machine.travel(NOW, tick=False):
        assert confirm(api, uid, token).status_code == 200

    account.refresh_from_db()
    assert account.email_verified_at == NOW
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {squatter_key}").status_code == 401
    assert log_in(api, "ani@example.com", "punya-orang-lain-1").status_code == 400
    ani_key = log_in(api, "ani@example.com", NEW_PASSWORD).json()["token"]
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {ani_key}").json()
    assert me["email_verified"] is True


def test_a_verified_address_keeps_when_it_was_verified(api, mailed):
    user = UserFactory(email_verified_at=NOW - datetime.timedelta(days=100))
    uid, token = mailed(user)
    assert confirm(api, uid, token).status_code == 200
    assert User.objects.get(pk=user.pk).email_verified_at == NOW - datetime.timedelta(days=100)


def test_an_account_deactivated_after_the_mail_cannot_use_it(api, mailed):
    user = UserFactory()
    uid, token = mailed(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    password = password_of(user)

    assert confirm(api, uid, token).status_code == 400
    assert password_of(user) == password


def test_the_new_password_is_stored_hashed(api, mailed):
    user = UserFactory()
    uid, token = mailed(user)
    confirm(api, uid, token)
    stored = password_of(user)
    assert NEW_PASSWORD not in stored
    assert check_password(NEW_PASSWORD, stored)


# ---------------------------------------------------------------- limits


def test_asking_is_limited_per_client(api, settings, fresh_limits):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password_reset.client": "1/hour"}
    address = _address()
    assert ask_reset(api, "siapa@example.com", REMOTE_ADDR=address).status_code == 202

    limited = ask_reset(api, "siapa@example.com", REMOTE_ADDR=address)

    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert ask_reset(api, "siapa@example.com", REMOTE_ADDR=_address()).status_code == 202


def test_confirming_is_limited_per_client(api, settings, fresh_limits):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES,
                               "password_reset_confirm.client": "2/hour"}
    address = _address()
    answers = [confirm(api, "MQ", "bukan-token", REMOTE_ADDR=address).status_code
               for _ in range(3)]

    assert answers == [400, 400, 429]
    assert int(confirm(api, "MQ", "bukan-token", REMOTE_ADDR=address)["Retry-After"]) > 0
    assert confirm(api, "MQ", "bukan-token", REMOTE_ADDR=_address()).status_code == 400
