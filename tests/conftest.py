"""Shared fixtures, and the rule for service tests.

Tests marked `postgres`, `redis`, `worker`, `stripe` or `browser` need a real service. On
a machine without it they skip; under CI=true a missing service fails the test instead,
so CI always exercises the real components.
"""

import importlib.util
import os

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
# Debian's Chromium (.ci/run installs it); Playwright's own browser download is not used.
CHROMIUM = "/usr/bin/chromium"


def _redis_up() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _missing_services(item) -> list[str]:
    missing = []
    # A browser test's live server thread cannot share the test's in-memory SQLite database.
    needs_postgres = any(item.get_closest_marker(m) for m in ("postgres", "worker", "browser"))
    needs_redis = item.get_closest_marker("redis") or item.get_closest_marker("worker")
    if needs_postgres and connection.vendor != "postgresql":
        missing.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if needs_redis and not _redis_up():
        missing.append("Redis (set REDIS_URL=redis://...)")
    if item.get_closest_marker("stripe") and importlib.util.find_spec("localstripe") is None:
        missing.append("localstripe (pip install localstripe)")
    if item.get_closest_marker("browser"):
        if not os.access(CHROMIUM, os.X_OK):
            missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
        if importlib.util.find_spec("playwright") is None:
            missing.append("Playwright (pip install playwright)")
    return missing


def pytest_runtest_setup(item):
    missing = _missing_services(item)
    if missing:
        reason = "needs " + " and ".join(missing)
        if IN_CI:
            pytest.fail(f"service test cannot run under CI=true: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _private_media_in_tmp(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user_client():
    """A logged-in API client for a given user: `user_client(user)`."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def buyer():
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def cooperative():
    return CooperativeFactory()


@pytest.fixture
def owner(cooperative):
    return MembershipFactory(cooperative=cooperative, role="owner").user


@pytest.fixture
def manager(cooperative):
    return MembershipFactory(cooperative=cooperative, role="manager").user


@pytest.fixture
def staff(cooperative):
    return MembershipFactory(cooperative=cooperative, role="staff").user


@pytest.fixture
def officer(cooperative):
    """A dinas officer overseeing the cooperative's regency (and so its kecamatan)."""
    return DinasOfficerFactory(regions=[cooperative.region.parent]).user


@pytest.fixture
def platform_admin():
    return UserFactory(is_staff=True, is_superuser=True)


def pytest_collection_modifyitems(items):
    """Every transactional test restores the database as it found it.

    A transactional test ends with a flush, which would also drop the rows of
    the data migrations (regions, categories) for the tests after it, and
    mixing flushed and restored tests breaks the restore; so all of them use
    serialized rollback.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get(
            "serialized_rollback"
        ):
            item.add_marker(
                pytest.mark.django_db(**marker.kwargs, serialized_rollback=True), append=False
            )
