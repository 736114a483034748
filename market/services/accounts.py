"""Write use cases of accounts: sign-up, e-mail verification, password reset, API tokens."""

import datetime

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from knox.models import AuthToken

from events.models import Event
from events.outbox import outbox_enqueue
from events.record import event_record
from market.errors import (
    InvalidInput,
)
from market.models import User
from market.tasks import (
    email_verification_email_task,
    password_reset_email_task,
)
from market.throttles import locked_out
from market.tokens import email_verification_payload


@transaction.atomic
def user_register(
    *, email: str, password: str, name: str, phone: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> User:
    """Anyone signs up with e-mail and password; a link to verify the address is mailed."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(fields={"email": _("A user with this e-mail already exists.")})
    user = User(email=email, name=name, phone=phone, language=language)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(fields={"password": error.messages}) from error
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, name=name, phone=phone, language=language
            )
    except IntegrityError as error:  # a concurrent sign-up with the same e-mail
        raise InvalidInput(
            fields={"email": _("A user with this e-mail already exists.")}
        ) from error
    outbox_enqueue(email_verification_email_task, user_pk=user.pk)
    return user


def user_language_set(*, user: User, language: str) -> User:
    """The user picks the language of their pages, API answers and mails."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(fields={"language": _("Must be one of: %s") % ", ".join(
            code for code, _name in settings.LANGUAGES
        )})
    user.language = language
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def user_email_verification_send(*, user: User) -> bool:
    """The user asks for a new verification link; False (nothing sent) when already verified."""
    if user.email_verified_at is not None:
        return False
    outbox_enqueue(email_verification_email_task, user_pk=user.pk)
    return True


@transaction.atomic
def user_email_verify(*, token: str, now: datetime.datetime | None = None) -> User:
    """Whoever holds the link mailed to an address proves the address is the account's.

    A token works once, for the address it was mailed to, until it expires.
    """
    invalid = InvalidInput(
        fields={"token": _("This link is invalid, used or expired; ask for a new one.")}
    )
    payload = email_verification_payload(token)
    if payload is None:
        raise invalid
    user_pk, email = payload
    user = User.objects.select_for_update().filter(pk=user_pk, is_active=True).first()
    if user is None or user.email != email or user.email_verified_at is not None:
        raise invalid
    user.email_verified_at = now or timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Anyone asks for a link to set a new password; it is mailed if the address has an account.

    The caller learns nothing either way: the answer is the same, the mail goes to the
    address only, and its token is made when it is sent (see password_reset_email_task).
    """
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None:
        outbox_enqueue(password_reset_email_task, user_pk=user.pk, email=user.email)


@transaction.atomic
def password_reset_confirm(
    *, uid: str, token: str, password: str, now: datetime.datetime | None = None
) -> User:
    """Whoever holds the mailed link sets a new password; every token and lockout ends.

    Following the link proves the mailbox, so the address counts as verified from then
    on: the real owner of an address someone else signed up with takes the account over.
    The link works once (the new password hash invalidates it) and until
    PASSWORD_RESET_TIMEOUT.
    """
    user = _password_reset_user(uid)
    # The token first: a wrong one tells nothing about the account, its name included.
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidInput(
            fields={"token": _("This link is invalid, used or expired; ask for a new one.")}
        )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(fields={"password": error.messages}) from error
    now = now or timezone.now()
    user.set_password(password)  # User.save then revokes every API token of the account
    update_fields = ["password"]
    if user.email_verified_at is None:
        user.email_verified_at = now
        update_fields.append("email_verified_at")
    user.save(update_fields=update_fields)
    axes_reset(username=user.email)  # the owner may log in at once, lockout or not
    event_record(kind=Event.Kind.PASSWORD_RESET, at=now, actor=user,
                 data={"user": user.pk, "email": user.email})
    return user


def _password_reset_user(uid: str) -> User | None:
    """The active account a reset link's `uid` names, locked; None for anything else."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if pk <= 0 or pk > 2**63 - 1:  # a BigAutoField's range; beyond it the database refuses
        return None
    return User.objects.select_for_update().filter(pk=pk, is_active=True).first()


def token_issue(
    *, request: HttpRequest, email: str, password: str
) -> tuple[str, datetime.datetime]:
    """Log in with e-mail and password for an API token; answers the key and its expiry.

    django-axes counts the failures (per account and per client address) inside
    authenticate(); once locked out, even the right password is refused until the
    cool-off ends.
    """
    user = authenticate(request, username=email.strip().lower(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise locked_out()
    if user is None:
        raise InvalidInput(fields={"non_field_errors": _("Wrong e-mail or password.")})
    token, key = AuthToken.objects.create(user=user)
    user_logged_in.send(sender=type(user), request=request, user=user)  # axes resets failures
    return key, token.expiry


def token_revoke(*, request: HttpRequest, token: AuthToken | None) -> None:
    """Log out: the token used stops working at once (a browser session ends instead)."""
    if isinstance(token, AuthToken):
        user = token.user
        token.delete()
        user_logged_out.send(sender=type(user), request=request, user=user)
    else:
        logout(request)


def tokens_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the API tokens that have expired (beat, daily); answers how many."""
    deleted, _by_model = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()
    return deleted
