from urllib.parse import parse_qs, urlsplit

import pytest

from frontend.pages import error_messages, safe_next
from market.errors import Conflict, InvalidInput
from market.templatetags.money import rupiah
from tests.factories import CooperativeFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(25000, "Rp25.000"), (0, "Rp0"), (1250000, "Rp1.250.000"), (-4750, "-Rp4.750")],
)
def test_rupiah_is_shown_the_indonesian_way(amount, shown):
    assert rupiah(amount) == shown


def test_the_cooperatives_page_lists_verified_ones(client):
    CooperativeFactory(name="Koperasi Tani Makmur Ledo")
    CooperativeFactory(name="Koperasi Menunggu", status="pending")
    page = client.get("/cooperatives/").content.decode()
    assert "Koperasi Tani Makmur Ledo" in page
    assert "Koperasi Menunggu" not in page


# ---------------------------------------------------------------- frontend.pages


def test_a_refusal_becomes_one_list_of_messages_whatever_its_fields():
    refusal = InvalidInput(fields={"quantity": ["Too many.", "Whole numbers."], "variant": "Gone."})

    assert error_messages(refusal) == ["Too many.", "Whole numbers.", "Gone."]
    assert error_messages(Conflict("Sold out.")) == ["Sold out."]


@pytest.mark.parametrize(("sent", "chosen"), [
    ({"next": "/orders/?page=2"}, "/orders/?page=2"),
    ({"next": "https://elsewhere.example/"}, "/cart/"),
    ({"next": "//elsewhere.example/"}, "/cart/"),
    ({"next": ""}, "/cart/"),
    ({}, "/cart/"),
])
def test_next_is_followed_from_a_form_or_a_query_only_to_this_site(rf, sent, chosen):
    assert safe_next(rf.post("/cart/add/", sent), "/cart/") == chosen
    assert safe_next(rf.get("/account/login/", sent), "/cart/") == chosen


def test_next_in_the_form_wins_over_the_query(rf):
    request = rf.post("/account/login/?next=/orders/", {"next": "/cart/"})
    assert safe_next(request, "/") == "/cart/"


def login_and_next(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)["next"][0]


@pytest.mark.parametrize("path", [
    "/cart/", "/cart/items/1/", "/orders/BKY-2611-000001/received/", "/reviews/1/",
    "/account/notifications/",
])
def test_htmx_after_the_session_ended_sends_the_browser_to_log_in_and_back_to_its_page(
    client, path
):
    response = client.post(path, {"quantity": 2, "all": "1"}, **HTMX,
                           HTTP_HX_CURRENT_URL="http://testserver/search/?q=kopi")

    assert response.status_code == 204
    assert response.content == b""
    assert login_and_next(response["HX-Redirect"]) == ("/account/login/", "/search/?q=kopi")


@pytest.mark.parametrize("shown", [{"HTTP_HX_CURRENT_URL": "https://elsewhere.example/cart/"}, {}])
def test_htmx_from_a_page_not_of_this_site_comes_back_home_after_the_log_in(client, shown):
    response = client.post("/cart/items/1/", {"quantity": 2}, **HTMX, **shown)
    assert login_and_next(response["HX-Redirect"]) == ("/account/login/", "/")


def test_without_htmx_a_missing_log_in_is_a_plain_redirect_to_the_log_in_page(client):
    response = client.post("/cart/items/1/", {"quantity": 2})
    assert response.status_code == 302
    assert login_and_next(response["Location"]) == ("/account/login/", "/cart/items/1/")


def test_the_footer_links_the_api_docs(client):
    assert 'href="/api/v1/docs/"' in client.get("/").content.decode()
