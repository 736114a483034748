"""What each kind of notification says: a title, a body and a link, from its data.

The data is language-neutral (numbers, names, codes), stored on the delivery; the
text is rendered when it is sent, under the recipient's language.
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from market.models import Notification, User

Kind = Notification.Kind

TITLES = {
    Kind.ORDER_PLACED: _("Order %(number)s placed"),
    Kind.ORDER_PAID: _("Order %(number)s paid"),
    Kind.ORDER_ACCEPTED: _("Order %(number)s accepted"),
    Kind.ORDER_SHIPPED: _("Order %(number)s shipped"),
    Kind.ORDER_DELIVERED: _("Order %(number)s delivered"),
    Kind.ORDER_CANCELLED: _("Order %(number)s cancelled"),
    Kind.ORDER_REFUNDED: _("Order %(number)s refunded"),
    Kind.REFUND_FAILED: _("Refund of order %(number)s failed"),
    Kind.LOW_STOCK: _("Low stock at %(cooperative)s"),
    Kind.COOPERATIVE_VERIFIED: _("%(cooperative)s is verified"),
    Kind.COOPERATIVE_REJECTED: _("%(cooperative)s was rejected"),
    Kind.COOPERATIVE_SUSPENDED: _("%(cooperative)s is suspended"),
    Kind.COOPERATIVE_PENDING: _("%(cooperative)s waits for verification"),
    Kind.MEMBER_INVITED: _("Invitation to join %(cooperative)s"),
    Kind.MONTHLY_REPORT: _("Monthly report %(region)s, %(month)s"),
}

BODIES = {
    Kind.ORDER_PLACED: _("Order %(number)s at %(cooperative)s for %(total)s has been placed."),
    Kind.ORDER_PAID: _("Order %(number)s at %(cooperative)s is paid (%(total)s). "
                       "It waits for the cooperative to accept it."),
    Kind.ORDER_ACCEPTED: _("%(cooperative)s accepted order %(number)s and is preparing it."),
    Kind.ORDER_SHIPPED: _("Order %(number)s is on its way with %(carrier)s, "
                          "tracking number %(tracking_number)s."),
    Kind.ORDER_DELIVERED: _("Order %(number)s from %(cooperative)s has been delivered."),
    Kind.ORDER_CANCELLED: _("Order %(number)s at %(cooperative)s has been cancelled."),
    Kind.ORDER_REFUNDED: _("%(amount)s of order %(number)s has been refunded."),
    Kind.REFUND_FAILED: _("The refund of %(amount)s for order %(number)s failed: %(note)s"),
    Kind.LOW_STOCK: _("These variants of %(cooperative)s ran low on %(day)s:"),
    Kind.COOPERATIVE_VERIFIED: _("The dinas verified %(cooperative)s: its products can now be "
                                 "sold. %(note)s"),
    Kind.COOPERATIVE_REJECTED: _("The dinas rejected the registration of %(cooperative)s. "
                                 "%(note)s"),
    Kind.COOPERATIVE_SUSPENDED: _("The dinas suspended %(cooperative)s. %(note)s"),
    Kind.COOPERATIVE_PENDING: _("%(cooperative)s in %(region)s registered and waits for your "
                                "verification."),
    Kind.MEMBER_INVITED: _("You are invited to help run %(cooperative)s as %(role)s."),
    Kind.MONTHLY_REPORT: _("The report of %(region)s for %(month)s: %(orders)s orders, "
                           "net sales %(net)s. The workbook is attached to the e-mail."),
}
LOW_STOCK_LINE = _("%(sku)s %(name)s: %(stock)s left")


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str


def message_render(*, kind: str, data: dict, recipient: User) -> Message:
    """The notification in the recipient's language (Bahasa Indonesia unless they chose)."""
    with translation.override(recipient.language or "id"):
        values = _Values(data)
        title = " ".join((str(TITLES[kind]) % values).split())[:200]
        body = (str(BODIES[kind]) % values).strip()
        if kind == Kind.LOW_STOCK:
            body += "".join(f"\n- {str(LOW_STOCK_LINE) % line}" for line in data["variants"])
    return Message(title=title, body=body, link=data.get("link", ""))


class _Values(dict):
    """A missing value reads as empty rather than failing the whole message."""

    def __missing__(self, key: str) -> str:
        return ""
