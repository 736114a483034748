"""Domain errors raised by services; `market.api_support.exception_handler` maps them to HTTP."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every business-rule refusal."""

    status_code = 400
    code = "invalid"
    default_message = _("The request cannot be carried out.")
    headers: dict[str, str] = {}

    def __init__(self, message=None, *, fields: dict | None = None, **extra):
        self.message = message or self.default_message
        self.fields = fields or {}
        self.extra = extra
        super().__init__(str(self.message))

    def as_payload(self) -> dict:
        if self.fields:
            return {name: [str(m) for m in _as_list(msgs)] for name, msgs in self.fields.items()}
        return {"code": self.code, "detail": str(self.message), **self.extra}


def _as_list(messages) -> list:
    return messages if isinstance(messages, list | tuple) else [messages]


class InvalidInput(DomainError):
    """Input that breaks a business rule; 400 naming the field."""


class NotAllowed(DomainError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    """The request is valid but the current state forbids it (stock, status)."""

    status_code = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class LastOwner(Conflict):
    code = "last_owner"
    default_message = _("The last owner cannot be removed or leave; another owner must join first.")


class LastOwnerAccount(Conflict):
    """Deleting the account would leave cooperatives without an owner; `message` names them."""

    code = "last_owner"
    default_message = _(
        "This account is the last owner of a cooperative; make another member owner first."
    )


class InvitationExpired(Conflict):
    code = "invitation_expired"
    default_message = _("This invitation has expired; ask the owner for a new one.")


class InvitationAnswered(Conflict):
    code = "invitation_answered"
    default_message = _("This invitation has already been answered or cancelled.")


class CooperativeNotActive(Conflict):
    code = "cooperative_not_active"
    default_message = _("A rejected or suspended cooperative cannot invite anyone.")


class EmailUnverified(NotAllowed):
    code = "email_unverified"
    default_message = _(
        "Verify your e-mail address first: follow the link we mailed to it "
        "(POST /api/v1/auth/verify-email/resend/ sends a new one)."
    )


class NikTaken(Conflict):
    code = "nik_taken"
    default_message = _("Another cooperative that is not rejected holds this NIK.")


class LockedOut(DomainError):
    """Too many failed log-ins for the account or the client; wait out the cool-off."""

    status_code = 429
    code = "locked_out"
    default_message = _("Too many failed log-ins. Try again later.")

    def __init__(self, message=None, *, retry_after: int, **extra):
        super().__init__(message, **extra)
        self.headers = {"Retry-After": str(retry_after)}
