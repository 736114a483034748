"""Shipping options each cooperative offers."""

from market.models import Cooperative, User
from market.policies import can_manage_cooperative, ensure
from orders.models import ShippingOption


def shipping_option_add(
    *, actor: User, cooperative: Cooperative, name: str, kind: str, fee: int
) -> ShippingOption:
    """Owner or manager offer a way to get the goods to buyers, with its fee."""
    ensure(can_manage_cooperative(actor, cooperative))
    return ShippingOption.objects.create(cooperative=cooperative, name=name, kind=kind, fee=fee)
