import pytest

from market.templatetags.money import rupiah
from tests.factories import CooperativeFactory

pytestmark = pytest.mark.django_db


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
