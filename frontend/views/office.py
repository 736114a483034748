"""The back office: dashboard, orders and money of one cooperative, for its staff."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog import selectors as catalog_selectors
from catalog.models import MAX_PRICE
from frontend.charts import Point, column_chart
from frontend.office import office_context, office_cooperative
from frontend.pages import error_fields, flash_error, is_htmx, login_required, paginate
from market import selectors as market_selectors
from market.errors import DomainError
from market.models import Cooperative
from market.policies import can_manage_cooperative
from orders import selectors as order_selectors
from orders.models import Order
from orders.policies import (
    buyer_contact_visible,
    can_accept_now,
    can_cancel_now,
    can_refund,
    can_see_buyer_contact,
    can_ship_now,
)
from orders.services import lifecycle
from payments import selectors as payment_selectors
from payments.settlement import order_refundable

PAGE_SIZE = 20
DASHBOARD_ROWS = 10  # of each list on the dashboard; the orders page has them all
SALES_DAYS = 30
PAYOUTS_SHOWN = 12


@login_required
def office_home(request):
    """The user's cooperatives to choose from; with one, straight to its dashboard."""
    memberships = list(market_selectors.user_cooperatives(user=request.user))
    if not memberships:
        raise Http404
    if len(memberships) == 1:
        return redirect("frontend:office-dashboard", slug=memberships[0].cooperative.slug)
    return render(request, "frontend/office/home.html", {"memberships": memberships})


@login_required
def dashboard(request, slug):
    """What needs doing today: orders to accept and to ship, low stock, the money, the RAT."""
    cooperative = office_cooperative(request, slug)
    today = timezone.localdate()
    to_accept = order_selectors.orders_to_accept(user=request.user, cooperative=slug)
    to_ship = order_selectors.orders_to_ship(user=request.user, cooperative=slug)
    sales = market_selectors.cooperative_daily_sales(
        cooperative=cooperative, days=SALES_DAYS, today=today
    )
    low_stock = catalog_selectors.variants_low_on_stock(cooperative=cooperative)
    may_see_money = can_manage_cooperative(request.user, cooperative)
    return render(request, "frontend/office/dashboard.html", office_context(
        request, cooperative, "dashboard",
        to_accept=list(to_accept[:DASHBOARD_ROWS + 1]),
        to_ship=list(to_ship[:DASHBOARD_ROWS + 1]),
        rows_shown=DASHBOARD_ROWS,
        sales=sales,
        sales_total=sum(day.net for day in sales),
        sales_orders=sum(day.orders for day in sales),
        sales_chart=_sales_chart(sales),
        low_stock=list(low_stock[:DASHBOARD_ROWS + 1]),
        ledger=payment_selectors.ledger_totals(cooperative=cooperative) if may_see_money else None,
        rat=market_selectors.rat_status_of(cooperative=cooperative, today=today),
        year=today.year,
    ))


def _sales_chart(sales):
    points = [Point(label=formats.date_format(day.day, "j M"), value=max(0, day.net))
              for day in sales]
    return column_chart(chart_id="sales-chart", title=_("Sales of the last 30 days"),
                        points=points)


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("All")), *Order.Status.choices]
    )


@login_required
def orders(request, slug):
    """The cooperative's orders, newest first, by status; htmx swaps the list alone."""
    cooperative = office_cooperative(request, slug)
    form = OrderFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    listed = order_selectors.order_list_for(user=request.user, cooperative=slug, status=status)
    page, page_numbers = paginate(request, listed, PAGE_SIZE)
    context = office_context(
        request, cooperative, "orders", form=form, page=page, page_numbers=page_numbers,
        contact_visible=buyer_contact_visible(request.user, page.object_list),
    )
    template = "frontend/office/_orders_list.html" if is_htmx(request) else (
        "frontend/office/orders.html"
    )
    return render(request, template, context, status=400 if form.errors else 200)


def _office_order(request, cooperative: Cooperative, number: str) -> Order:
    """The order if it is this cooperative's (another cooperative's number here: 404)."""
    order = order_selectors.order_list_for(
        user=request.user, cooperative=cooperative.slug
    ).filter(number=number).first()
    if order is None:
        raise Http404
    return order


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=100)
    tracking_number = forms.CharField(max_length=100)


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, error_messages={"required": gettext_lazy("Say why you cancel.")}
    )


