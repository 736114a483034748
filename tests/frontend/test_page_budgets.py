"""The buyer pages' budget (issue 12): at most 60 KB of HTML, CSS and JS over the wire
(gzip, images aside) and a fixed number of SQL queries, with a realistic catalog."""

import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from catalog.services import review_create
from orders.models import Order
from tests.factories import (
    CooperativeFactory,
    ProductFactory,
    ProductImageFactory,
    category,
    order_placed,
)
from tests.frontend.conftest import queries_of

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 60 * 1024
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')
NAMES = ["Kopi Robusta Biji Sangrai {}", "Lada Putih Butir Premium {}", "Madu Kelulut Hutan {}",
         "Tikar Anyaman Rotan Motif Dayak {}", "Gula Aren Semut Organik {}"]
DESCRIPTION = ("Dari kebun dan bengkel anggota koperasi di Kabupaten Bengkayang, dipetik, diolah "
               "dan dikemas sendiri; dikirim dalam dua hari kerja ke seluruh kecamatan. ") * 3


def catalog_of(count: int) -> list:
    """`count` products of four cooperatives, each with three photos and their thumbnails."""
    cooperatives = [CooperativeFactory(name=f"Koperasi Produsen Tani Makmur {n}")
                    for n in range(4)]
    products = []
    for number in range(count):
        product = ProductFactory(
            name=NAMES[number % len(NAMES)].format(number), description=DESCRIPTION,
            cooperative=cooperatives[number % 4], category=category("kopi-teh"),
            variants=[{"name": "250 g", "price": 35_000 + number * 500, "stock": 50},
                      {"name": "1 kg", "price": 120_000 + number * 500, "stock": 20}],
        )
        for position in range(3):
            ProductImageFactory(product=product, position=position, thumbnails={
                size: f"products/{product.pk}/thumbnails/{product.pk}-{position}-{size}.webp"
                for size in ("small", "medium", "large")
            })
        products.append(product)
    return products


def reviews_of(product, count: int) -> None:
    for number in range(count):
        order = order_placed(variant=product.variants.order_by("pk").first(),
                             status=Order.Status.DELIVERED)
        review_create(buyer=order.buyer, order_line_pk=order.lines.get().pk,
                      rating=4 + number % 2, text="Barang sampai cepat, rasanya enak. " * 4)


def transferred(client, url: str) -> tuple[int, dict[str, int]]:
    """The gzip bytes of the page and of every stylesheet and script it loads."""
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"  # as GZipMiddleware sends it
    parts = {"HTML": len(response.content)}
    for address in ASSET.findall(gzip.decompress(response.content).decode()):
        path = finders.find(address.removeprefix("/" + settings.STATIC_URL.lstrip("/")))
        assert path, f"{address} is not a static file"
        with open(path, "rb") as asset:
            parts[address] = len(gzip.compress(asset.read(), compresslevel=9))
    return sum(parts.values()), parts


def assert_within_budget(client, url: str) -> None:
    total, parts = transferred(client, url)
    figures = ", ".join(f"{name} {size:,} B" for name, size in parts.items())
    assert total <= BUDGET_BYTES, f"{url}: {total:,} B gzip > {BUDGET_BYTES:,} ({figures})"


def test_the_home_page_stays_within_60_kb_and_its_queries(client):
    catalog_of(5)
    few = queries_of(client, "/")
    catalog_of(35)
    assert queries_of(client, "/") == few
    assert_within_budget(client, "/")


def test_search_results_stay_within_60_kb_and_their_queries(client):
    url = "/search/?q=kopi&category=makanan-minuman&in_stock=1&sort=price"
    catalog_of(5)
    few = queries_of(client, url)
    catalog_of(35)
    assert queries_of(client, url) == few
    assert_within_budget(client, "/search/?category=makanan-minuman")  # a full page of 24
    assert_within_budget(client, url)


def test_the_product_page_stays_within_60_kb_and_its_queries(client):
    product, *_ = catalog_of(40)
    reviews_of(product, 2)
    few = queries_of(client, f"/products/{product.pk}/")
    reviews_of(product, 10)
    assert queries_of(client, f"/products/{product.pk}/") == few
    assert_within_budget(client, f"/products/{product.pk}/")
