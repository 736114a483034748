"""GET /cooperatives/?status=: the market's list, or what the caller may see in a status."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
    district,
)

pytestmark = pytest.mark.django_db

LEDO, SANGGAU = "61.07.06", "61.07.04"


def _slugs(client, **query) -> list[str]:
    response = client.get("/api/v1/cooperatives/", query)
    assert response.status_code == 200, response.json()
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def world():
    start = timezone.now() - datetime.timedelta(days=10)
    made = {}
    # Registered on different days, newest first, so that "oldest first" is visible.
    for days, name, code, status in [
        (9, "ledo-newest", LEDO, "pending"), (1, "ledo-oldest", LEDO, "pending"),
        (5, "sanggau-pending", SANGGAU, "pending"), (3, "ledo-rejected", LEDO, "rejected"),
        (2, "ledo-verified", LEDO, "verified"),
    ]:
        with time_machine.travel(start + datetime.timedelta(days=days), tick=False):
            made[name] = CooperativeFactory(slug=name, name=name, region=district(code),
                                            status=status)
    return made


def test_an_officer_gets_the_queue_of_their_regions_oldest_first(user_client, world):
    officer = DinasOfficerFactory(regions=[district(LEDO)]).user
    assert _slugs(user_client(officer), status="pending") == ["ledo-oldest", "ledo-newest"]
    assert _slugs(user_client(officer), status="rejected") == ["ledo-rejected"]


def test_an_officer_of_the_regency_sees_every_kecamatan_and_can_narrow_it(user_client, world):
    officer = DinasOfficerFactory(regions=[district(LEDO).parent]).user
    assert _slugs(user_client(officer), status="pending") == [
        "ledo-oldest", "sanggau-pending", "ledo-newest"]
    assert _slugs(user_client(officer), status="pending", region=SANGGAU) == ["sanggau-pending"]


def test_staff_see_their_own_cooperative_in_the_queue_and_nobody_elses(user_client, world):
    staff = MembershipFactory(cooperative=world["ledo-newest"], role="staff").user
    assert _slugs(user_client(staff), status="pending") == ["ledo-newest"]


def test_others_see_no_pending_cooperative(api, user_client, world):
    assert _slugs(api, status="pending") == []
    assert _slugs(user_client(UserFactory()), status="pending") == []


def test_the_platform_admin_sees_every_queue(user_client, world):
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert _slugs(user_client(admin), status="pending") == [
        "ledo-oldest", "sanggau-pending", "ledo-newest"]


def test_without_a_status_the_list_is_the_markets(user_client, world):
    officer = DinasOfficerFactory(regions=[district(LEDO)]).user
    assert _slugs(user_client(officer)) == ["ledo-verified"]
    assert _slugs(user_client(officer), status="verified") == ["ledo-verified"]


def test_an_unknown_status_is_a_400_naming_it(api):
    response = api.get("/api/v1/cooperatives/", {"status": "waiting"})
    assert response.status_code == 400
    assert "status" in response.json()
