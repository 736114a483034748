import pytest
from django.urls import get_resolver
from tests.factories import ProductFactory, ProductImageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("n", [1, 2])
def test_probe(page, n, settings):
    product = ProductFactory(name="Kopi")
    im = ProductImageFactory(product=product)
    page.goto(f"/products/{product.pk}/")
    print(im.image.path, [p.default_args for p in get_resolver().url_patterns if "media" in str(p.pattern)])
