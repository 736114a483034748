"""The buyer's cart; prices are read live from the variants."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import MAX_STOCK, Product, Variant
from market.errors import InvalidInput, NotFound
from market.models import Cooperative, User
from orders.models import CartItem


def variant_on_sale(variant_pk: int) -> Variant:
    """The variant if it can be bought now: active product of a verified cooperative."""
    variant = (
        Variant.objects.select_related("product", "cooperative")
        .filter(
            pk=variant_pk,
            product__status=Product.Status.ACTIVE,
            cooperative__status=Cooperative.Status.VERIFIED,
        )
        .first()
    )
    if variant is None:
        raise InvalidInput(fields={"variant": _("This item is not for sale.")})
    return variant


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
    variant = variant_on_sale(variant_pk)
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
    _check_quantity(variant_on_sale(item.variant_id), quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, user: User, item_pk: int) -> None:
    _own_item(user, item_pk).delete()
