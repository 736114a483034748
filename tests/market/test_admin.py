import pytest

from tests.factories import CooperativeFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/admin/market/user/", "/admin/market/region/", "/admin/market/cooperative/",
    "/admin/market/membership/", "/admin/market/dinasofficer/", "/admin/market/ratmeeting/",
    "/admin/market/invitation/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_lists_search_and_filter(admin_client, url):
    MembershipFactory(cooperative=CooperativeFactory(name="Koperasi Karet Teriak"))
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Teriak"}).status_code == 200


def test_admin_verify_action_goes_through_the_service(admin_client):
    pending = CooperativeFactory(status="pending")
    response = admin_client.post(
        "/admin/market/cooperative/",
        {"action": "verify_selected", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "verified"
    assert pending.status_changed_by is not None
