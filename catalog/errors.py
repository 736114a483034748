"""Domain errors of the catalog; the one API exception handler maps them to HTTP."""

from django.utils.translation import gettext_lazy as _

from market.errors import Conflict


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    default_message = _("Not enough stock for some items.")

    def __init__(self, variant_ids: list[int]):
        super().__init__(variants=sorted(variant_ids))
        self.variant_ids = sorted(variant_ids)


class NotAvailable(Conflict):
    """Items no longer sold: archived product, or a cooperative not verified."""

    code = "not_available"
    default_message = _("Some items are no longer sold.")

    def __init__(self, variant_ids: list[int]):
        super().__init__(variants=sorted(variant_ids))


class NotDelivered(Conflict):
    code = "not_delivered"
    default_message = _("A product can be reviewed once its order has been delivered.")


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    default_message = _("This order line has been reviewed already.")


class ProductGone(Conflict):
    """The line's variant was deleted, so nothing says which product it was."""

    code = "product_gone"
    default_message = _("This product is no longer in the catalog, so it cannot be reviewed.")
