import pytest

from market.templatetags.money import rupiah
from tests.factories import CooperativeFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(25000, "Rp25.000"), (0, "Rp0"), (1250000, "Rp1.250.000"), (-4750, "-Rp4.750")],
)
def test_rupiah_is_shown_the_indonesian_way(amount, shown):
    assert rupiah(amount) == shown


def test_the_market_page_lists_and_searches_products(client):
    ProductFactory(name="Kopi Robusta Ledo", variants=[{"price": 45000}])
    ProductFactory(name="Lada Putih Seluas", variants=[{"price": 120000}])
    ProductFactory(name="Kopi Draft", status="draft")

    page = client.get("/").content.decode()
    assert "Kopi Robusta Ledo" in page
    assert "Rp45.000" in page
    assert "Kopi Draft" not in page

    found = client.get("/", {"q": "lada"}).content.decode()
    assert "Lada Putih Seluas" in found
    assert "Kopi Robusta Ledo" not in found


def test_an_unknown_category_in_the_address_shows_everything(client):
    ProductFactory(name="Madu Kelulut")
    response = client.get("/", {"category": "tidak-ada"})
    assert response.status_code == 200
    assert "Madu Kelulut" in response.content.decode()


def test_the_market_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(30):
        ProductFactory()
    with django_assert_max_num_queries(5):
        response = client.get("/")
    assert response.content.decode().count('class="card"') == 24


def test_the_cooperatives_page_lists_verified_ones(client):
    CooperativeFactory(name="Koperasi Tani Makmur Ledo")
    CooperativeFactory(name="Koperasi Menunggu", status="pending")
    page = client.get("/cooperatives/").content.decode()
    assert "Koperasi Tani Makmur Ledo" in page
    assert "Koperasi Menunggu" not in page
