"""Domain errors of orders; the one API exception handler maps them to HTTP."""

from django.utils.translation import gettext_lazy as _

from market.errors import Conflict, DomainError


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("The order cannot move to that status from its current one.")


class OwnCooperative(Conflict):
    code = "own_cooperative"
    default_message = _("Staff of a cooperative cannot buy from it.")


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used with a different request.")
