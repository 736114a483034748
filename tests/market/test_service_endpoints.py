import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_each_component(api, settings):
    settings.REDIS_URL = ""
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "disabled"}


def test_healthz_is_503_when_the_database_is_down(api, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = api.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.redis
def test_healthz_sees_the_broker_when_redis_is_configured(api):
    assert api.get("/healthz").json()["broker"] == "ok"


def test_the_openapi_schema_validates_and_lists_every_endpoint(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    for path in [
        "/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/me/", "/api/v1/regions/",
        "/api/v1/cooperatives/", "/api/v1/cooperatives/{slug}/",
        "/api/v1/cooperatives/{slug}/verify/", "/api/v1/cooperatives/{slug}/members/",
        "/api/v1/cooperatives/{slug}/rat/",
    ]:
        assert path in schema["paths"], path


def test_every_operation_has_a_summary_one_declared_tag_and_its_error_answers(api):
    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    declared = {tag["name"] for tag in schema["tags"]}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert len(operation["tags"]) == 1, where
            assert operation["tags"][0] in declared, where
            assert "503" in operation["responses"], where  # the database may be down
            if operation.get("security") and {} not in operation["security"]:
                assert "401" in operation["responses"], where


def test_the_docs_page_describes_authentication_and_errors(api):
    description = yaml.safe_load(api.get("/api/v1/schema/").content)["info"]["description"]
    for topic in ("Authorization: Token", "expires_at", "429", "Retry-After", "Idempotency-Key"):
        assert topic in description, topic


def test_the_docs_page_loads_its_assets_from_our_own_server(api):
    html = api.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_production_settings_pass_check_deploy():
    env = {
        key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}
    } | {
        "DJANGO_SETTINGS_MODULE": "market.settings",
        "SECRET_KEY": "x7#Lk2!pQ9vR4mZ8wT1yB6nC3dF5gH0jK-production-like-key",
        "ALLOWED_HOSTS": "pasar.example.id",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_in_production():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "market.settings"},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("url", "named"),
    [("/api/v1/regions/?parent=%00", "parent"), ("/api/v1/cooperatives/?q=a%00b", "q"),
     ("/?q=%00", "q"), ("/koperasi/?region=61%0007", "region"),
     ("/api/v1/orders/BKY%00/", "detail")],
)
def test_a_nul_byte_in_the_address_is_a_400_not_a_database_error(api, url, named):
    response = api.get(url)
    assert response.status_code == 400
    assert "NUL" in str(response.json()[named])
