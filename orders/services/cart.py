"""The buyer's cart; prices are read live from the variants."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import MAX_STOCK, Variant
from catalog.stock import variant_for_sale
from market.errors import InvalidInput, NotFound
from market.models import User
from orders.models import CartItem


def _check_quantity(variant: Variant, quantity: int) -> None:
    if not 0 < quantity <= MAX_STOCK:
        raise InvalidInput(fields={"quantity": _("Must be at least 1.")})
    if quantity > variant.stock:
        raise InvalidInput(
            fields={"quantity": _("Only %(stock)d in stock.") % {"stock": variant.stock}}
        )


@transaction.atomic
def cart_item_add(*, user: User, variant_pk: int, quantity: int) -> CartItem:
    """Put a variant in the cart, or add to the quantity already there."""
    variant = variant_for_sale(variant_pk)
    item = CartItem.objects.select_for_update().filter(user=user, variant=variant).first()
    if item is None:
        _check_quantity(variant, quantity)
        try:
            with transaction.atomic():
                return CartItem.objects.create(user=user, variant=variant, quantity=quantity)
        except IntegrityError:  # the same variant added at the same moment (double tap)
            item = CartItem.objects.select_for_update().get(user=user, variant=variant)
    total = quantity + item.quantity
    _check_quantity(variant, total)
    item.quantity = total
    item.save(update_fields=["quantity"])
    return item


def _own_item(user: User, item_pk: int) -> CartItem:
    item = CartItem.objects.select_related("variant").filter(pk=item_pk, user=user).first()
    if item is None:
        raise NotFound()
    return item


@transaction.atomic
def cart_item_update(*, user: User, item_pk: int, quantity: int) -> CartItem:
    item = _own_item(user, item_pk)
    _check_quantity(variant_for_sale(item.variant_id), quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, user: User, item_pk: int) -> None:
    _own_item(user, item_pk).delete()