class RefundForm(forms.Form):
    amount = forms.IntegerField(min_value=1, max_value=MAX_PRICE * 1000)
    reason = forms.CharField(required=False, max_length=1000)
    key = forms.CharField(required=False, max_length=255)


ACTION_FORMS = {"ship": ShipForm, "cancel": CancelForm, "refund": RefundForm}


def _order_page(request, cooperative: Cooperative, order: Order, *, refused=None,
                status=200):
    """The order for its cooperative; `refused` is (action, form) after bad input."""
    may_refund = can_refund(request.user, order)
    refundable = order_refundable(order) if may_refund else 0
    forms_shown = {name: form_class() for name, form_class in ACTION_FORMS.items()}
    if refused:
        forms_shown[refused[0]] = refused[1]
    return render(request, "frontend/office/order.html", office_context(
        request, cooperative, "orders",
        order=order,
        payment=order.checkout.payment,
        timeline=order_selectors.order_timeline_for_cooperative(order=order),
        show_buyer=can_see_buyer_contact(request.user, order),
        may_accept=can_accept_now(request.user, order),
        may_ship=can_ship_now(request.user, order),
        may_cancel=can_cancel_now(request.user, order),
        may_refund=may_refund and refundable > 0,
        refundable=refundable,
        # Sent back with the refund: the same form posted twice refunds once.
        refund_key=uuid.uuid4().hex,
        ship_form=forms_shown["ship"], cancel_form=forms_shown["cancel"],
        refund_form=forms_shown["refund"],
    ), status=status)


@login_required
def order(request, slug, number):
    """One order: lines, buyer, address, payment, timeline, and what staff may do now."""
    cooperative = office_cooperative(request, slug)
    return _order_page(request, cooperative, _office_order(request, cooperative, number))


SUCCESS_MESSAGES = {
    "accept": gettext_lazy("The order is accepted."),
    "ship": gettext_lazy("The order is shipped."),
    "cancel": gettext_lazy("The order is cancelled."),
    "refund": gettext_lazy("The refund is requested."),
}


@login_required
@require_POST
def order_action(request, slug, number, action):
    """Accept, ship (carrier, tracking number), cancel (a reason) or refund (an amount)."""
    if action not in SUCCESS_MESSAGES:
        raise Http404
    cooperative = office_cooperative(request, slug)
    order = _office_order(request, cooperative, number)
    form = ACTION_FORMS[action](request.POST) if action in ACTION_FORMS else None
    if form is not None and not form.is_valid():
        return _order_page(request, cooperative, order, refused=(action, form), status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        _act(action, order=order, actor=request.user, data=data)
    except DomainError as error:
        fields = error_fields(error)
        if form is not None and set(fields) & set(form.fields):
            for name, texts in fields.items():
                form.add_error(name if name in form.fields else None, texts)
            return _order_page(request, cooperative, order, refused=(action, form), status=400)
        flash_error(request, error)
    else:
        messages.success(request, SUCCESS_MESSAGES[action])
    return redirect("frontend:office-order", slug=cooperative.slug, number=order.number)


def _act(action: str, *, order: Order, actor, data: dict) -> None:
    if action == "accept":
        lifecycle.order_accept(order_pk=order.pk, actor=actor)
    elif action == "ship":
        lifecycle.order_ship(order_pk=order.pk, actor=actor, carrier=data["carrier"],
                             tracking_number=data["tracking_number"])
    elif action == "cancel":
        lifecycle.order_cancel(order_pk=order.pk, actor=actor, reason=data["reason"])
    else:
        lifecycle.order_refund(order_pk=order.pk, actor=actor, amount=data["amount"],
                               reason=data["reason"], idempotency_key=data["key"])


@login_required
def money(request, slug):
    """The ledger, balance, commission owed and payouts: owner and manager, as the API's
    ledger (others get 403 there and here)."""
    cooperative = office_cooperative(request, slug)
    if not can_manage_cooperative(request.user, cooperative):
        raise PermissionDenied
    page, page_numbers = paginate(
        request, payment_selectors.ledger_entries_of(cooperative=cooperative), PAGE_SIZE
    )
    payouts = payment_selectors.payouts_received_by(cooperative=cooperative)
    return render(request, "frontend/office/money.html", office_context(
        request, cooperative, "money", page=page, page_numbers=page_numbers,
        ledger=payment_selectors.ledger_totals(cooperative=cooperative),
        payouts=list(payouts[:PAYOUTS_SHOWN]),
    ))
