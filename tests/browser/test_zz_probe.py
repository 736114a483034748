import os
import pytest, requests
from django.db import connection
from market.models import Region
pytestmark = [pytest.mark.browser]

@pytest.mark.django_db
def test_aaa():
    pass

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_probe(n, live_server, request):
    from django.db import connections
    print("\nPROBE before", n, Region.objects.count(), id(connections["default"]), hasattr(connections["default"], "_test_serialized_contents"))
    mode = os.environ["MODE"]
    if mode == "playwright":
        request.getfixturevalue("playwright")
    elif mode == "browser":
        request.getfixturevalue("browser")
    elif mode == "page":
        request.getfixturevalue("page")
    from django.db import connections
    print("PROBE after", n, Region.objects.count(), id(connections["default"]), hasattr(connections["default"], "_test_serialized_contents"))
