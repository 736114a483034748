"""The account pages: sign-up, e-mail verification, log-in and lockout, log-out, password
reset, language, notifications and their preferences, all without JavaScript."""

import datetime
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from market.models import Notification, NotificationPreference, User
from market.tokens import email_verification_token
from tests.factories import MembershipFactory, NotificationFactory, UserFactory, order_placed

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # the factories' password
NEW_PASSWORD = "Kopi-Ledo-baru-2026"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _address() -> str:
    """A client address no other test used (lockouts and limits are per address)."""
    number = uuid.uuid4().int
    return f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250}"


@pytest.fixture
def english():
    """A browser that chose English (the pages' words are checked in their msgids)."""
    browser = Client(REMOTE_ADDR=_address())
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def _logged_in(user) -> Client:
    browser = Client(REMOTE_ADDR=_address())
    browser.force_login(user)
    return browser


def _text(response) -> str:
    return response.content.decode()


def _mailed_link(message) -> tuple[str, dict]:
    """The path and query of the link of this site in a mail."""
    link = re.search(rf"{re.escape(settings.SITE_URL)}/\S+", message.body).group(0)
    parts = urlsplit(link)
    return parts.path, {name: values[0] for name, values in parse_qs(parts.query).items()}


def _is_logged_in(browser) -> bool:
    return browser.get("/account/").status_code == 200


# ---------------------------------------------------------------- register


def test_the_register_page_labels_every_field_and_tells_the_password_rules(english):
    page = _text(english.get("/account/register/"))
    for field in ("name", "email", "phone", "password"):
        assert f'<label for="id_{field}">' in page
    assert 'autocomplete="new-password"' in page
    assert "at least 8 characters" in page


def test_signing_up_logs_in_mails_a_link_and_goes_to_next(
    english, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/account/register/", {
            "name": "Dewi Lestari", "email": "Dewi@Example.com", "phone": "",
            "password": NEW_PASSWORD, "next": "/cart/",
        })

    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    user = User.objects.get(email="dewi@example.com")
    assert (user.name, user.email_verified) == ("Dewi Lestari", False)
    assert "Check your e-mail" in _text(english.get("/"))
    assert _is_logged_in(english)
    [message] = mail.outbox
    assert message.to == ["dewi@example.com"]
    assert _mailed_link(message)[0] == "/account/verify-email/"


def test_signing_up_without_next_goes_home(english):
    response = english.post("/account/register/", {
        "name": "Dewi", "email": "dewi@example.com", "password": NEW_PASSWORD,
    })
    assert response["Location"] == "/"


def test_signing_up_with_a_taken_email_shows_why_and_creates_nothing(
    english, django_capture_on_commit_callbacks
):
    UserFactory(email="ani@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/account/register/", {
            "name": "Ani", "email": "ANI@example.com", "password": NEW_PASSWORD,
        })
    assert response.status_code == 400
    assert "A user with this e-mail already exists." in _text(response)
    assert User.objects.filter(email="ani@example.com").count() == 1
    assert not mail.outbox
    assert not _is_logged_in(english)


def test_signing_up_with_a_weak_password_shows_the_rule_next_to_it_and_creates_nothing(english):
    response = english.post("/account/register/", {
        "name": "Budi", "email": "budi@example.com", "password": "12345678",
    })
    page = _text(response)
    assert response.status_code == 400
    assert re.search(r'id="id_password-error">.*This password is too common', page, re.S)
    assert 'value="budi@example.com"' in page  # typed input kept, the password is not
    assert "12345678" not in page
    assert not User.objects.filter(email="budi@example.com").exists()


def test_a_sign_up_form_missing_fields_is_refused(english):
    response = english.post("/account/register/", {"email": "not an address"})
    assert response.status_code == 400
    assert not User.objects.exists()


def test_sign_ups_from_the_page_count_against_the_api_limit(english, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "signup.client": "1/hour"}
    english.post("/api/v1/auth/register/", {
        "name": "Api", "email": "api@example.com", "password": NEW_PASSWORD,
    }, content_type="application/json")
    response = english.post("/account/register/", {
        "name": "Page", "email": "page@example.com", "password": NEW_PASSWORD,
    })
    assert response.status_code == 429
    assert not User.objects.filter(email="page@example.com").exists()


# ---------------------------------------------------------------- verify e-mail


