"""seed_bulk: a large synthetic catalog for the benchmark, added run after run.

The command commits batch by batch (and vacuums on PostgreSQL, which cannot
run inside a transaction), so these tests run it outside the test transaction.
"""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Min

from catalog.models import Product, Variant
from catalog.search import product_search
from market.models import Cooperative

pytestmark = pytest.mark.django_db(transaction=True)


def seed_bulk_twice() -> None:
    for _run in range(2):
        call_command("seed_bulk", products=300, cooperatives=5, batch=100, stdout=io.StringIO())


def test_seed_bulk_twice_adds_two_catalogs_with_unique_slugs_and_skus():
    seed_bulk_twice()

    assert Product.objects.count() == 600
    slugs = list(Product.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == 600
    skus = list(Variant.objects.values_list("sku", flat=True))
    assert len(set(skus)) == len(skus)
    variants_per_product = Product.objects.annotate(count=Count("variants")).values_list(
        "count", flat=True
    )
    assert set(variants_per_product) <= {1, 2, 3}
    assert len({sku.split("-")[1] for sku in skus}) == 2  # each run has its own token


def test_seed_bulk_prices_each_product_at_its_cheapest_variant():
    seed_bulk_twice()

    products = Product.objects.annotate(lowest=Min("variants__price"))
    assert not products.exclude(price=F("lowest")).exists()
    assert not Variant.objects.filter(price__lte=0).exists()
    assert not Variant.objects.filter(stock__lt=0).exists()


def test_seed_bulk_spreads_products_over_verified_cooperatives_reused_by_the_second_run():
    seed_bulk_twice()

    sellers = Cooperative.objects.filter(products__isnull=False).distinct()
    assert sellers.count() == 5
    assert set(sellers.values_list("status", flat=True)) == {Cooperative.Status.VERIFIED}
    assert not Variant.objects.exclude(cooperative_id=F("product__cooperative_id")).exists()


@pytest.mark.postgres
def test_seed_bulk_products_are_found_by_search():
    seed_bulk_twice()

    assert not Product.objects.filter(search_vector__isnull=True).exists()
    wordiest = sorted(
        Product.objects.filter(status=Product.Status.ACTIVE),
        key=lambda product: (-len(product.name.split()), product.pk),
    )[:5]
    for product in wordiest:
        found = product_search(Product.objects.all(), product.name).order_by("-relevance", "pk")
        assert product.pk in list(found.values_list("pk", flat=True)[:20]), product.name
