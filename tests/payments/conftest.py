"""Fixtures of the payments tests: shops with stock, checkouts, finance staff, and Stripe.

Stripe is the `localstripe` server, started once per session on a free port;
webhook events that localstripe cannot produce are signed here by hand with the
same secret, exactly as Stripe signs them.
"""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
import stripe
from django.contrib.auth.models import Permission

from catalog.models import Variant
from events.models import Event
from market.models import Cooperative, User
from orders.models import Checkout, Order, ShippingOption
from orders.services import checkout as checkout_services
from orders.services import lifecycle
from payments import selectors
from payments.models import Payment, Refund, StripeEvent
from tests.factories import CooperativeFactory, MembershipFactory, ProductFactory, UserFactory

ADDRESS = {
    "name": "Dayang Sumbi",
    "phone": "081234567890",
    "line1": "Jl. Bhakti No. 5",
    "city": "Bengkayang",
}
STRIPE_SECRET_KEY = "sk_test_12345"
WEBHOOK_SECRET = "whsec_test"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook/"
WEBHOOK_EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]
TEST_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # localstripe declines it when charged


# ---------------------------------------------------------------- shops and checkouts


@dataclass
class Shop:
    cooperative: Cooperative
    owner: User
    variant: Variant


def shop_open(
    cooperative: Cooperative | None = None, *, price: int, stock: int = 50, shipping_fee: int = 0
) -> Shop:
    """A verified cooperative with an owner, one product variant and, with a fee, a courier."""
    cooperative = cooperative or CooperativeFactory()
    owner = MembershipFactory(cooperative=cooperative, role="owner").user
    product = ProductFactory(cooperative=cooperative, variants=[{"price": price, "stock": stock}])
    if shipping_fee:
        ShippingOption.objects.create(
            cooperative=cooperative, name="Kurir lokal", kind="delivery", fee=shipping_fee
        )
    return Shop(cooperative=cooperative, owner=owner, variant=product.variants.get())


@pytest.fixture
def kopi(cooperative, owner) -> Shop:
    """The `cooperative` fixture's shop: coffee at Rp25.000, courier Rp10.000."""
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000, "stock": 50}])
    ShippingOption.objects.create(
        cooperative=cooperative, name="Kurir lokal", kind="delivery", fee=10_000
    )
    return Shop(cooperative=cooperative, owner=owner, variant=product.variants.get())


@pytest.fixture
def lada(kopi) -> Shop:
    """Another cooperative: pepper at Rp17.500, pickup only.

    Opened after `kopi`, so that a checkout of both lists the coffee order first.
    """
    return shop_open(price=17_500)


def checkout_place(buyer: User, lines: dict[Variant, int], method: str) -> Checkout:
    """Place a checkout through the orders service, as the checkout endpoint does."""
    return checkout_services.checkout_place(
        buyer=buyer,
        idempotency_key=str(uuid.uuid4()),
        shipping_address=ADDRESS,
        payment_method=method,
        items=[{"variant": v.pk, "quantity": quantity} for v, quantity in lines.items()],
    )


def checkout_post(client, lines: dict[Variant, int], method: str):
    """Place a checkout through the HTTP API; returns the response."""
    return client.post(
        "/api/v1/checkout/",
        {
            "items": [{"variant": v.pk, "quantity": q} for v, q in lines.items()],
            "shipping_address": ADDRESS,
            "payment_method": method,
        },
        format="json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def orders_of(checkout: Checkout) -> list[Order]:
    """The checkout's orders, by cooperative (as created)."""
    return list(Order.objects.filter(checkout=checkout).order_by("cooperative_id", "pk"))


def payment_of(checkout: Checkout) -> Payment:
    return Payment.objects.get(checkout=checkout)


@pytest.fixture
def bank_checkout(buyer, kopi, lada) -> Checkout:
    """2 x coffee (Rp60.000 with courier) and 1 x pepper (Rp17.500), by bank transfer."""
    return checkout_place(buyer, {kopi.variant: 2, lada.variant: 1}, "bank_transfer")


def webhook_state(checkout) -> tuple:
    """Everything a webhook may change, to compare before and after."""
    payment = payment_of(checkout)
    return (
        payment.status, payment.amount, payment.refunded_amount, payment.succeeded_at,
        [(order.status, order.paid_at) for order in orders_of(checkout)],
        Event.objects.filter(payment=payment).count(),
        Event.objects.filter(order__checkout=checkout).count(),
        list(Refund.objects.order_by("pk").values_list("status", flat=True)),
        StripeEvent.objects.count(),
    )


def finance_staff_create(**fields) -> User:
    user = UserFactory(**fields)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="manage_finance")
    )
    return User.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


