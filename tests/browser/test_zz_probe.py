import pytest
from django.db import connection
from market.models import Region
pytestmark = [pytest.mark.browser]

def test_aaa():
    pass

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_probe(n, page):
    print("\nPROBE before", n, Region.objects.count(), id(connection.connection))
    page.goto("/")
    print("PROBE after", n, Region.objects.count())
