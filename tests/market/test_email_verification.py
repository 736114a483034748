"""Sign-up mails a link that proves the address; only a proven address counts as the account's."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from market.models import User
from market.tokens import email_verification_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
VERIFY = "/api/v1/auth/verify-email/"
RESEND = "/api/v1/auth/verify-email/resend/"
VERIFY_PAGE = "/account/verify-email/"  # the mailed link opens the page


def sign_up(api, email="ani@example.com"):
    return api.post("/api/v1/auth/register/",
                    {"email": email, "password": "kopi-ledo-2026", "name": "Ani"}, format="json")


def mailed_token(message) -> str:
    """The token of the verification link in a mail."""
    link = re.search(r"https?://\S+", message.body).group(0)
    assert urlsplit(link).path == VERIFY_PAGE
    return parse_qs(urlsplit(link).query)["token"][0]


def verify(api, token, **extra):
    return api.post(VERIFY, {"token": token}, format="json", **extra)


@pytest.fixture
def fresh_limits():
    """Counts start from zero (rows, and so user ids, are rolled back between tests)."""
    cache.clear()


def test_signing_up_mails_a_verification_link_and_leaves_the_address_unverified(
    api, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://pasar.example.id"
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(api, "Ani@Example.com")

    assert response.status_code == 201
    user = User.objects.get()
    assert user.email_verified_at is None
    [message] = mail.outbox
    assert message.to == ["ani@example.com"]
    assert f"https://pasar.example.id{VERIFY_PAGE}?token=" in message.body
    assert mailed_token(message)


def test_the_mailed_token_verifies_the_address(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(api)
    token = mailed_token(mail.outbox[0])

    with time_machine.travel(NOW, tick=False):
        response = verify(api, token)

    assert response.status_code == 200
    assert response.json() == {"email": "ani@example.com",
                               "verified_at": "2026-05-04T16:00:00+07:00"}
    assert User.objects.get().email_verified_at == NOW


def test_me_says_whether_the_address_is_verified(user_client):
    unverified = UserFactory(unverified=True)
    assert user_client(unverified).get("/api/v1/me/").json()["email_verified"] is False
    assert verify(user_client(unverified), email_verification_token(unverified)).status_code == 200
    verified = User.objects.get(pk=unverified.pk)
    assert user_client(verified).get("/api/v1/me/").json()["email_verified"] is True
    assert user_client(UserFactory()).get("/api/v1/me/").json()["email_verified"] is True


def test_a_token_works_only_once(api):
    user = UserFactory(unverified=True)
    token = email_verification_token(user)
    assert verify(api, token).status_code == 200
    verified_at = User.objects.get(pk=user.pk).email_verified_at

    again = verify(api, token)

    assert again.status_code == 400
    assert "token" in again.json()
    assert User.objects.get(pk=user.pk).email_verified_at == verified_at


def test_a_token_stops_working_once_the_address_changes(api):
    user = UserFactory(email="lama@example.com", unverified=True)
    token = email_verification_token(user)
    user.email = "baru@example.com"
    user.save()

    response = verify(api, token)

    assert response.status_code == 400
    assert "token" in response.json()
    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_changing_a_verified_address_makes_it_unverified_again():
    user = UserFactory(email="lama@example.com")
    user = User.objects.get(pk=user.pk)
    assert user.email_verified
    user.name = "Nama Baru"
    user.save()
    assert User.objects.get(pk=user.pk).email_verified

    user.email = "baru@example.com"
    user.save(update_fields=["email"])

    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_an_expired_token_fails(api, settings):
    settings.EMAIL_VERIFICATION_MAX_AGE_DAYS = 3
    user = UserFactory(unverified=True)
    with time_machine.travel(NOW, tick=False):
        token = email_verification_token(user)
    with time_machine.travel(NOW + datetime.timedelta(days=3, seconds=1), tick=False):
        expired = verify(api, token)
    with time_machine.travel(NOW + datetime.timedelta(days=2, hours=23), tick=False):
        in_time = verify(api, token)

    assert expired.status_code == 400
    assert "token" in expired.json()
    assert in_time.status_code == 200


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
    lambda token: "x" + token,  # the payload
    lambda token: "",
    lambda token: "bukan-token",
])
def test_a_tampered_token_fails_and_verifies_nothing(api, mangle):
    user = UserFactory(unverified=True)
    response = verify(api, mangle(email_verification_token(user)))
    assert response.status_code == 400
    assert "token" in response.json()
    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_a_token_signed_for_another_purpose_fails(api):
    from django.core import signing

    user = UserFactory(unverified=True)
    forged = signing.dumps({"user": user.pk, "email": user.email})  # the default salt
    assert verify(api, forged).status_code == 400
    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_resend_mails_a_new_link_and_answers_202(user_client, django_capture_on_commit_callbacks):
    user = UserFactory(email="ani@example.com", unverified=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client(user).post(RESEND)

    assert response.status_code == 202
    assert response.json() == {"email": "ani@example.com", "sent": True}
    [message] = mail.outbox
    assert message.to == ["ani@example.com"]
    assert verify(user_client(user), mailed_token(message)).status_code == 200


def test_resend_sends_nothing_to_a_verified_address(
    user_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client(UserFactory()).post(RESEND)
    assert response.status_code == 202
    assert response.json()["sent"] is False
    assert mail.outbox == []


def test_resend_needs_a_login(api):
    assert api.post(RESEND).status_code == 401


def test_verifying_is_limited_per_client(api, settings, fresh_limits):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "verify.client": "2/minute"}
    answers = [verify(api, "bukan-token", REMOTE_ADDR="10.7.7.7").status_code for _ in range(3)]
    assert answers == [400, 400, 429]
    assert int(verify(api, "bukan-token", REMOTE_ADDR="10.7.7.7")["Retry-After"]) > 0
    assert verify(api, "bukan-token", REMOTE_ADDR="10.7.7.8").status_code == 400


def test_resending_is_limited_per_user(user_client, settings, fresh_limits):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "verify_resend.user": "1/minute"}
    user = UserFactory(unverified=True)
    assert user_client(user).post(RESEND).status_code == 202
    limited = user_client(user).post(RESEND, REMOTE_ADDR="10.9.9.9")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert user_client(UserFactory(unverified=True)).post(RESEND).status_code == 202


def test_the_mail_is_not_sent_once_the_address_is_verified(django_capture_on_commit_callbacks):
    from market.services import accounts

    user = UserFactory(unverified=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accounts.user_email_verification_send(user=user)
    User.objects.filter(pk=user.pk).update(email_verified_at=NOW)
    for callback in callbacks:
        callback()
    assert mail.outbox == []


def test_accounts_made_on_the_server_are_verified():
    admin = User.objects.create_superuser("root@example.com", "pass-word-123", name="Root")
    assert admin.email_verified
    signed_up = User.objects.create_user("orang@example.com", "pass-word-123", name="O")
    assert signed_up.email_verified_at is None


def test_the_demo_users_are_verified():
    from market.demo import demo_user

    assert demo_user("demo-baru@pasar.test", "Demo").email_verified


def test_the_migration_marks_existing_users_verified():
    """Replays the data migration's function on an unverified row (the schema is migrated)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("market.migrations.0006_user_email_verified_at")
    user = UserFactory(unverified=True)
    migration.existing_users_verified(apps, None)
    assert User.objects.get(pk=user.pk).email_verified

