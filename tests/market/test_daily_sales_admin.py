"""The daily sales figures in the admin: listed, filtered and searched, never edited there
(they come from the sale and refund events alone)."""

import datetime

import pytest

from market.models import DailySales
from tests.factories import CooperativeFactory, category, district

pytestmark = pytest.mark.django_db

LIST = "/admin/market/dailysales/"


@pytest.fixture
def figures() -> dict[str, DailySales]:
    teriak = CooperativeFactory(name="Koperasi Karet Teriak", region=district("61.07.04"))
    ledo = CooperativeFactory(name="Koperasi Kopi Ledo", region=district("61.07.06"))
    return {
        "teriak": DailySales.objects.create(
            day=datetime.date(2026, 3, 14), cooperative=teriak, category=category("kopi-teh"),
            orders=3, items=7, gross=175_000, refunds=25_000,
        ),
        "ledo": DailySales.objects.create(
            day=datetime.date(2025, 12, 31), cooperative=ledo, category=None,
            orders=1, items=2, gross=40_000, refunds=0,
        ),
    }


def listed(response) -> list[DailySales]:
    return list(response.context["cl"].result_list)


def test_the_list_shows_each_days_figures_and_net(admin_client, figures):
    response = admin_client.get(LIST)

    assert response.status_code == 200
    assert listed(response) == [figures["teriak"], figures["ledo"]]  # the latest day first
    page = response.content.decode()
    assert "Koperasi Karet Teriak" in page
    assert "150000" in page  # net: 175.000 gross less 25.000 refunds
    assert "175000" in page
    assert "25000" in page


def test_the_list_filters_by_day_and_by_the_cooperatives_region(admin_client, figures):
    region = figures["ledo"].cooperative.region

    by_year = admin_client.get(LIST, {"day__year": "2026"})
    by_region = admin_client.get(LIST, {"cooperative__region__id__exact": region.pk})

    assert listed(by_year) == [figures["teriak"]]
    assert listed(by_region) == [figures["ledo"]]


def test_the_list_searches_the_cooperatives_name(admin_client, figures):
    response = admin_client.get(LIST, {"q": "Ledo"})

    assert listed(response) == [figures["ledo"]]


def test_the_figures_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, figures):
    row = figures["teriak"]
    change = f"{LIST}{row.pk}/change/"

    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(change, {"orders": 99, "gross": 1}).status_code == 403
    assert admin_client.post(f"{LIST}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(LIST).context["action_form"] is None  # not even a bulk delete
    viewed = admin_client.get(change)
    assert viewed.status_code == 200  # read-only
    assert not viewed.context["has_change_permission"]
    row.refresh_from_db()
    assert (row.orders, row.gross) == (3, 175_000)
    assert DailySales.objects.count() == 2
