"""The buying pages: cart, checkout and payment, with and without JavaScript (htmx)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Variant
from orders.models import CartItem, Checkout, Order
from orders.services.cart import cart_item_add
from payments.models import Payment
from tests.catalog.uploads import image_upload, text_file_named_jpg
from tests.factories import (
    SHIPPING_ADDRESS,
    CooperativeFactory,
    MembershipFactory,
    ProductFactory,
    ShippingOptionFactory,
    UserFactory,
    VariantFactory,
    checkout_placed,
    order_moved_to,
)
from tests.frontend.conftest import messages_of, page
from tests.payments.conftest import finance_staff_create
from tests.payments.test_proof_files import pdf_upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
STRIPE_ON = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
             "STRIPE_PUBLISHABLE_KEY": "pk_test_abc"}


def in_cart(user, variant, quantity=1) -> CartItem:
    return cart_item_add(user=user, variant_pk=variant.pk, quantity=quantity)


def checkout_form(key="key-1", method="bank_transfer", **changes) -> dict:
    return {**SHIPPING_ADDRESS, "payment_method": method, "idempotency_key": key, **changes}


# ---------------------------------------------------------------- the cart


@pytest.mark.parametrize("path", ["/cart/", "/checkout/", "/payments/1/"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert f"next={path}" in response["Location"].replace("%2F", "/")


def test_the_cart_shows_each_cooperatives_lines_shipping_and_totals(shopper, buyer):
    ledo = CooperativeFactory(name="Koperasi Kopi Ledo", slug="kopi-ledo")
    seluas = CooperativeFactory(name="Koperasi Lada Seluas", slug="lada-seluas")
    kopi = VariantFactory(product=ProductFactory(cooperative=ledo, name="Kopi Robusta",
                                                 variants=[]), name="500 g", price=45_000)
    lada = VariantFactory(product=ProductFactory(cooperative=seluas, name="Lada Putih",
                                                 variants=[]), price=120_000)
    ShippingOptionFactory(cooperative=ledo, name="Kurir Ledo", fee=10_000)
    ShippingOptionFactory(cooperative=ledo, name="Ekspres", fee=25_000)
    in_cart(buyer, kopi, 2)
    in_cart(buyer, lada, 1)

    html = page(shopper.get("/cart/"))

    assert 'href="/cooperatives/kopi-ledo/"' in html
    assert f'href="/products/{kopi.product_id}/"' in html
    assert "Kopi Robusta" in html
    assert "500 g" in html
    assert "Rp45.000" in html
    assert "Rp90.000" in html
    assert 'name="shipping_option"' in html
    assert "Kurir Ledo" in html
    # The first option is the default, as checkout takes it: 90.000 + 10.000.
    assert "Rp100.000" in html
    assert "Pickup" in html  # Seluas offers no shipping: picked up, free
    assert "Rp120.000" in html
    assert "Rp220.000" in html  # the grand total


def test_an_empty_cart_says_so_and_links_to_the_market(shopper):
    html = page(shopper.get("/cart/"))
    assert "Your cart is empty." in html
    assert 'href="/"' in html


def _cart_of(buyer, count):
    for n in range(count):
        cooperative = CooperativeFactory() if n % 2 else None
        product = ProductFactory(cooperative=cooperative) if cooperative else ProductFactory()
        ShippingOptionFactory(cooperative=product.cooperative)
        in_cart(buyer, product.variants.get())


def test_the_cart_runs_the_same_queries_for_3_and_10_items(
    shopper, buyer, django_assert_max_num_queries
):
    _cart_of(buyer, 3)
    with CaptureQueriesContext(connection) as few:
        shopper.get("/cart/")
    CartItem.objects.filter(user=buyer).delete()
    _cart_of(buyer, 10)
    with django_assert_max_num_queries(len(few)) as many:
        response = shopper.get("/cart/")
    assert page(response).count('name="quantity"') == 10
    assert len(many) == len(few) <= 6


def test_adding_to_the_cart_without_javascript_goes_back_with_a_message(shopper, buyer):
    variant = VariantFactory(stock=5)
    back = f"/products/{variant.product_id}/"
    response = shopper.post("/cart/add/", {"variant": variant.pk, "quantity": 2, "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert CartItem.objects.get(user=buyer, variant=variant).quantity == 2
    assert messages_of(response)


def test_adding_to_the_cart_with_htmx_answers_a_note_and_the_new_count(shopper, buyer):
    in_cart(buyer, VariantFactory())
    variant = VariantFactory()
    response = shopper.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, **HTMX)
    html = page(response)
    assert response.status_code == 200
    assert 'href="/cart/"' in html
    assert '<span class="badge" id="cart-count" hx-swap-oob="true">2</span>' in html
    assert CartItem.objects.filter(user=buyer).count() == 2


def test_the_header_always_has_a_cart_count_to_swap(shopper):
    assert '<span class="badge" id="cart-count"></span>' in page(shopper.get("/cart/"))


def test_a_next_to_another_site_is_not_followed(shopper):
    variant = VariantFactory()
    response = shopper.post("/cart/add/", {"variant": variant.pk, "quantity": 1,
                                           "next": "https://evil.example/"})
    assert response["Location"] == "/cart/"


@pytest.mark.parametrize(("quantity", "headers"), [
    (11, {}), (11, HTMX), (0, {}), ("abc", HTMX),
])
def test_adding_more_than_the_stock_or_a_bad_quantity_is_refused(
    shopper, buyer, quantity, headers
):
    variant = VariantFactory(stock=10)
    back = f"/products/{variant.product_id}/"
    response = shopper.post(
        "/cart/add/", {"variant": variant.pk, "quantity": quantity, "next": back}, **headers
    )
    if headers:
        assert 'class="field-error"' in page(response)
        assert "hx-swap-oob" not in page(response)
    else:
        assert response["Location"] == back
        assert messages_of(response)
    assert not CartItem.objects.filter(user=buyer).exists()


def test_an_archived_product_cannot_be_added(shopper, buyer):
    variant = VariantFactory(product=ProductFactory(status="archived", variants=[]))
    response = shopper.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, **HTMX)
    assert 'class="field-error"' in page(response)
    assert not CartItem.objects.filter(user=buyer).exists()


def test_an_anonymous_visitor_adding_to_the_cart_is_sent_to_log_in_and_back(client):
    variant = VariantFactory()
    back = f"/products/{variant.product_id}/"
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1, "next": back})
    assert response.status_code == 302
    assert f"next={back}" in response["Location"].replace("%2F", "/")

    with_htmx = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1, "next": back},
                            **HTMX)
    assert f"next={back}" in with_htmx["HX-Redirect"].replace("%2F", "/")
    assert not CartItem.objects.exists()


def test_changing_a_quantity_without_javascript_redirects_to_the_cart(shopper, buyer):
    item = in_cart(buyer, VariantFactory(price=25_000))
    response = shopper.post(f"/cart/items/{item.pk}/", {"quantity": 3})
    assert response["Location"] == "/cart/"
    item.refresh_from_db()
    assert item.quantity == 3


def test_changing_a_quantity_with_htmx_answers_the_cart_again(shopper, buyer):
    item = in_cart(buyer, VariantFactory(price=25_000))
    html = page(shopper.post(f"/cart/items/{item.pk}/", {"quantity": 3}, **HTMX))
    assert html.startswith('<div id="cart-body">')
    assert "Rp75.000" in html
    assert 'id="cart-count" hx-swap-oob="true">1<' in html
    assert "<html" not in html


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_remove_button_takes_the_line_out(shopper, buyer, headers):
    item = in_cart(buyer, VariantFactory())
    response = shopper.post(f"/cart/items/{item.pk}/", {"quantity": 1, "remove": "1"}, **headers)
    assert not CartItem.objects.filter(pk=item.pk).exists()
    if headers:
        assert 'id="cart-count" hx-swap-oob="true"><' in page(response)


@pytest.mark.parametrize(("quantity", "headers"), [(11, {}), (11, HTMX), ("", HTMX), (0, {})])
def test_a_quantity_beyond_stock_or_blank_changes_nothing(shopper, buyer, quantity, headers):
    item = in_cart(buyer, VariantFactory(stock=10), 2)
    response = shopper.post(f"/cart/items/{item.pk}/", {"quantity": quantity}, **headers)
    if headers:
        html = page(response)
        assert f'id="cart-item-{item.pk}"' in html
        assert 'class="field-error" role="alert"' in html
    else:
        assert response["Location"] == "/cart/"
        assert messages_of(response)
    item.refresh_from_db()
    assert item.quantity == 2


def test_another_buyers_cart_item_is_not_found(shopper):
    item = in_cart(UserFactory(), VariantFactory(), 2)
    assert shopper.post(f"/cart/items/{item.pk}/", {"quantity": 5}).status_code == 404
    assert shopper.post(f"/cart/items/{item.pk}/", {"remove": "1"}, **HTMX).status_code == 404
    item.refresh_from_db()
    assert item.quantity == 2


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_shipping_chosen_in_the_cart_is_kept_until_checkout(shopper, buyer, headers):
    cooperative = CooperativeFactory(slug="kopi-ledo")
    in_cart(buyer, VariantFactory(product=ProductFactory(cooperative=cooperative, variants=[]),
                                  price=50_000))
    ShippingOptionFactory(cooperative=cooperative, fee=10_000)
    express = ShippingOptionFactory(cooperative=cooperative, name="Ekspres", fee=30_000)

    response = shopper.post(
        "/cart/", {"cooperative": "kopi-ledo", "shipping_option": express.pk}, **headers
    )

    assert shopper.session["shipping_options"] == {"kopi-ledo": express.pk}
    if headers:
        assert "Rp80.000" in page(response)
    else:
        assert response["Location"] == "/cart/"
    checkout_page = page(shopper.get("/checkout/"))
    assert f'name="shipping-kopi-ledo" value="{express.pk}"' in checkout_page
    assert "Rp80.000" in checkout_page


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_shipping_option_of_another_cooperative_is_refused(shopper, buyer, headers):
    cooperative = CooperativeFactory(slug="kopi-ledo")
    in_cart(buyer, VariantFactory(product=ProductFactory(cooperative=cooperative, variants=[])))
    ShippingOptionFactory(cooperative=cooperative)
    elsewhere = ShippingOptionFactory()
    response = shopper.post(
        "/cart/", {"cooperative": "kopi-ledo", "shipping_option": elsewhere.pk}, **headers
    )
    assert "shipping_options" not in shopper.session
    if headers:
        assert 'class="field-error"' in page(response)
    else:
        assert messages_of(response)


# ---------------------------------------------------------------- checkout


def test_the_checkout_is_filled_in_from_the_last_address_and_offers_the_methods(shopper, buyer):
    checkout_placed(buyer, [(VariantFactory(), 1)])
    in_cart(buyer, VariantFactory())
    html = page(shopper.get("/checkout/"))
    assert f'value="{SHIPPING_ADDRESS["line1"]}"' in html
    assert 'autocomplete="street-address"' in html
    assert 'autocomplete="tel"' in html
    assert 'value="bank_transfer"' in html
    assert 'value="cod"' in html
    assert 'value="stripe"' not in html  # Stripe is not configured
    assert 'name="idempotency_key"' in html


def test_each_checkout_form_gets_its_own_key(shopper, buyer):
    in_cart(buyer, VariantFactory())
    first, second = page(shopper.get("/checkout/")), page(shopper.get("/checkout/"))

    def key_of(html):
        return html.split('name="idempotency_key" value="')[1].split('"')[0]

    assert key_of(first) != key_of(second)


def test_card_payment_is_offered_only_when_stripe_is_configured(shopper, buyer, settings):
    in_cart(buyer, VariantFactory())
    for name, value in STRIPE_ON.items():
        setattr(settings, name, value)
    assert 'value="stripe"' in page(shopper.get("/checkout/"))


def test_without_the_publishable_key_the_pages_offer_no_card(shopper, buyer, settings):
    """The API may take cards (its client has its own key); a page could not show the form."""
    in_cart(buyer, VariantFactory())
    for name, value in STRIPE_ON.items():
        setattr(settings, name, value)
    settings.STRIPE_PUBLISHABLE_KEY = " "
    assert 'value="stripe"' not in page(shopper.get("/checkout/"))


def test_the_empty_cart_has_no_checkout_form(shopper):
    html = page(shopper.get("/checkout/"))
    assert 'id="checkout-form"' not in html
    assert 'href="/"' in html


def test_a_bank_transfer_checkout_through_the_pages(shopper, buyer):
    cooperative = CooperativeFactory(slug="kopi-ledo")
    variant = VariantFactory(product=ProductFactory(cooperative=cooperative, variants=[]),
                             price=45_000, stock=5)
    ShippingOptionFactory(cooperative=cooperative, fee=10_000)
    courier = ShippingOptionFactory(cooperative=cooperative, fee=15_000)
    shopper.post("/cart/add/", {"variant": variant.pk, "quantity": 2})
    shopper.post("/cart/", {"cooperative": "kopi-ledo", "shipping_option": courier.pk})
    form = page(shopper.get("/checkout/"))
    key = form.split('name="idempotency_key" value="')[1].split('"')[0]

    response = shopper.post("/checkout/", {**checkout_form(key=key),
                                           "shipping-kopi-ledo": courier.pk})

    payment = Payment.objects.get(buyer=buyer)
    assert response["Location"] == f"/payments/{payment.pk}/"
    order = Order.objects.get(buyer=buyer)
    assert (order.subtotal, order.shipping_fee, order.total) == (90_000, 15_000, 105_000)
    assert not CartItem.objects.filter(user=buyer).exists()
    assert "shipping_options" not in shopper.session
    variant.refresh_from_db()
    assert variant.stock == 3

    html = page(shopper.get(response["Location"]))
    assert order.number in html
    assert f'href="/orders/{order.number}/"' in html
    assert "0000000000" in html
    assert "Bank Kalbar" in html
    assert "Rp105.000" in html
    assert payment.transfer_reference in html
    assert 'accept="image/jpeg,image/png,image/webp,application/pdf"' in html

    uploaded = shopper.post(f"/payments/{payment.pk}/", {"image": image_upload()})
    assert uploaded["Location"] == f"/payments/{payment.pk}/"
    payment.refresh_from_db()
    assert payment.proof
    after = page(shopper.get(uploaded["Location"]))
    assert "Proof received, we will confirm it." in after
    assert 'id="payment-status"' in after


def test_a_cash_on_delivery_checkout_through_the_pages(shopper, buyer):
    in_cart(buyer, VariantFactory(price=30_000), 2)
    response = shopper.post("/checkout/", checkout_form(method="cod"))
    payment = Payment.objects.get(buyer=buyer)
    assert response["Location"] == f"/payments/{payment.pk}/"
    html = page(shopper.get(response["Location"]))
    assert "Rp60.000" in html
    assert 'name="image"' not in html
    assert "0000000000" not in html


def test_a_double_submit_places_one_checkout(shopper, buyer):
    in_cart(buyer, VariantFactory(), 1)
    first = shopper.post("/checkout/", checkout_form(key="twice"))
    second = shopper.post("/checkout/", checkout_form(key="twice"))
    assert Checkout.objects.filter(buyer=buyer).count() == 1
    assert first["Location"] == second["Location"]


def test_the_same_key_with_other_details_is_refused_with_a_clear_message(shopper, buyer):
    in_cart(buyer, VariantFactory(), 1)
    shopper.post("/checkout/", checkout_form(key="once"))
    in_cart(buyer, VariantFactory(), 1)

    response = shopper.post("/checkout/", checkout_form(key="once", city="Singkawang"))

    assert response.status_code == 400
    assert "already used to place an order" in page(response)
    assert 'value="once"' not in page(response)  # a fresh key to place it
    assert Checkout.objects.filter(buyer=buyer).count() == 1
    assert CartItem.objects.filter(user=buyer).count() == 1


def test_staff_cannot_check_out_their_own_cooperatives_goods(shopper, buyer):
    variant = VariantFactory()
    MembershipFactory(user=buyer, cooperative=variant.cooperative)
    in_cart(buyer, variant)
    response = shopper.post("/checkout/", checkout_form())
    assert response.status_code == 409
    assert 'class="field-error" role="alert"' in page(response)
    assert not Checkout.objects.exists()
    assert CartItem.objects.filter(user=buyer).count() == 1


def test_a_checkout_short_of_stock_names_the_products_and_places_nothing(shopper, buyer):
    variant = VariantFactory(product=ProductFactory(name="Madu Kelulut", variants=[]), stock=5)
    in_cart(buyer, variant, 4)
    Variant.objects.filter(pk=variant.pk).update(stock=2)
    response = shopper.post("/checkout/", checkout_form())
    assert response.status_code == 409
    assert "Madu Kelulut" in page(response).split("<h1>")[1].split("<form")[0]
    assert not Checkout.objects.exists()
    variant.refresh_from_db()
    assert variant.stock == 2


def test_checking_out_an_empty_cart_places_nothing(shopper, buyer):
    response = shopper.post("/checkout/", checkout_form())
    assert response.status_code == 400
    assert 'class="field-error" role="alert"' in page(response)
    assert not Checkout.objects.exists()


@pytest.mark.parametrize("changes", [
    {"phone": "not a phone"}, {"name": ""}, {"postal_code": "12"}, {"payment_method": ""},
    {"payment_method": "stripe"},  # not offered: Stripe is not configured
])
def test_a_bad_checkout_form_shows_the_errors_and_places_nothing(shopper, buyer, changes):
    in_cart(buyer, VariantFactory())
    response = shopper.post("/checkout/", checkout_form(**changes))
    assert response.status_code == 400
    assert 'class="field-error"' in page(response)
    assert not Checkout.objects.exists()
    assert CartItem.objects.filter(user=buyer).count() == 1


# ---------------------------------------------------------------- the payment page


def test_another_buyers_payment_is_not_found(shopper):
    payment = checkout_placed(UserFactory(), [(VariantFactory(), 1)]).payment
    assert shopper.get(f"/payments/{payment.pk}/").status_code == 404
    assert shopper.post(f"/payments/{payment.pk}/", {"image": image_upload()}).status_code == 404
    payment.refresh_from_db()
    assert not payment.proof


@pytest.mark.parametrize("who", ["finance", "admin"])
def test_the_payment_page_is_the_buyers_alone(client, who):
    """Finance staff confirm transfers in the admin; the buyer's page is not theirs."""
    payment = checkout_placed(UserFactory(), [(VariantFactory(), 1)]).payment
    client.force_login(finance_staff_create() if who == "finance" else UserFactory(
        is_staff=True, is_superuser=True))
    assert client.get(f"/payments/{payment.pk}/").status_code == 404


