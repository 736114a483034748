"""The browser tests' own checks catch what they are there to catch."""

import struct

import pytest
from django.db import connection
from playwright.sync_api import Error as PlaywrightError

from tests.browser.checks import SCREENSHOTS, assert_nothing_overflows, axe_check, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_script_the_csp_refuses_is_a_browser_error(page, browser_errors):
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true")

    assert page.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in message for message in browser_errors.unexpected())
    browser_errors.ignore("Content Security Policy")
    assert browser_errors.unexpected() == []


def test_an_uncaught_exception_is_a_browser_error(page, browser_errors):
    page.goto("/")

    with page.expect_event("pageerror"):
        page.evaluate("() => { setTimeout(() => { throw new Error('keranjang hilang') }) }")

    assert browser_errors.unexpected() == [f"uncaught exception at {page.url}: keranjang hilang"]
    browser_errors.ignore("keranjang hilang")


def test_axe_check_names_each_serious_violation_and_where_it_is(page):
    page.goto("/")
    # Through the DOM: the CSP would refuse a script tag, not this.
    page.evaluate("""() => {
        const button = document.createElement("button");
        button.id = "nameless";
        document.querySelector("main").append(button);
    }""")

    with pytest.raises(AssertionError) as failure:
        axe_check(page)

    assert "- button-name (critical): Buttons must have discernible text; at #nameless" in str(
        failure.value
    )


def test_an_element_past_the_phones_edge_is_named(open_page):
    page = open_page(phone=True)
    page.goto("/")
    page.evaluate("""() => {
        const banner = document.createElement("div");
        banner.id = "wide";
        banner.textContent = "Promo";
        banner.style.width = "500px";
        document.querySelector("main").append(banner);
    }""")

    with pytest.raises(AssertionError, match=r"div#wide \(right edge at \d+ px\)"):
        assert_nothing_overflows(page)


def test_a_screenshot_is_a_png_of_the_whole_page(open_page):
    page = open_page(phone=True)
    page.goto("/")

    path = screenshot(page, "checks: whole page")

    assert path == SCREENSHOTS / "checks-whole-page.png"
    png = path.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width == 360
    assert height == page.evaluate("() => document.documentElement.scrollHeight") > 740


def test_log_in_gives_the_page_a_session_of_the_user(page, log_in):
    user = UserFactory(email="yohana@example.com")

    log_in(page, user)

    assert page.request.get("/api/v1/me/").json()["email"] == "yohana@example.com"


def test_mail_the_live_server_sends_is_in_the_outbox(page, mailoutbox):
    response = page.request.post(
        "/api/v1/auth/register/",
        data={"email": "ani@example.com", "password": "kopi-ledo-2026", "name": "Ani"},
    )

    assert response.status == 201
    assert [message.to for message in mailoutbox] == [["ani@example.com"]]


def test_with_the_browser_running_the_test_database_can_still_be_restored(page):
    # The rows the migrations ship (regions, categories) come back after each test from
    # this copy; without it the next tests would find no region at all.
    assert connection._test_serialized_contents
