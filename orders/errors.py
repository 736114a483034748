"""Domain errors of orders; the one API exception handler maps them to HTTP."""

from django.utils.translation import gettext_lazy as _

from market.errors import Conflict, DomainError


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


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("The order cannot move to that status from its current one.")


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used with a different request.")
