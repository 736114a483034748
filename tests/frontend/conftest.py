"""What the page tests share: a logged-in buyer, a page's text, its messages, its queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import DinasOfficerFactory, MembershipFactory
from tests.payments.conftest import finance_staff_create


@pytest.fixture
def shopper(client, buyer):
    """The buyer, logged in, reading the pages in English."""
    buyer.language = "en"
    buyer.save(update_fields=["language"])
    client.force_login(buyer)
    return client


@pytest.fixture
def as_user(client):
    """`as_user(user)`: the client logged in as `user`, reading the pages in English."""

    def log_in(user):
        user.language = "en"
        user.save(update_fields=["language"])
        client.force_login(user)
        return client

    return log_in


# Who must not learn that a cooperative's back-office pages exist (they answer 404).
OUTSIDERS = ("buyer", "other_staff", "officer_in_scope", "officer_elsewhere", "finance")


@pytest.fixture
def outsider(buyer, officer):
    """`outsider(who)`: a user of OUTSIDERS, none of them staff of the test's cooperative."""
    users = {
        "buyer": lambda: buyer,
        "other_staff": lambda: MembershipFactory(role="owner").user,
        "officer_in_scope": lambda: officer,
        "officer_elsewhere": lambda: DinasOfficerFactory(regions=[]).user,
        "finance": finance_staff_create,
    }
    return lambda who: users[who]()


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def queries_of(client, url: str, **query) -> int:
    """How many SQL queries a GET of the page (with `query` as its query string) runs."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    return len(captured)
