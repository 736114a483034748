"""Celery tasks of the marketplace core: take ids, load fresh, call one function."""

import datetime
from urllib.parse import urlencode

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from events.outbox import outbox_task
from market.models import Invitation, User
from market.notifications.channels import RETRYABLE
from market.tokens import email_verification_token


@outbox_task(retry_on=(OSError,))
def invitation_email_task(*, invitation_pk: int) -> int:
    """Send a pending invitation: a link to accept it, or to sign up first; returns mails sent."""
    invitation = (
        Invitation.objects.select_related("cooperative", "invited_by")
        .filter(pk=invitation_pk, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        return 0  # cancelled or answered before the mail left
    account = User.objects.filter(email__iexact=invitation.email).first()
    with translation.override(_language_of(account)):
        subject, body = _invitation_mail(invitation, account)
    return send_mail(subject, body, None, [invitation.email])


def _invitation_mail(invitation: Invitation, account: User | None) -> tuple[str, str]:
    params = {
        "cooperative": invitation.cooperative.name,
        "role": invitation.get_role_display(),
        "inviter": invitation.invited_by.name if invitation.invited_by else "Pasar Koperasi",
        "expires": date_format(timezone.localtime(invitation.expires_at)),
    }
    # A name with a line break must not break the mail's headers.
    subject = " ".join((_("Invitation to join %(cooperative)s on Pasar Koperasi") % params).split())
    intro = _("%(inviter)s invites you to help run %(cooperative)s as %(role)s.") % params
    invitations_url = settings.SITE_URL + reverse("me-invitations")
    if account is not None and account.email_verified:
        step = _("Log in and accept it at %(url)s (until %(expires)s).") % {
            **params, "url": invitations_url,
        }
    elif account is not None:
        step = _(
            "Log in, confirm your e-mail address with the link we mailed you (a new one: "
            "%(resend)s), then accept it at %(url)s (until %(expires)s)."
        ) % {**params, "url": invitations_url,
             "resend": settings.SITE_URL + reverse("verify-email-resend")}
    else:
        signup_url = settings.SITE_URL + reverse("register") + "?" + urlencode(
            {"email": invitation.email}
        )
        step = _(
            "Sign up with this e-mail address at %(signup)s, confirm the address with the "
            "link we then mail you, and accept it at %(url)s (until %(expires)s)."
        ) % {**params, "signup": signup_url, "url": invitations_url}
    return subject, f"{intro}\n\n{step}"


@outbox_task(retry_on=(OSError,))
def email_verification_email_task(*, user_pk: int) -> int:
    """Mail a link that verifies the user's current address; returns mails sent."""
    user = User.objects.filter(pk=user_pk, is_active=True, email_verified_at__isnull=True).first()
    if user is None:
        return 0  # verified (or gone) before the mail left
    # The page verifies on a button's POST, not on opening: mail scanners follow links.
    # (The API takes the same token: POST /api/v1/auth/verify-email/ {"token": ...}.)
    link = settings.SITE_URL + reverse("frontend:verify-email") + "?" + urlencode(
        {"token": email_verification_token(user)}
    )
    with translation.override(_language_of(user)):
        subject = _("Confirm your e-mail address for Pasar Koperasi")
        body = _(
            "Hello %(name)s,\n\nconfirm that %(email)s is your address: %(link)s\n\n"
            "The link works for %(days)d days. If you did not sign up to Pasar Koperasi, "
            "ignore this mail."
        ) % {"name": " ".join(user.name.split()), "email": user.email, "link": link,
             "days": settings.EMAIL_VERIFICATION_MAX_AGE_DAYS}
    return send_mail(subject, body, None, [user.email])


@outbox_task(retry_on=(OSError,))
def password_reset_email_task(*, user_pk: int, email: str) -> int:
    """Mail a link that sets a new password to the address it was asked for; returns mails sent."""
    user = User.objects.filter(pk=user_pk, is_active=True, email=email).first()
    if user is None:
        return 0  # deactivated, gone, or moved to another address before the mail left
    # Made now and never stored: Django's generator signs the password hash and the last
    # log-in, so the link dies with the next password change (its own use) or log-in.
    # The page asks for the new password (the API takes the same uid and token by
    # POST /api/v1/auth/password-reset/confirm/).
    link = settings.SITE_URL + reverse("frontend:password-reset-confirm") + "?" + urlencode({
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    })
    with translation.override(_language_of(user)):
        subject = _("Set a new password for Pasar Koperasi")
        body = _(
            "Hello %(name)s,\n\nsomeone (you, we hope) asked to set a new password for the "
            "Pasar Koperasi account of %(email)s: %(link)s\n\n"
            "The link works once, for %(valid_for)s. If you did not ask for it, ignore this "
            "mail: your password stays as it is."
        ) % {"name": " ".join(user.name.split()), "email": user.email, "link": link,
             "valid_for": _valid_for(datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))}
    return send_mail(subject, body, None, [user.email])


def _language_of(user: User | None) -> str:
    """A mail goes out in its recipient's language; without an account, the site's."""
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


def _valid_for(duration: datetime.timedelta) -> str:
    """'1 day', '30 minutes': how long a link lasts, in the mail's language."""
    now = timezone.now()
    return timeuntil(now + duration, now)


def _notification_give_up(*, delivery_pk: int, error: str) -> None:
    from market.notifications import services

    services.notification_give_up(delivery_pk=delivery_pk, error=error)


@outbox_task(retry_on=(OSError,))
def notification_fan_out_task(*, event_pk: int) -> int:
    """Write the deliveries of one event (and enqueue theirs); returns how many."""
    from market.notifications import services  # services enqueue this module's tasks

    return services.notifications_fan_out(event_pk=event_pk)


@outbox_task(retry_on=RETRYABLE, max_attempts=settings.NOTIFY_MAX_ATTEMPTS,
             on_give_up=_notification_give_up)
def notification_deliver_task(*, delivery_pk: int) -> str:
    """Send one notification on one channel, unless it is sent already."""
    from market.notifications import services

    return services.notification_deliver(delivery_pk=delivery_pk)


@shared_task(ignore_result=True)
def low_stock_digest_task() -> int:
    """Daily: each cooperative's staff hear which variants ran low yesterday."""
    from market.notifications import services

    return services.low_stock_digest_send()


@shared_task(ignore_result=True)
def monthly_reports_task() -> int:
    """The 1st of the month: officers get last month's report of their regions."""
    from market.notifications import services

    return services.monthly_reports_send()


@shared_task
def tokens_delete_expired_task() -> int:
    from market.services import accounts  # services enqueue this module's tasks: import when run

    return accounts.tokens_delete_expired()
