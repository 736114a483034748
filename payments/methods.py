"""The ways a buyer can pay: one enum for orders and payments alike."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    STRIPE = "stripe", _("card (Stripe)")
    BANK_TRANSFER = "bank_transfer", _("bank transfer")
    # Collected by the cooperative at the door: never money the platform holds.
    COD = "cod", _("cash on delivery")
