"""Shipping options: anyone reads a cooperative's, only its owner or manager adds one."""

import pytest

from orders.models import ShippingOption
from tests.factories import CooperativeFactory, MembershipFactory, ShippingOptionFactory

pytestmark = pytest.mark.django_db

NEW_OPTION = {"name": "Antar ke rumah", "kind": "delivery", "fee": 15_000}


def url(cooperative) -> str:
    return f"/api/v1/cooperatives/{cooperative.slug}/shipping-options/"


def test_anyone_reads_the_offered_options_in_the_order_they_were_added(api, cooperative):
    pickup = ShippingOptionFactory(cooperative=cooperative, name="Ambil di toko", kind="pickup",
                                   fee=0)
    courier = ShippingOptionFactory(cooperative=cooperative, name="JNE", kind="courier",
                                    fee=22_000)
    ShippingOptionFactory(cooperative=cooperative, is_active=False)
    ShippingOptionFactory(cooperative=CooperativeFactory())

    response = api.get(url(cooperative))

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": pickup.pk, "name": "Ambil di toko", "kind": "pickup", "fee": 0},
        {"id": courier.pk, "name": "JNE", "kind": "courier", "fee": 22_000},
    ]


def test_a_pending_cooperatives_options_are_hidden_from_the_public(api):
    pending = CooperativeFactory(status="pending")
    ShippingOptionFactory(cooperative=pending)

    assert api.get(url(pending)).status_code == 404


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owner_and_manager_add_an_option(user_client, cooperative, role):
    user = MembershipFactory(cooperative=cooperative, role=role).user

    response = user_client(user).post(url(cooperative), NEW_OPTION, format="json")

    assert response.status_code == 201, response.json()
    option = ShippingOption.objects.get()
    assert response.json() == {"id": option.pk, **NEW_OPTION}
    assert (option.cooperative, option.name, option.kind, option.fee) == (
        cooperative, "Antar ke rumah", "delivery", 15_000)


def test_staff_and_buyers_cannot_add_an_option(user_client, cooperative, staff, buyer):
    staff_answer = user_client(staff).post(url(cooperative), NEW_OPTION, format="json")
    buyer_answer = user_client(buyer).post(url(cooperative), NEW_OPTION, format="json")

    assert (staff_answer.status_code, buyer_answer.status_code) == (403, 403)
    assert not ShippingOption.objects.exists()


def test_the_owner_of_another_cooperative_cannot_add_an_option(user_client, cooperative):
    other_owner = MembershipFactory(cooperative=CooperativeFactory(), role="owner").user

    response = user_client(other_owner).post(url(cooperative), NEW_OPTION, format="json")

    assert response.status_code == 403
    assert not ShippingOption.objects.exists()


def test_adding_an_option_needs_a_login(api, cooperative):
    assert api.post(url(cooperative), NEW_OPTION, format="json").status_code == 401
    assert not ShippingOption.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "drone"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"fee": -1}, "fee"),
        ({"fee": 1_500.5}, "fee"),
        ({"fee": "lima ribu"}, "fee"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(user_client, cooperative, owner, changes, field):
    response = user_client(owner).post(url(cooperative), {**NEW_OPTION, **changes},
                                       format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ShippingOption.objects.exists()
