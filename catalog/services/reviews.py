"""Write use cases of product reviews: a buyer rates what they received, once per order line."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.errors import AlreadyReviewed, NotDelivered, ProductGone
from catalog.models import RATING_MAX, RATING_MIN, REVIEW_TEXT_MAX_LENGTH, Product, Review
from catalog.selectors import REVIEWABLE_ORDER_STATUSES
from market.errors import InvalidInput, NotFound
from market.models import User
from orders.models import OrderLine


def _review_values_problems(*, rating: int, text: str) -> dict[str, str]:
    """What is wrong with a review's rating and text, by field; empty when nothing is."""
    problems = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not (
        RATING_MIN <= rating <= RATING_MAX
    ):
        problems["rating"] = _("A whole number from %(min)d to %(max)d.") % {
            "min": RATING_MIN, "max": RATING_MAX,
        }
    if len(text) > REVIEW_TEXT_MAX_LENGTH:
        problems["text"] = _("At most %d characters.") % REVIEW_TEXT_MAX_LENGTH
    return problems


@transaction.atomic
def review_create(
    *, buyer: User, order_line_pk: int, rating: int, text: str = "",
    now: datetime | None = None,
) -> Review:
    """A buyer rates the product of a delivered order line, once per line."""
    text = text.strip()
    problems = _review_values_problems(rating=rating, text=text)
    if problems:
        raise InvalidInput(fields=problems)
    line = (
        OrderLine.objects.select_related("order", "variant")
        .filter(pk=order_line_pk, order__buyer_id=buyer.pk)
        .first()
    )
    if line is None:  # another's line is not found either: it reveals nothing
        raise NotFound()
    # Delivered and completed never go back, so the order needs no lock.
    if line.order.status not in REVIEWABLE_ORDER_STATUSES:
        raise NotDelivered()
    if Review.objects.filter(order_line_id=line.pk).exists():
        raise AlreadyReviewed()
    if line.variant is None:
        raise ProductGone()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product_id=line.variant.product_id, order_line=line, buyer=buyer,
                rating=rating, text=text, created_at=now or timezone.now(),
            )
    except IntegrityError:
        # A concurrent submit of the same line won the unique order_line.
        if Review.objects.filter(order_line_id=line.pk).exists():
            raise AlreadyReviewed() from None
        raise
    # After the insert: a double submit waits on the unique key, never on the product row.
    Product.objects.filter(pk=review.product_id).update(
        rating_count=F("rating_count") + 1, rating_total=F("rating_total") + rating
    )
    return review