@pytest.fixture
def finance_staff() -> User:
    """Platform finance staff: may confirm bank transfers and pay cooperatives out."""
    return finance_staff_create(email="keuangan@pasar.example")


def order_fulfil(order: Order, *, staff: User) -> Order:
    """Accept, ship and deliver (the buyer confirms receipt)."""
    lifecycle.order_accept(order_pk=order.pk, actor=staff)
    lifecycle.order_ship(order_pk=order.pk, actor=staff, carrier="JNE", tracking_number="JN123")
    return lifecycle.order_deliver(order_pk=order.pk, actor=order.buyer)


def order_fulfil_and_complete(order: Order, *, staff: User) -> Order:
    order_fulfil(order, staff=staff)
    return lifecycle.order_complete(order_pk=order.pk)


def ledger_total(cooperative: Cooperative) -> int:
    return selectors.ledger_balance(cooperative)


# ---------------------------------------------------------------- Stripe


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory) -> str:
    """A localstripe server for the session; its base URL."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{base}/js.stripe.com/v3/", timeout=1)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"localstripe did not start; see {log.name}")
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture
def stripe_on(settings, localstripe) -> str:
    """Stripe keys set and the Stripe library pointed at localstripe; the base URL."""
    settings.STRIPE_SECRET_KEY = STRIPE_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe
    return localstripe


@pytest.fixture
def stripe_client(stripe_on) -> stripe.StripeClient:
    """What the buyer's browser and the test's checks use to talk to localstripe."""
    return stripe.StripeClient(STRIPE_SECRET_KEY, base_addresses={"api": stripe_on})


@pytest.fixture
def stripe_checkout(stripe_on, user_client, buyer, kopi, lada) -> Checkout:
    """The coffee and pepper checkout paid by card: a PaymentIntent exists on localstripe."""
    response = checkout_post(user_client(buyer), {kopi.variant: 2, lada.variant: 1}, "stripe")
    assert response.status_code == 201, response.json()
    return Checkout.objects.get(pk=response.json()["id"])


def card_pay(client: stripe.StripeClient, intent_id: str, card: str = TEST_CARD):
    """Pay a PaymentIntent as Stripe.js would: attach a card, then confirm."""
    method = client.v1.payment_methods.create(params={
        "type": "card",
        "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
    })
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return client.v1.payment_intents.confirm(intent_id)


def stripe_event(event_type: str, data_object: dict, *, event_id: str | None = None) -> dict:
    """A Stripe event as its webhook delivers it."""
    return {
        "id": event_id or f"evt_test_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": data_object},
    }


def stripe_signature(payload: str, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def webhook_post(client, event: dict, *, signature: str | None = None, **sign):
    """POST an event to our webhook, signed with the test secret unless told otherwise."""
    payload = json.dumps(event)
    headers = {"Stripe-Signature": signature or stripe_signature(payload, **sign)}
    return client.post(WEBHOOK_PATH, payload, content_type="application/json", headers=headers)


def intent_event(client: stripe.StripeClient, event_type: str, payment: Payment, **changes):
    """An event about our payment's real PaymentIntent, as localstripe holds it."""
    intent = client.v1.payment_intents.retrieve(payment.provider_reference).to_dict()
    return stripe_event(event_type, intent | changes)


def wait_until(condition: Callable[[], bool], *, timeout: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.1)
