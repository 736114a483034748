"""Bad input never answers 500, and every answer under /api/ is JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.models import PRODUCT_DESCRIPTION_MAX_LENGTH, Product
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _is_json(response) -> bool:
    return response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_deeply_nested_json_is_a_400(api, depth):
    response = api.post("/api/v1/auth/register/", _nested(depth), content_type="application/json",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_json_nested_within_the_limit_is_read(api):
    # 32 levels is allowed; the body is then refused for its fields, not its shape.
    response = api.post("/api/v1/auth/register/", _nested(32), content_type="application/json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_a_body_over_the_limit_is_a_413_before_it_is_read(api, settings):
    body = json.dumps({"email": "a@example.com", "password": "x" * settings.API_MAX_BODY_BYTES})
    response = api.post("/api/v1/auth/register/", body, content_type="application/json")
    assert response.status_code == 413
    assert _is_json(response)


def test_an_upload_may_be_bigger_than_a_json_body_but_not_unbounded(api, settings):
    api.force_authenticate(UserFactory())

    def post_claiming(length: int):
        # The claimed length is what the check reads; nothing that large is sent.
        return api.generic("POST", "/api/v1/payments/1/proof/", b"--x--",
                           content_type="multipart/form-data; boundary=x",
                           CONTENT_LENGTH=str(length))

    assert post_claiming(settings.API_MAX_BODY_BYTES + 1).status_code != 413
    too_big = post_claiming(settings.UPLOAD_MAX_BODY_BYTES + 1)
    assert too_big.status_code == 413
    assert _is_json(too_big)


def test_too_many_form_fields_is_a_400_in_json(api):
    fields = "&".join(f"f{n}=1" for n in range(1_500))
    response = api.post("/api/v1/auth/register/", fields,
                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert _is_json(response)


@pytest.mark.parametrize("path", ["/api/v1/payments/abc/", "/api/v1/nothing-here/",
                                  "/api/v2/products/"])
def test_unknown_paths_answer_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert _is_json(response)
    assert response.json()["detail"]


def test_a_wrong_method_answers_json_405(api):
    response = api.delete("/api/v1/regions/")
    assert response.status_code == 405
    assert _is_json(response)


def test_a_description_beyond_the_bound_is_a_400_and_creates_nothing(user_client):
    membership = MembershipFactory(role="staff", cooperative__status="verified")
    response = user_client(membership.user).post("/api/v1/products/", {
        "cooperative": membership.cooperative.slug, "name": "Kopi", "category": "pangan",
        "description": "kopi " * (PRODUCT_DESCRIPTION_MAX_LENGTH // 5 + 1),
        "variants": [{"sku": "K1", "name": "250 g", "price": 25000, "stock": 3}],
    }, format="json")
    assert response.status_code == 400
    assert "description" in response.json()
    assert not Product.objects.exists()


def test_the_api_answers_json_503_when_the_database_is_down():
    """A real outage: the app in its own process, pointed at a port where nothing listens."""
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='localhost').get('/api/v1/products/',"
        "                                      HTTP_AUTHORIZATION='Token abc');"
        "print(r.status_code, r['Content-Type'], r.content.decode())"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "market.settings", "DEBUG": "1",
                        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing",
                        "REDIS_URL": ""}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    status, content_type, body = result.stdout.strip().split(" ", 2)
    assert (status, content_type) == ("503", "application/json"), result.stderr
    assert json.loads(body)["code"] == "database_unavailable"


def test_pages_send_a_content_security_policy_without_outside_origins(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy  # no outside origin at all while Stripe is off


def test_the_policy_allows_stripe_only_when_stripe_is_on():
    script = ("import django; django.setup(); from django.conf import settings;"
              "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])")
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "market.settings", "DEBUG": "1",
                        "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    assert "https://js.stripe.com" in result.stdout


def test_the_docs_page_runs_under_the_policy(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"<script>" not in page.content  # the split view loads its script from 'self'
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"
    assert "http" not in policy


def test_a_cooperative_profile_text_beyond_the_bound_is_a_400(user_client):
    owner = MembershipFactory(role="owner")
    response = user_client(owner.user).patch(
        f"/api/v1/cooperatives/{owner.cooperative.slug}/",
        {"description": "x" * 5_001}, format="json",
    )
    assert response.status_code == 400
    assert "description" in response.json()
