"""Catalog edits racing on PostgreSQL: the product's lowest price stays true.

Each thread has its own database connection. A barrier holds both edits after
they changed their variant and before the lowest price is computed, so without
the product lock both would compute it from the other's old price.
"""

import threading

import pytest

from catalog import services
from catalog.models import Product
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_price_edits_of_one_product_at_once_leave_the_true_lowest_price(monkeypatch):
    # Given a product at 50,000 (its variants: 50,000 and 60,000)
    product = ProductFactory(variants=[{"price": 50_000}, {"price": 60_000}])
    staff = MembershipFactory(cooperative=product.cooperative, role="staff").user
    cheap, dear = product.variants.order_by("price")
    # Both edits wait here, their variant written and not committed, until both are.
    both_written = threading.Barrier(2)
    refresh = services.product_price_refresh

    def refresh_when_both_written(product: Product) -> None:
        both_written.wait(timeout=10)
        refresh(product)

    monkeypatch.setattr(services.products, "product_price_refresh", refresh_when_both_written)
    edits = [(cheap, 100_000), (dear, 70_000)]

    # When one edit raises the cheap variant and the other lowers the dear one
    results = run_together(2, lambda i: services.variant_update(
        actor=staff, variant=edits[i][0], price=edits[i][1]
    ))

    # Then the product costs the new lowest price: 70,000, neither 50,000 nor 60,000
    assert not [result for result in results if isinstance(result, Exception)], results
    product.refresh_from_db()
    assert product.price == 70_000
