"""Counts in every page's header, computed only when the header shows them."""

from django.utils.functional import SimpleLazyObject

from market.notifications.services import notification_unread_count
from orders.selectors import cart_for


class _Header:
    def __init__(self, user):
        self.user = user

    @property
    def cart_count(self) -> int:
        return cart_for(user=self.user).count()

    @property
    def unread_notifications(self) -> int:
        return notification_unread_count(user=self.user)


def header(request):
    return {"header": SimpleLazyObject(lambda: _Header(request.user))}