def test_the_mailed_link_opens_a_page_that_verifies_on_its_button(
    english, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        english.post("/account/register/", {
            "name": "Dewi", "email": "dewi@example.com", "password": NEW_PASSWORD,
        })
    path, query = _mailed_link(mail.outbox[0])

    opened = english.get(path, query)  # a mail scanner does only this
    user = User.objects.get(email="dewi@example.com")
    assert opened.status_code == 200
    assert f'name="token" value="{query["token"]}"' in _text(opened)
    assert not user.email_verified

    clicked = english.post(path, {"token": query["token"]})
    user.refresh_from_db()
    assert clicked.status_code == 302
    assert clicked["Location"] == "/account/"
    assert user.email_verified
    assert "Your e-mail address is verified." in _text(english.get("/account/"))


def test_verifying_while_logged_out_leads_to_the_log_in(english):
    user = UserFactory(unverified=True)
    response = english.post("/account/verify-email/", {"token": email_verification_token(user)})
    user.refresh_from_db()
    assert response["Location"] == "/account/login/"
    assert user.email_verified


def test_a_bad_verification_link_says_so_and_verifies_nothing(english):
    user = UserFactory(unverified=True)
    response = english.post("/account/verify-email/", {"token": "not-a-token"})
    user.refresh_from_db()
    assert response.status_code == 400
    assert "This link is invalid, used or expired" in _text(response)
    assert not user.email_verified


def test_a_logged_in_unverified_user_gets_a_new_link(django_capture_on_commit_callbacks):
    user = UserFactory(unverified=True, language="en")
    browser = _logged_in(user)
    assert 'name="resend"' in _text(browser.get("/account/"))

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/account/verify-email/", {"resend": "1", "next": "/account/"})

    assert response["Location"] == "/account/"
    [message] = mail.outbox
    assert message.to == [user.email]
    assert _mailed_link(message)[0] == "/account/verify-email/"
    assert "A new link is on its way" in _text(browser.get("/account/"))


def test_a_verified_user_asking_for_a_link_gets_none(django_capture_on_commit_callbacks):
    browser = _logged_in(UserFactory(language="en"))
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/account/verify-email/", {"resend": "1"})
    assert not mail.outbox
    assert "verified already" in _text(browser.get("/account/"))


def test_asking_for_a_new_link_needs_a_log_in(english, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/account/verify-email/", {"resend": "1"})
    assert response["Location"].startswith("/account/login/?next=")
    assert not mail.outbox


# ---------------------------------------------------------------- log in and out


def test_the_log_in_page_has_labelled_fields(english):
    page = _text(english.get("/account/login/?next=/orders/"))
    assert '<label for="id_email">' in page
    assert 'autocomplete="current-password"' in page
    assert 'name="next" value="/orders/"' in page


def test_logging_in_starts_a_new_session_and_goes_to_next(english):
    user = UserFactory()
    session = english.session
    session["seen"] = True
    session.save()
    before = english.cookies[settings.SESSION_COOKIE_NAME].value

    response = english.post("/account/login/", {"email": user.email.upper(),
                                                "password": PASSWORD, "next": "/orders/"})

    assert response.status_code == 302
    assert response["Location"] == "/orders/"
    assert english.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert english.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("next_url", [
    "https://evil.example/", "//evil.example/", "javascript:alert(1)", "http:/\\evil.example",
])
def test_next_to_another_site_is_ignored(english, next_url):
    user = UserFactory()
    response = english.post("/account/login/", {"email": user.email, "password": PASSWORD,
                                                "next": next_url})
    assert response["Location"] == "/"


@pytest.mark.parametrize("email", ["known", "unknown@example.com"])
def test_a_wrong_log_in_says_only_that_one_of_the_two_is_wrong(english, email):
    user = UserFactory()
    response = english.post("/account/login/", {
        "email": user.email if email == "known" else email, "password": "guess-word-999",
    })
    assert response.status_code == 400
    assert "Wrong e-mail or password." in _text(response)
    assert not _is_logged_in(english)


def test_repeated_failures_lock_the_log_in_even_with_the_right_password(english, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    answers = [
        english.post("/account/login/", {"email": user.email, "password": "guess"}).status_code
        for _ in range(3)
    ]
    right = english.post("/account/login/", {"email": user.email, "password": PASSWORD})

    assert answers == [400, 400, 429]
    assert right.status_code == 429
    assert int(right["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "Too many failed log-ins" in _text(right)
    assert '<label for="id_email">' in _text(right)  # the page, not a bare text
    assert not _is_logged_in(english)
    # The account is locked from anywhere, the API included.
    other = Client(REMOTE_ADDR=_address())
    assert other.post("/account/login/", {"email": user.email,
                                          "password": PASSWORD}).status_code == 429
    assert other.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD},
                      content_type="application/json").status_code == 429


def test_log_out_needs_a_post(english):
    user = UserFactory(language="en")
    english.force_login(user)

    asked = english.get("/account/logout/")
    assert asked.status_code == 200
    assert 'id="logout-submit"' in _text(asked)
    assert _is_logged_in(english)

    response = english.post("/account/logout/")
    assert response["Location"] == "/"
    assert not _is_logged_in(english)
    assert "You are logged out." in _text(english.get("/"))


# ---------------------------------------------------------------- password reset


@pytest.fixture
def reset_link(english, django_capture_on_commit_callbacks):
    """Ask on the page for a reset of `user`'s password; answers the mailed link."""

    def ask(user) -> tuple[str, dict]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            english.post("/account/password-reset/", {"email": user.email})
        [message] = mail.outbox
        return _mailed_link(message)

    return ask


def test_asking_for_a_reset_answers_the_same_whether_or_not_the_address_has_an_account(
    english, django_capture_on_commit_callbacks
):
    user = UserFactory()
    answers = []
    for email in (user.email, "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = english.post("/account/password-reset/", {"email": email})
        answers.append((response.status_code, response["Location"],
                        _text(english.get(response["Location"])).count("is on its way to it")))
    assert answers[0] == answers[1] == (302, "/account/password-reset/", 1)
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_a_reset_request_without_an_address_is_refused(english, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/account/password-reset/", {"email": "no"})
    assert response.status_code == 400
    assert not mail.outbox


def test_the_mailed_reset_link_opens_a_page_that_sets_the_password(english, reset_link):
    user = UserFactory()
    path, query = reset_link(user)
    assert path == "/account/password-reset/confirm/"

    opened = english.get(path, query)
    assert opened.status_code == 200
    assert f'name="token" value="{query["token"]}"' in _text(opened)

    response = english.post(path, {**query, "password": NEW_PASSWORD,
                                   "password_again": NEW_PASSWORD})
    assert response["Location"] == "/account/login/"
    assert "Your password is set. Log in with it." in _text(english.get("/account/login/"))
    logged_in = english.post("/account/login/", {"email": user.email, "password": NEW_PASSWORD})
    assert logged_in.status_code == 302
    assert _is_logged_in(english)


@pytest.mark.parametrize(("again", "shown"), [
    (NEW_PASSWORD + "x", "The two passwords differ."),
    (None, "This password is too common."),
])
def test_a_refused_new_password_is_shown_and_nothing_changes(english, reset_link, again, shown):
    user = UserFactory()
    path, query = reset_link(user)
    password = NEW_PASSWORD if again else "password123"
    response = english.post(path, {**query, "password": password,
                                   "password_again": again or password})
    user.refresh_from_db()
    assert response.status_code == 400
    assert shown in _text(response)
    assert user.check_password(PASSWORD)


def test_a_tampered_reset_link_is_refused_and_changes_nothing(english, reset_link):
    user = UserFactory()
    path, query = reset_link(user)
    response = english.post(path, {"uid": query["uid"], "token": query["token"] + "x",
                                   "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    user.refresh_from_db()
    assert response.status_code == 400
    assert "This link is invalid, used or expired" in _text(response)
    assert 'href="/account/password-reset/"' in _text(response)
    assert user.check_password(PASSWORD)


# ---------------------------------------------------------------- the account page


def test_the_account_page_needs_a_log_in(english):
    response = english.get("/account/")
    assert response["Location"] == "/account/login/?next=/account/"


def test_the_account_page_shows_the_person_the_links_and_a_log_out_button():
    user = UserFactory(name="Sari Wulandari", language="en")
    page = _text(_logged_in(user).get("/account/"))
    assert "Sari Wulandari" in page
    assert user.email in page
    assert "not verified yet" not in page
    assert 'name="resend"' not in page
    for path in ("/orders/", "/account/notifications/", "/account/notifications/preferences/"):
        assert f'href="{path}"' in page
    assert re.search(r'<form method="post" action="/account/logout/">', page)


def test_an_unverified_address_is_shown_as_such_on_the_account_page():
    page = _text(_logged_in(UserFactory(unverified=True, language="en")).get("/account/"))
    assert "not verified yet" in page
    assert 'name="resend"' in page


# ---------------------------------------------------------------- language


def test_an_anonymous_visitor_choice_of_language_is_kept_in_a_cookie(client):
    assert '<html lang="id">' in _text(client.get("/"))

    response = client.post("/account/language/", {"language": "en", "next": "/cooperatives/"})

    assert response["Location"] == "/cooperatives/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = _text(client.get("/"))
    assert '<html lang="en">' in page
    assert "Cart" in page


def test_a_logged_in_user_choice_of_language_is_kept_for_every_device():
    user = UserFactory(language="id")
    phone = _logged_in(user)

    response = phone.post("/account/language/", {"language": "en", "next": "/account/"})

    user.refresh_from_db()
    assert response["Location"] == "/account/"
    assert user.language == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    laptop = _logged_in(user)  # no cookie there
    page = _text(laptop.get("/"))
    assert '<html lang="en">' in page
    assert "Cart" in page


@pytest.mark.parametrize("language", ["xx", "", "en-gb-evil"])
def test_an_unknown_language_is_refused_and_nothing_changes(language):
    user = UserFactory(language="id")
    browser = _logged_in(user)
    response = browser.post("/account/language/", {"language": language, "next": "/"})
    user.refresh_from_db()
    assert response.status_code == 400
    assert 'class="field-error"' in _text(response)
    assert user.language == "id"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_language_choice_ignores_next_to_another_site(client):
    response = client.post("/account/language/", {"language": "en",
                                                  "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_footer_form_offers_the_languages_and_posts_here(client):
    page = _text(client.get("/account/language/"))
    assert 'action="/account/language/"' in page
    assert 'value="en"' in page


# ---------------------------------------------------------------- notifications


def test_the_notifications_page_needs_a_log_in(english):
    response = english.get("/account/notifications/")
    assert response["Location"] == "/account/login/?next=/account/notifications/"


def test_notifications_are_listed_newest_first_with_the_unread_marked():
    user = UserFactory(language="en")
    old = NotificationFactory(recipient=user, title="Lama", read_at=timezone.now(),
                              created_at=timezone.now() - datetime.timedelta(days=2))
    new = NotificationFactory(recipient=user, title="Baru")
    NotificationFactory(title="Orang lain")

    page = _text(_logged_in(user).get("/account/notifications/"))

    assert page.index("Baru") < page.index("Lama")
    assert "Orang lain" not in page
    assert f'id="notification-{new.pk}"' in page
    unread = re.findall(r'class="box notification unread" id="notification-(\d+)"', page)
    assert unread == [str(new.pk)]
    assert f'id="notification-{old.pk}"' in page


def test_notifications_are_paginated():
    user = UserFactory(language="en")
    NotificationFactory.create_batch(25, recipient=user)
    browser = _logged_in(user)
    first = _text(browser.get("/account/notifications/"))
    second = _text(browser.get("/account/notifications/", {"page": 2}))
    assert first.count('class="box notification') == 20
    assert second.count('class="box notification') == 5
    assert 'href="?page=2"' in first


def test_marking_one_read_without_javascript_goes_back_to_the_page():
    user = UserFactory()
    notification = NotificationFactory(recipient=user)
    response = _logged_in(user).post("/account/notifications/", {
        "notification": notification.pk, "next": "/account/notifications/?page=1",
    })
    notification.refresh_from_db()
    assert response["Location"] == "/account/notifications/?page=1"
    assert notification.read_at is not None


def test_marking_one_read_with_htmx_answers_the_item_alone():
    user = UserFactory()
    notification = NotificationFactory(recipient=user)
    response = _logged_in(user).post("/account/notifications/",
                                     {"notification": notification.pk}, **HTMX)
    notification.refresh_from_db()
    fragment = _text(response)
    assert response.status_code == 200
    assert "<html" not in fragment
    assert fragment.strip().startswith(f'<li class="box notification" id="notification-'
                                       f'{notification.pk}"')
    assert notification.read_at is not None


def test_opening_an_order_notification_marks_it_read_and_opens_the_order_page():
    order = order_placed()
    notification = NotificationFactory(recipient=order.buyer,
                                       link=f"/api/v1/orders/{order.number}/")
    browser = _logged_in(order.buyer)
    assert 'name="open"' in _text(browser.get("/account/notifications/"))
    response = browser.post("/account/notifications/",
                            {"notification": notification.pk, "open": "1"})
    notification.refresh_from_db()
    assert response["Location"] == f"/orders/{order.number}/"
    assert notification.read_at is not None


def test_a_staff_members_order_notification_opens_the_back_office_order():
    order = order_placed()
    staff = MembershipFactory(cooperative=order.cooperative, role="staff").user
    notification = NotificationFactory(recipient=staff, link=f"/api/v1/orders/{order.number}/")
    response = _logged_in(staff).post("/account/notifications/",
                                      {"notification": notification.pk, "open": "1"})
    assert response["Location"] == f"/office/{order.cooperative.slug}/orders/{order.number}/"


@pytest.mark.parametrize(
    "link", ["/api/v1/me/invitations/", "/api/v1/cooperatives/tani/", "staff-order"]
)
def test_a_link_without_a_page_of_the_buyers_is_not_offered_but_marks_read(link):
    """A staff member's order notification has no buyer page; API paths are never opened."""
    user = UserFactory()
    if link == "staff-order":
        link = f"/api/v1/orders/{order_placed().number}/"
    notification = NotificationFactory(recipient=user, link=link)
    browser = _logged_in(user)
    assert 'name="open"' not in _text(browser.get("/account/notifications/"))
    response = browser.post("/account/notifications/",
                            {"notification": notification.pk, "open": "1"})
    notification.refresh_from_db()
    assert response["Location"] == "/account/notifications/"
    assert notification.read_at is not None


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_another_users_notification_cannot_be_marked_read(headers):
    notification = NotificationFactory()
    browser = _logged_in(UserFactory())
    response = browser.post("/account/notifications/", {"notification": notification.pk},
                            **headers)
    notification.refresh_from_db()
    assert response.status_code == 404
    assert notification.read_at is None


@pytest.mark.parametrize("pk", ["abc", "", "-1", "0", str(2**70), "٣"])
def test_a_malformed_notification_is_a_404(pk):
    response = _logged_in(UserFactory()).post("/account/notifications/", {"notification": pk})
    assert response.status_code == 404


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_marking_all_read_leaves_the_others_notifications_alone(headers):
    user = UserFactory(language="en")
    NotificationFactory.create_batch(3, recipient=user)
    someone_elses = NotificationFactory()

    response = _logged_in(user).post("/account/notifications/",
                                     {"all": "1", "next": "/account/notifications/"}, **headers)

    if headers:
        assert response.status_code == 200
        assert 'id="notifications"' in _text(response)
        assert "notification unread" not in _text(response)
    else:
        assert response["Location"] == "/account/notifications/"
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    someone_elses.refresh_from_db()
    assert someone_elses.read_at is None


def test_the_notifications_page_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    user = UserFactory()
    browser = _logged_in(user)
    counts = []
    for total in (5, 30):
        NotificationFactory.create_batch(total - Notification.objects.count(), recipient=user,
                                         link="/api/v1/orders/PK-1/")
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/account/notifications/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(7):
        browser.get("/account/notifications/")


# ---------------------------------------------------------------- preferences


def test_the_preferences_page_has_a_box_per_kind_and_channel():
    user = UserFactory(language="en")
    page = _text(_logged_in(user).get("/account/notifications/preferences/"))
    kinds = len(Notification.Kind.values)
    assert page.count('type="checkbox"') == kinds * 3
    assert re.search(r'id="pref-order_paid-email" name="order_paid.email" checked>', page)
    assert re.search(r'id="pref-order_paid-gateway" name="order_paid.gateway">', page)
    assert re.search(r'id="pref-member_invited-email" name="member_invited.email" disabled>', page)
    assert re.search(r'id="pref-order_paid-in_app" name="order_paid.in_app" checked disabled>',
                     page)
    assert '<label for="pref-order_paid-gateway"' in page


def test_saving_preferences_keeps_the_ticked_boxes():
    user = UserFactory(language="en")
    browser = _logged_in(user)
    page = _text(browser.get("/account/notifications/preferences/"))
    # What the browser sends: every enabled box that is ticked...
    ticked = set(re.findall(r'name="([a-z_]+\.[a-z_]+)" checked>', page))
    ticked -= {"order_paid.email"}
    ticked |= {"order_paid.gateway"}

    response = browser.post("/account/notifications/preferences/", dict.fromkeys(ticked, "on"))

    assert response["Location"] == "/account/notifications/preferences/"
    saved = {(row.kind, row.channel): row.enabled
             for row in NotificationPreference.objects.filter(user=user)}
    assert saved == {("order_paid", "email"): False, ("order_paid", "gateway"): True}
    assert "Your notification choices are saved." in _text(browser.get(response["Location"]))
    again = browser.post("/account/notifications/preferences/", dict.fromkeys(ticked, "on"))
    assert again.status_code == 302
    assert NotificationPreference.objects.filter(user=user).count() == 2


def test_a_channel_never_sent_for_a_kind_is_refused_and_nothing_changes():
    user = UserFactory(language="en")
    browser = _logged_in(user)
    response = browser.post("/account/notifications/preferences/", {
        "member_invited.email": "on", "order_paid.gateway": "on",
    })
    assert response.status_code == 400
    assert "member_invited is not sent by email" in _text(response)
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_the_preferences_page_needs_a_log_in(english):
    response = english.get("/account/notifications/preferences/")
    assert response["Location"].startswith("/account/login/?next=")
