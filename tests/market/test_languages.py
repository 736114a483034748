"""The caller's language everywhere: the saved `User.language`, else the `django_language`
cookie, else Accept-Language, else Bahasa Indonesia; mails in the recipient's language."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from knox.models import AuthToken

from market.models import User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC)  # 10.00 in Jakarta
REGISTER = "/api/v1/auth/register/"
TAKEN_ID = "Pengguna dengan e-mail ini sudah ada."
TAKEN_EN = "A user with this e-mail already exists."


def sign_up(api, email="ani@example.com", **extra):
    return api.post(REGISTER, {"email": email, "password": "kopi-ledo-2026", "name": "Ani"},
                    format="json", **extra)


def token_for(user) -> dict:
    _token, key = AuthToken.objects.create(user)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def page_language(response) -> str:
    return response.headers["Content-Language"]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(("language", "date", "datetime_"), [
    ("id", "1 Desember 2026", "1 Desember 2026, 10.00"),
    ("en", "Dec. 1, 2026", "Dec. 1, 2026, 10 a.m."),
])
def test_the_date_filter_writes_the_month_in_the_active_language(language, date, datetime_):
    template = Template('{{ at|date }} / {{ at|date:"DATETIME_FORMAT" }}')
    with translation.override(language):
        rendered = template.render(Context({"at": NOW}))

    assert rendered == f"{date} / {datetime_}"


# ---------------------------------------------------------------- the API


def test_an_api_refusal_is_in_indonesian_unless_english_is_asked_for(api):
    UserFactory(email="ani@example.com")

    default = sign_up(api)
    english = sign_up(api, HTTP_ACCEPT_LANGUAGE="en")

    assert default.status_code == english.status_code == 400
    assert default.json()["email"] == [TAKEN_ID]
    assert page_language(default) == "id"
    assert english.json()["email"] == [TAKEN_EN]
    assert page_language(english) == "en"
    assert User.objects.count() == 1


def test_drf_s_own_messages_are_in_indonesian_too(api):
    missing = api.post(REGISTER, {}, format="json")
    bad_token = api.get("/api/v1/me/", HTTP_AUTHORIZATION="Token bukan-token")

    assert missing.json()["email"] == ["Bidang ini harus diisi."]
    assert bad_token.status_code == 401
    assert bad_token.json()["detail"] == "Token tidak valid."


def test_the_language_cookie_wins_over_accept_language(api):
    UserFactory(email="ani@example.com")
    api.cookies["django_language"] = "en"

    response = sign_up(api, HTTP_ACCEPT_LANGUAGE="id")

    assert response.json()["email"] == [TAKEN_EN]


@pytest.mark.parametrize(("saved", "asked", "expected"), [
    ("en", "id", "This field is required."),
    ("id", "en", "Bidang ini harus diisi."),
])
def test_a_token_user_is_answered_in_their_saved_language_whatever_the_request_asks(
    api, saved, asked, expected
):
    user = UserFactory(language=saved)
    api.cookies["django_language"] = asked

    response = api.patch("/api/v1/me/", {}, format="json", HTTP_ACCEPT_LANGUAGE=asked,
                         **token_for(user))

    assert response.status_code == 400
    assert response.json()["language"] == [expected]
    assert page_language(response) == saved
    user.refresh_from_db()
    assert user.language == saved


def test_a_user_saves_their_language_and_is_answered_in_it_from_then_on(api):
    user = UserFactory(language="id")
    headers = token_for(user)

    changed = api.patch("/api/v1/me/", {"language": "en"}, format="json", **headers)
    after = api.get("/api/v1/me/", **headers)

    assert changed.status_code == 200
    assert changed.json()["language"] == "en"
    assert page_language(after) == "en"
    user.refresh_from_db()
    assert user.language == "en"


def test_an_unknown_language_is_refused_and_nothing_changes(api):
    user = UserFactory(language="id")

    response = api.patch("/api/v1/me/", {"language": "fr"}, format="json", **token_for(user))

    assert response.status_code == 400
    assert list(response.json()) == ["language"]
    user.refresh_from_db()
    assert user.language == "id"


def test_a_refusal_before_any_view_follows_accept_language_too(api):
    english = api.get("/api/v1/regions/", {"q": "a\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    default = api.get("/api/v1/regions/", {"q": "a\x00"})

    assert english.json() == {"q": ["NUL bytes are not allowed."]}
    assert default.json() == {"q": ["Byte NUL tidak diizinkan."]}


# ---------------------------------------------------------------- pages


def test_a_page_is_in_indonesian_unless_the_browser_asks_for_english():
    client = Client()

    default = client.get("/")
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert page_language(default) == "id"
    assert '<html lang="id"' in default.content.decode()
    assert page_language(english) == "en"
    assert '<html lang="en"' in english.content.decode()


def test_a_logged_in_user_s_pages_follow_their_saved_language_over_cookie_and_browser():
    client = Client()
    client.force_login(UserFactory(language="en"))
    client.cookies["django_language"] = "id"

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="id")

    assert page_language(response) == "en"
    assert '<html lang="en"' in response.content.decode()


# ---------------------------------------------------------------- mails


def test_signing_up_saves_the_request_s_language_and_mails_the_link_in_it(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(api, "ani@example.com", HTTP_ACCEPT_LANGUAGE="en")
        sign_up(api, "budi@example.com")

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {
        "ani@example.com": "Confirm your e-mail address for Pasar Koperasi",
        "budi@example.com": "Konfirmasi alamat e-mail Anda untuk Pasar Koperasi",
    }
    assert dict(User.objects.values_list("email", "language")) == {
        "ani@example.com": "en", "budi@example.com": "id",
    }


def test_a_password_reset_mail_is_in_the_recipient_s_language_not_the_asker_s(
    api, django_capture_on_commit_callbacks
):
    UserFactory(email="ani@example.com", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/auth/password-reset/", {"email": "ani@example.com"}, format="json",
                 HTTP_ACCEPT_LANGUAGE="id")

    [message] = mail.outbox
    assert message.subject == "Set a new password for Pasar Koperasi"
    assert "The link works once, for 1\xa0day." in message.body


def test_an_invitation_is_mailed_in_the_invitee_s_language_else_in_indonesian(
    user_client, cooperative, django_capture_on_commit_callbacks
):
    owner = MembershipFactory(cooperative=cooperative, role="owner", user__language="id").user
    UserFactory(email="ani@example.com", language="en")
    client = user_client(owner)

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        for address in ("ani@example.com", "tamu@example.com"):
            client.post(f"/api/v1/cooperatives/{cooperative.slug}/members/",
                        {"email": address, "role": "staff"}, format="json")

    by_address = {message.to[0]: message for message in mail.outbox}
    english, indonesian = by_address["ani@example.com"], by_address["tamu@example.com"]
    assert english.subject.startswith("Invitation to join")
    assert "as staff" in english.body
    assert "(until Dec. 15, 2026)" in english.body
    assert indonesian.subject.startswith("Undangan bergabung dengan")
    assert "sebagai staf" in indonesian.body
    assert "(sampai 15 Desember 2026)" in indonesian.body
