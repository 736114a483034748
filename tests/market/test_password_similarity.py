"""A password too close to one's own name or e-mail is refused at sign-up."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from market.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "email", "password"),
    [
        ("Rahmat Hidayat", "rh@example.com", "rahmathidayat"),
        ("Rahmat Hidayat", "rh@example.com", "RahmatHidayat"),
        ("Siti Nurhaliza", "sn@example.com", "nurhaliza1"),
        ("Budi", "budisantoso@example.com", "budisantoso"),
    ],
)
def test_a_password_like_the_name_or_email_is_refused(api, name, email, password):
    response = api.post(
        "/api/v1/auth/register/", {"email": email, "password": password, "name": name},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.exists()


def test_a_password_unlike_the_name_is_accepted(api):
    response = api.post(
        "/api/v1/auth/register/",
        {"email": "rh@example.com", "password": "lada-seluas-77", "name": "Rahmat Hidayat"},
        format="json",
    )
    assert response.status_code == 201


def test_the_refusal_is_for_similarity_to_the_name_and_nothing_else():
    user = User(email="rh@example.com", name="Rahmat Hidayat")
    with pytest.raises(ValidationError) as refused:
        validate_password("rahmathidayat", user)
    assert [error.code for error in refused.value.error_list] == ["password_too_similar"]
