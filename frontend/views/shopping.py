"""Buying: the cart, the checkout and paying (issue 12).

The shipping chosen per cooperative on the cart page is kept in the session
({slug: option id}) until checkout; the checkout page writes the choices it shows
into its form, so that a double submit sends the same request twice.
"""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog.errors import InsufficientStock, NotAvailable
from catalog.models import MAX_STOCK
from frontend.pages import (
    error_fields,
    error_messages,
    flash_error,
    htmx_login_redirect,
    is_htmx,
    login_required,
    safe_next,
)
from market.errors import DomainError, InvalidInput, NotFound
from orders import selectors as order_selectors
from orders.errors import IdempotencyKeyReused
from orders.services import cart as cart_services
from orders.services import checkout as checkout_services
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.methods import PaymentMethod
from payments.models import Payment
from payments.providers import methods_offered_in_pages

SHIPPING_SESSION_KEY = "shipping_options"
SHIPPING_FIELD_PREFIX = "shipping-"
# The order the checkout offers them in; methods_offered_in_pages() says which are on.
METHOD_ORDER = [PaymentMethod.BANK_TRANSFER, PaymentMethod.COD, PaymentMethod.STRIPE]


def _shipping_choices(request) -> dict[str, int]:
    return dict(request.session.get(SHIPPING_SESSION_KEY, {}))


def _cart_context(request, problems: list[str] | None = None, problem_item=None) -> dict:
    """The cart by cooperative; `problems` shown beside the line `problem_item`, else on top."""
    groups = order_selectors.cart_groups_for(
        user=request.user, shipping_choices=_shipping_choices(request)
    )
    return {"groups": groups, "total": sum(group.total for group in groups),
            "problems": problems or [], "problem_item": problem_item}


def _cart_fragment(request, problems: list[str] | None = None, problem_item=None) -> HttpResponse:
    """The cart's body for htmx to swap, and the header's count out of band.

    Refusals come with 200 too: htmx swaps only successful answers.
    """
    return render(request, "frontend/includes/shopping_cart_body.html",
                  {**_cart_context(request, problems, problem_item), "count_oob": True})


# ---------------------------------------------------------------- the cart


class ShippingChoiceForm(forms.Form):
    cooperative = forms.SlugField(max_length=100)
    shipping_option = forms.IntegerField(min_value=1)


@login_required
@require_http_methods(["GET", "POST"])
def cart(request):
    """The cart by cooperative; a POST chooses one cooperative's shipping."""
    if request.method == "POST":
        return _shipping_choose(request)
    return render(request, "frontend/cart.html", _cart_context(request))


def _shipping_choose(request):
    form = ShippingChoiceForm(request.POST)
    problem = _("Choose one of the shipping options shown.")
    if form.is_valid():
        slug, option_pk = form.cleaned_data["cooperative"], form.cleaned_data["shipping_option"]
        groups = order_selectors.cart_groups_for(user=request.user)
        offered = next(
            (g.shipping_options for g in groups if g.cooperative.slug == slug), []
        )
        if any(option.pk == option_pk for option in offered):
            request.session[SHIPPING_SESSION_KEY] = {
                **_shipping_choices(request), slug: option_pk
            }
            problem = None
    if is_htmx(request):
        return _cart_fragment(request, [problem] if problem else None)
    if problem:
        messages.error(request, problem)
    return redirect("frontend:cart")


class CartAddForm(forms.Form):
    variant = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_STOCK,
        error_messages={"min_value": gettext_lazy("Must be at least 1.")},
    )


@require_POST
def cart_add(request):
    """Put a variant in the cart from a product page (htmx: a note and the new count)."""
    back = safe_next(request, reverse("frontend:cart"))
    if not request.user.is_authenticated:
        # Not @login_required: without htmx it would come back to this POST-only address.
        if is_htmx(request):
            return htmx_login_redirect(back)
        return redirect_to_login(back)
    form = CartAddForm(request.POST)
    problems: list[str] = []
    if not form.is_valid():
        problems = [str(m) for msgs in form.errors.values() for m in msgs]
    else:
        try:
            cart_services.cart_item_add(
                user=request.user, variant_pk=form.cleaned_data["variant"],
                quantity=form.cleaned_data["quantity"],
            )
        except DomainError as error:
            problems = error_messages(error)
    if is_htmx(request):
        return render(request, "frontend/includes/shopping_cart_added.html",
                      {"problems": problems, "count_oob": not problems})
    for problem in problems:
        messages.error(request, problem)
    if not problems:
        messages.success(request, _("Added to cart."))
    return redirect(back)


class CartItemForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_STOCK,
        error_messages={"min_value": gettext_lazy("Must be at least 1."),
                        "required": gettext_lazy("Enter a quantity.")},
    )


@login_required
@require_POST
def cart_item(request, pk):
    """Change a line's quantity, or take it out (the `remove` button)."""
    try:
        if "remove" in request.POST:
            cart_services.cart_item_remove(user=request.user, item_pk=pk)
        else:
            form = CartItemForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(fields={"quantity": form.errors["quantity"]})
            cart_services.cart_item_update(
                user=request.user, item_pk=pk, quantity=form.cleaned_data["quantity"]
            )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        if is_htmx(request):
            return _cart_fragment(request, error_messages(error), problem_item=pk)
        flash_error(request, error)
        return redirect("frontend:cart")
    if is_htmx(request):
        return _cart_fragment(request)
    return redirect("frontend:cart")


# ---------------------------------------------------------------- the checkout


class AddressForm(forms.Form):
    """The shipping address, shaped as the API's checkout takes it."""

    name = forms.CharField(label=gettext_lazy("Recipient's name"), max_length=150)
    phone = forms.RegexField(
        label=gettext_lazy("Phone"), regex=r"^\+?[0-9 ()-]{6,20}$", max_length=20,
        error_messages={"invalid": gettext_lazy("A phone number: digits, spaces, + ( ) -.")},
    )
    line1 = forms.CharField(label=gettext_lazy("Address"), max_length=300)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100)
    postal_code = forms.RegexField(
        label=gettext_lazy("Postal code"), regex=r"^[0-9]{5}$", max_length=5, required=False,
        error_messages={"invalid": gettext_lazy("Five digits.")},
    )


class CheckoutForm(AddressForm):
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment method"), choices=PaymentMethod.choices,
        error_messages={"required": gettext_lazy("Choose how you will pay.")},
    )
    idempotency_key = forms.CharField(max_length=255)


def _payment_methods() -> list[tuple[str, str]]:
    offered = methods_offered_in_pages()
    return [(method.value, method.label) for method in METHOD_ORDER if method in offered]


def _shipping_fields(post) -> dict[str, int]:
    """The shipping-<slug> fields the checkout page wrote: {slug: option id}."""
    chosen = {}
    for name, value in post.items():
        if name.startswith(SHIPPING_FIELD_PREFIX):
            try:
                chosen[name.removeprefix(SHIPPING_FIELD_PREFIX)] = int(value)
            except ValueError:
                raise InvalidInput(fields={"shipping_options": _("Unknown shipping option.")}) \
                    from None
    return chosen


def _checkout_page(request, form, *, errors=None, status=200, groups=None, key=None,
                   shipping=None):
    """The checkout form; `shipping` (the choices sent) only to send the same request again."""
    groups = groups if groups is not None else order_selectors.cart_groups_for(
        user=request.user, shipping_choices=_shipping_choices(request)
    )
    retry = shipping is not None
    if shipping is None:
        shipping = {g.cooperative.slug: g.shipping_option.pk for g in groups if g.shipping_option}
    return render(request, "frontend/checkout.html", {
        "form": form, "groups": groups, "total": sum(group.total for group in groups),
        "methods": _payment_methods(), "idempotency_key": key or uuid.uuid4(),
        "shipping_fields": {SHIPPING_FIELD_PREFIX + slug: pk for slug, pk in shipping.items()},
        # Dict keys such as "items" would shadow .items() in a template: lists, then.
        "problems": [text for name, texts in (errors or {}).items() if name != "payment_method"
                     for text in texts],
        "method_problems": (errors or {}).get("payment_method", []), "retry": retry,
    }, status=status)


