"""Which methods are offered, and how rupiah become Stripe amounts."""

import pytest

from orders.models import Checkout
from payments.providers import card_payments_offered, methods_available
from payments.providers.stripe import from_stripe_amount, to_stripe_amount
from tests.payments.conftest import checkout_post


@pytest.mark.parametrize(
    ("rupiah", "stripe_amount"),
    [(1, 100), (17_500, 1_750_000), (77_500, 7_750_000), (1_000_000_000, 100_000_000_000)],
)
def test_stripe_counts_rupiah_in_hundredths(rupiah, stripe_amount):
    assert to_stripe_amount(rupiah) == stripe_amount
    assert from_stripe_amount(stripe_amount) == rupiah


def test_stripe_is_hidden_without_its_keys(settings):
    settings.PAYMENT_METHODS = ["stripe", "bank_transfer", "cod"]
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    assert methods_available() == ["bank_transfer", "cod"]


def test_stripe_is_hidden_with_only_the_secret_key(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_12345"
    settings.STRIPE_WEBHOOK_SECRET = ""

    assert "stripe" not in methods_available()


def test_stripe_is_offered_with_both_keys(settings):
    settings.PAYMENT_METHODS = ["stripe", "bank_transfer", "cod"]
    settings.STRIPE_SECRET_KEY = "sk_test_12345"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"

    assert methods_available() == ["stripe", "bank_transfer", "cod"]


def test_card_payments_are_offered_with_both_stripe_keys(settings):
    settings.PAYMENT_METHODS = ["stripe", "bank_transfer", "cod"]
    settings.STRIPE_SECRET_KEY = "sk_test_12345"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"

    assert card_payments_offered() is True


@pytest.mark.parametrize(
    ("methods", "webhook_secret"),
    [
        pytest.param(["stripe", "cod"], " ", id="a-blank-webhook-secret"),
        pytest.param(["bank_transfer", "cod"], "whsec_test", id="stripe-not-in-PAYMENT_METHODS"),
    ],
)
def test_card_payments_are_not_offered_unconfigured_or_unnamed(
    settings, methods, webhook_secret
):
    settings.PAYMENT_METHODS = methods
    settings.STRIPE_SECRET_KEY = "sk_test_12345"
    settings.STRIPE_WEBHOOK_SECRET = webhook_secret

    assert card_payments_offered() is False


def test_methods_offered_come_from_settings(settings):
    settings.PAYMENT_METHODS = ["cod", "qris"]

    assert methods_available() == ["cod"]


@pytest.mark.django_db
def test_checkout_by_card_without_stripe_keys_is_refused_naming_the_method(
    settings, user_client, buyer, kopi
):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = checkout_post(user_client(buyer), {kopi.variant: 1}, "stripe")

    assert response.status_code == 400
    assert "payment_method" in response.json()
    assert "bank_transfer" in response.json()["payment_method"][0]
    assert not Checkout.objects.exists()
    kopi.variant.refresh_from_db()
    assert kopi.variant.stock == 50