def test_a_page_body_over_the_bound_is_refused_before_it_is_read(shopper, buyer, settings):
    settings.UPLOAD_MAX_BODY_BYTES = 100
    payment = checkout_placed(buyer, [(VariantFactory(), 1)]).payment
    response = shopper.post(f"/payments/{payment.pk}/", {"image": pdf_upload()})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    payment.refresh_from_db()
    assert not payment.proof


@pytest.mark.parametrize("upload", [text_file_named_jpg, None])
def test_a_bad_proof_is_shown_as_an_error_and_nothing_is_stored(shopper, buyer, upload):
    payment = checkout_placed(buyer, [(VariantFactory(), 1)]).payment
    response = shopper.post(f"/payments/{payment.pk}/", {"image": upload()} if upload else {})
    assert response.status_code == 400
    assert 'id="proof-error"' in page(response)
    payment.refresh_from_db()
    assert not payment.proof


def test_a_pdf_receipt_is_accepted_as_proof(shopper, buyer):
    payment = checkout_placed(buyer, [(VariantFactory(), 1)]).payment
    shopper.post(f"/payments/{payment.pk}/", {"image": pdf_upload()})
    payment.refresh_from_db()
    assert payment.proof.name.endswith(".pdf")


def test_a_cash_on_delivery_payment_takes_no_proof(shopper, buyer):
    payment = checkout_placed(buyer, [(VariantFactory(), 1)], payment_method="cod").payment
    response = shopper.post(f"/payments/{payment.pk}/", {"image": image_upload()})
    assert response["Location"] == f"/payments/{payment.pk}/"
    assert messages_of(response)
    payment.refresh_from_db()
    assert not payment.proof


