import pytest

from market.models import User
from tests.factories import DinasOfficerFactory, MembershipFactory, UserFactory, district

pytestmark = pytest.mark.django_db


def test_register_creates_a_user_and_answers_id_email_name(api):
    response = api.post(
        "/api/v1/auth/register/",
        {"email": "Ani@Example.com", "password": "kopi-ledo-2026", "name": "Ani"},
        format="json",
    )
    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {"id": user.pk, "email": "ani@example.com", "name": "Ani"}
    assert user.check_password("kopi-ledo-2026")


def test_register_refuses_a_taken_email_and_a_weak_password(api):
    UserFactory(email="ani@example.com")
    taken = api.post("/api/v1/auth/register/",
                     {"email": "ANI@example.com", "password": "kopi-ledo-2026", "name": "A"})
    weak = api.post("/api/v1/auth/register/",
                    {"email": "budi@example.com", "password": "123", "name": "B"})
    assert taken.status_code == 400
    assert "email" in taken.json()
    assert weak.status_code == 400
    assert "password" in weak.json()
    assert User.objects.count() == 1


def test_token_is_issued_for_the_right_password_only(api):
    UserFactory(email="ani@example.com")
    good = api.post("/api/v1/auth/token/", {"email": "Ani@Example.com ",
                                            "password": "pass-word-123"})
    bad = api.post("/api/v1/auth/token/", {"email": "ani@example.com", "password": "nope"})
    assert good.status_code == 200
    assert set(good.json()) == {"token", "expires_at"}
    assert bad.status_code == 400

    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {good.json()['token']}")
    assert me.status_code == 200
    assert me.json()["email"] == "ani@example.com"


def test_me_needs_a_login(api):
    assert api.get("/api/v1/me/").status_code == 401


def test_me_lists_cooperative_roles_and_dinas_regions(user_client):
    membership = MembershipFactory(role="manager")
    officer = DinasOfficerFactory(user=membership.user, regions=[district("61.07.06")])
    body = user_client(officer.user).get("/api/v1/me/").json()
    assert body["cooperatives"] == [
        {"slug": membership.cooperative.slug, "name": membership.cooperative.name,
         "role": "manager", "membership_id": membership.pk}
    ]
    assert body["dinas_regions"] == ["61.07.06"]