def _stock_problem(error: DomainError, groups) -> str:
    """Out of stock or no longer sold, naming the products (from the cart shown)."""
    names = {
        item.variant_id: f"{item.variant.product.name} ({item.variant.name})"
        for group in groups for item in group.items
    }
    listed = ", ".join(names.get(pk, str(pk)) for pk in error.extra.get("variants", []))
    if isinstance(error, InsufficientStock):
        return _("Not enough stock for: %s. Lower the quantity in the cart.") % listed
    return _("No longer sold: %s. Take them out of the cart.") % listed


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    """Address, the orders the cart becomes, the payment method; then place it once."""
    if request.method == "GET":
        initial = order_selectors.last_shipping_address_of(user=request.user) or {
            "name": request.user.name
        }
        return _checkout_page(request, CheckoutForm(initial=initial))
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _checkout_page(request, form, status=400,
                              key=request.POST.get("idempotency_key", "")[:255] or None)
    data = form.cleaned_data
    key = data["idempotency_key"]
    try:
        shipping = _shipping_fields(request.POST)
        placed = checkout_services.checkout_place(
            buyer=request.user, idempotency_key=key, payment_method=data["payment_method"],
            shipping_address={name: data[name] for name in AddressForm.base_fields},
            shipping_options=shipping,
        )
    except IdempotencyKeyReused:
        # The same form sent again with other details (e.g. after Back): a fresh key.
        return _checkout_page(request, form, status=400, errors={"": [_(
            "This form was already used to place an order with other details. "
            "Check the details and place the order again, or see your orders."
        )]})
    except payment_services.ProviderUnavailable as error:
        # The checkout is kept: the same key again starts the card payment.
        return _checkout_page(request, form, status=503, key=key, shipping=shipping,
                              errors=error_fields(error), groups=[])
    except (InsufficientStock, NotAvailable) as error:
        groups = order_selectors.cart_groups_for(
            user=request.user, shipping_choices=_shipping_choices(request)
        )
        return _checkout_page(request, form, status=409, key=key, groups=groups,
                              errors={"": [_stock_problem(error, groups)]})
    except DomainError as error:
        return _checkout_page(request, form, status=error.status_code, key=key,
                              errors=error_fields(error))
    request.session.pop(SHIPPING_SESSION_KEY, None)
    messages.success(request, _("Your order has been placed."))
    return redirect("frontend:payment", pk=placed.payment.pk)


# ---------------------------------------------------------------- paying


def _card_payment(payment) -> dict | None:
    """What Stripe Elements needs on the page, when card payments are on and this one is due."""
    if not (payment.method == PaymentMethod.STRIPE
            and PaymentMethod.STRIPE in methods_offered_in_pages()
            and payment.client_secret and payment.status == Payment.Status.PENDING):
        return None
    return {"publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "client_secret": payment.client_secret}


def _still_to_pay(payment) -> dict[str, bool]:
    """What the page asks of the buyer besides a transfer: nothing once paid or cancelled."""
    due = payment.status == Payment.Status.PENDING
    return {"cash_due": due and payment.method == PaymentMethod.COD,
            "card_due": due and payment.method == PaymentMethod.STRIPE}


@login_required
@require_http_methods(["GET", "POST"])
def payment(request, pk):
    """The checkout's payment: how to pay, the proof of a bank transfer, its status."""
    try:
        payment = payment_selectors.payment_get_for_buyer(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    problems: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("image")
        try:
            if upload is None:
                raise InvalidInput(fields={"image": _("Choose the photo or PDF of the receipt.")})
            payment_services.payment_proof_upload(
                actor=request.user, payment=payment, upload=upload
            )
        except InvalidInput as error:
            problems = error_messages(error)
        except DomainError as error:
            flash_error(request, error)
            return redirect("frontend:payment", pk=pk)
        else:
            messages.success(request, _("Proof received, we will confirm it."))
            return redirect("frontend:payment", pk=pk)
    orders = order_selectors.order_list_for(user=request.user).filter(
        checkout_id=payment.checkout_id
    ).order_by("pk")
    return render(request, "frontend/payment.html", {
        "payment": payment, "orders": orders, "problems": problems,
        "instructions": payment_selectors.bank_transfer_instructions(payment),
        "card": _card_payment(payment), **_still_to_pay(payment),
    }, status=400 if problems else 200)