def test_a_cash_on_delivery_payment_asks_for_the_cash_until_the_goods_arrive(shopper, buyer):
    checkout = checkout_placed(buyer, [(VariantFactory(), 1)], payment_method="cod")
    url = f"/payments/{checkout.payment.pk}/"
    assert "Pay the courier" in page(shopper.get(url))

    order_moved_to(checkout.orders.get(), Order.Status.DELIVERED)

    assert "Pay the courier" not in page(shopper.get(url))


def _card_payment(buyer) -> Payment:
    """A pending card payment, as Stripe's PaymentIntent left it (no Stripe call in tests)."""
    payment = checkout_placed(buyer, [(VariantFactory(), 1)]).payment
    Payment.objects.filter(pk=payment.pk).update(method="stripe", client_secret="pi_1_secret_2")
    return payment


def test_a_card_payment_carries_what_stripe_elements_needs(shopper, buyer, settings):
    for name, value in STRIPE_ON.items():
        setattr(settings, name, value)
    payment = _card_payment(buyer)
    html = page(shopper.get(f"/payments/{payment.pk}/"))
    assert '<script src="https://js.stripe.com/v3/" defer></script>' in html
    assert "frontend/stripe-checkout.js" in html
    assert 'data-publishable-key="pk_test_abc"' in html
    assert 'data-client-secret="pi_1_secret_2"' in html
    assert f'data-return-url="http://testserver/payments/{payment.pk}/"' in html
    assert "<noscript>" in html


