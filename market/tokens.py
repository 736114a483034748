"""Signed, expiring links that prove someone reads the mail of an address.

Nothing is stored: the token signs the account and the address it was mailed to
(with SECRET_KEY and a salt of its own), so it stops working once the address
changes, once the address is verified (the service refuses a second use), and
after EMAIL_VERIFICATION_MAX_AGE_DAYS.
"""

import datetime

from django.conf import settings
from django.core import signing

from market.models import User

EMAIL_VERIFICATION_SALT = "market.email-verification"


def email_verification_token(user: User) -> str:
    """A token for the user's current address."""
    return signing.dumps(
        {"user": user.pk, "email": user.email}, salt=EMAIL_VERIFICATION_SALT, compress=True
    )


def email_verification_payload(token: str) -> tuple[int, str] | None:
    """The (user pk, e-mail) a genuine, unexpired token was made for; None otherwise."""
    max_age = datetime.timedelta(days=settings.EMAIL_VERIFICATION_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=max_age)
    except signing.BadSignature:  # tampered, made for another purpose, or expired
        return None
    if not isinstance(payload, dict):
        return None
    user_pk, email = payload.get("user"), payload.get("email")
    if not isinstance(user_pk, int) or not isinstance(email, str):
        return None
    return user_pk, email
