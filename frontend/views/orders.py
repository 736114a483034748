"""After buying: the buyer's orders, their timeline, receipt, cancel, reviews (issue 12).

These are the buyer's pages: an order is loaded through order_get_for_buyer, so
a cooperative's staff or a dinas officer gets 404 here even for an order the API
shows them.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.models import RATING_MAX, RATING_MIN, REVIEW_TEXT_MAX_LENGTH
from frontend.pages import error_fields, flash_error, login_required, paginate
from market.errors import DomainError, NotFound
from orders import selectors
from orders.models import Order
from orders.policies import can_cancel_now, can_confirm_receipt, can_pay_now
from orders.services import lifecycle

PAGE_SIZE = 20


@login_required
def order_list(request):
    """The buyer's orders, newest first."""
    page, page_numbers = paginate(request, selectors.order_list_for(user=request.user), PAGE_SIZE)
    return render(request, "frontend/orders.html", {"page": page, "page_numbers": page_numbers})


def _buyer_order(request, number: str) -> Order:
    try:
        return selectors.order_get_for_buyer(user=request.user, number=number)
    except NotFound:
        raise Http404 from None


def _order_page(request, order: Order, *, review_errors=None, review_line=None,
                review_sent=None, cancel_errors=None, status=200):
    """The order; after a refused review, `review_sent` is what was typed, to show again."""
    payment = order.checkout.payment
    return render(request, "frontend/order.html", {
        "order": order,
        "payment": payment,
        "timeline": selectors.order_timeline_for_buyer(order=order),
        "awaits_payment": can_pay_now(order),
        "may_confirm_receipt": can_confirm_receipt(request.user, order),
        "may_cancel": can_cancel_now(request.user, order),
        "reviewable": catalog_selectors.reviewable_line_ids(user=request.user, order=order),
        "ratings": range(RATING_MAX, RATING_MIN - 1, -1),
        "review_text_max": REVIEW_TEXT_MAX_LENGTH,
        "review_errors": review_errors or {}, "review_line": review_line,
        "review_sent": review_sent or {},
        "review_problems": [text for name, texts in (review_errors or {}).items()
                            if name not in ReviewForm.base_fields for text in texts],
        "cancel_errors": cancel_errors or {},
    }, status=status)


@login_required
def order_detail(request, number):
    """One order: lines, totals, payment, shipping, timeline, and what the buyer may do now."""
    return _order_page(request, _buyer_order(request, number))


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, error_messages={"required": gettext_lazy("Say why you cancel.")}
    )


@login_required
@require_POST
def order_action(request, number, action):
    """The buyer confirms receipt ("received") or cancels ("cancel", with a reason)."""
    if action not in ("received", "cancel"):
        raise Http404
    order = _buyer_order(request, number)
    try:
        if action == "received":
            lifecycle.order_deliver(order_pk=order.pk, actor=request.user)
            messages.success(request, _("Thank you: the order is marked as received."))
        else:
            form = CancelForm(request.POST)
            if not form.is_valid():
                return _order_page(request, order, cancel_errors=form.errors, status=400)
            lifecycle.order_cancel(
                order_pk=order.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The order is cancelled."))
    except DomainError as error:
        flash_error(request, error)
    return redirect("frontend:order", number=order.number)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int, choices=[(n, n) for n in range(RATING_MIN, RATING_MAX + 1)],
        error_messages={"required": gettext_lazy("Choose a rating.")},
    )
    text = forms.CharField(required=False, max_length=REVIEW_TEXT_MAX_LENGTH)


@login_required
@require_POST
def review(request, line_pk):
    """The buyer rates the product of one line of a delivered order."""
    try:
        line = selectors.order_line_get_for_buyer(user=request.user, pk=line_pk)
    except NotFound:
        raise Http404 from None
    form = ReviewForm(request.POST)
    errors = form.errors if not form.is_valid() else None
    if errors is None:
        try:
            catalog_services.review_create(
                buyer=request.user, order_line_pk=line.pk,
                rating=form.cleaned_data["rating"], text=form.cleaned_data["text"],
            )
        except DomainError as error:
            errors = error_fields(error)
    if errors:
        order = _buyer_order(request, line.order.number)
        sent = {"rating": form.cleaned_data.get("rating"), "text": form.data.get("text", "")}
        return _order_page(request, order, review_errors=errors, review_line=line.pk,
                           review_sent=sent, status=400)
    messages.success(request, _("Thank you for your review."))
    return redirect("frontend:order", number=line.order.number)