def test_without_stripe_configured_no_stripe_script_is_loaded(shopper, buyer):
    payment = _card_payment(buyer)
    html = page(shopper.get(f"/payments/{payment.pk}/"))
    assert "js.stripe.com" not in html
    assert 'id="card-form"' not in html


@pytest.mark.parametrize("status", [Payment.Status.SUCCEEDED, Payment.Status.CANCELLED])
def test_a_card_payment_no_longer_pending_asks_for_no_card(shopper, buyer, settings, status):
    for name, value in STRIPE_ON.items():
        setattr(settings, name, value)
    payment = _card_payment(buyer)
    Payment.objects.filter(pk=payment.pk).update(status=status)
    html = page(shopper.get(f"/payments/{payment.pk}/"))
    assert 'id="card-form"' not in html
    assert "Card payment is not available" not in html


def test_a_checkout_of_goods_no_longer_sold_names_them_and_places_nothing(shopper, buyer):
    variant = VariantFactory(product=ProductFactory(name="Tikar Rotan", variants=[]))
    in_cart(buyer, variant)
    variant.product.status = "archived"
    variant.product.save(update_fields=["status"])
    response = shopper.post("/checkout/", checkout_form())
    assert response.status_code == 409
    assert "Tikar Rotan" in page(response).split("<h1>")[1].split("<form")[0]
    assert not Checkout.objects.exists()


def test_when_stripe_cannot_be_reached_the_same_form_can_be_sent_again(shopper, buyer, settings):
    for name, value in STRIPE_ON.items():
        setattr(settings, name, value)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: the provider is down
    cooperative = CooperativeFactory(slug="kopi-ledo")
    in_cart(buyer, VariantFactory(product=ProductFactory(cooperative=cooperative, variants=[])))
    option = ShippingOptionFactory(cooperative=cooperative)
    form = {**checkout_form(key="card-1", method="stripe"), "shipping-kopi-ledo": option.pk}

    response = shopper.post("/checkout/", form)

    assert response.status_code == 503
    html = page(response)
    assert 'value="card-1"' in html  # the checkout is kept: the same key starts its payment
    assert f'name="shipping-kopi-ledo" value="{option.pk}"' in html
    assert Checkout.objects.filter(buyer=buyer).count() == 1
    # Sent again as the page has it: the same request, not a reused key.
    assert shopper.post("/checkout/", form).status_code == 503
    assert Checkout.objects.filter(buyer=buyer).count() == 1
