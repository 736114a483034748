"""Owners racing on PostgreSQL: a cooperative never ends without an owner."""

import pytest

from market.errors import LastOwner
from market.models import Membership
from market.services import members
from tests.factories import CooperativeFactory, MembershipFactory
from tests.orders.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_owners_removing_each_other_at_once_leave_one_owner():
    cooperative = CooperativeFactory()
    first, second = (MembershipFactory(cooperative=cooperative, role="owner") for _ in range(2))
    MembershipFactory(cooperative=cooperative, role="staff")
    pairs = [(first, second), (second, first)]

    results = run_together(2, lambda i: members.membership_remove(
        actor=pairs[i][0].user, cooperative=cooperative, membership_pk=pairs[i][1].pk
    ))

    # The loser waited for the lock and found itself removed: no longer allowed at all.
    assert sorted(type(result).__name__ for result in results) == ["NoneType", "NotAllowed"]
    assert Membership.objects.filter(cooperative=cooperative, role="owner").count() == 1


def test_three_owners_all_leaving_at_once_leave_one_owner():
    cooperative = CooperativeFactory()
    owners = [MembershipFactory(cooperative=cooperative, role="owner") for _ in range(3)]

    results = run_together(3, lambda i: members.membership_remove(
        actor=owners[i].user, cooperative=cooperative, membership_pk=owners[i].pk
    ))

    assert sum(isinstance(result, LastOwner) for result in results) == 1
    assert [r for r in results if not isinstance(r, LastOwner)] == [None, None]
    assert Membership.objects.filter(cooperative=cooperative, role="owner").count() == 1
