"""Write use cases of the marketplace core."""

import datetime

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
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
    CooperativeNotActive,
    EmailUnverified,
    InvalidInput,
    InvitationAnswered,
    InvitationExpired,
    LastOwner,
    LastOwnerAccount,
    LockedOut,
    NikTaken,
    NotFound,
)
from market.images import InvalidImage, image_clean
from market.models import Cooperative, Invitation, Membership, RatMeeting, Region, User
from market.policies import (
    can_manage_cooperative,
    can_manage_members,
    can_remove_member,
    can_verify_cooperative,
    ensure,
    has_verified_email,
    is_cooperative_staff,
    is_invitee,
)
from market.selectors import cooperative_list_last_owned_by
from market.slugs import save_with_unique_slug, unique_slug
from market.tasks import (
    cooperative_decision_email_task,
    email_verification_email_task,
    invitation_email_task,
    password_reset_email_task,
)
from market.throttles import lockout_seconds
from market.tokens import email_verification_payload

COOPERATIVE_PROFILE_FIELDS = frozenset(
    {"name", "legal_number", "kind", "address", "phone", "email", "description",
     "members_count", "logo"}
)


@transaction.atomic
def user_register(*, email: str, password: str, name: str, phone: str = "") -> User:
    """Anyone signs up with e-mail and password; a link to verify the address is mailed."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(fields={"email": _("A user with this e-mail already exists.")})
    user = User(email=email, name=name, phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(fields={"password": error.messages}) from error
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, name=name, phone=phone
            )
    except IntegrityError as error:  # a concurrent sign-up with the same e-mail
        raise InvalidInput(
            fields={"email": _("A user with this e-mail already exists.")}
        ) from error
    outbox_enqueue(email_verification_email_task, user_pk=user.pk)
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
        raise LockedOut(retry_after=lockout_seconds())
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


def _nik_holder(nik: str, *, other_than: int | None = None) -> Cooperative | None:
    """The cooperative holding the NIK: any that is not rejected (the rule of the
    `cooperative_nik_unique` constraint). A stranger's pending registration of a
    real cooperative's NIK is contested through the dinas, whose rejection frees it."""
    holders = Cooperative.objects.filter(nik=nik).exclude(status=Cooperative.Status.REJECTED)
    return holders.exclude(pk=other_than).first()


def _district(code: str) -> Region:
    region = Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()
    if region is None:
        raise InvalidInput(fields={"region": _("Unknown district (kecamatan) code: %s") % code})
    return region


@transaction.atomic
def cooperative_register(
    *,
    owner: User,
    name: str,
    nik: str,
    legal_number: str,
    kind: str,
    region: str,
    address: str,
    phone: str,
    email: str = "",
    description: str = "",
    members_count: int = 0,
) -> Cooperative:
    """A logged-in user registers a cooperative, becomes its owner, and awaits verification."""
    cooperative = Cooperative(
        name=name,
        slug=unique_slug(Cooperative, name),  # for full_clean; saved under a free one below
        nik=nik,
        legal_number=legal_number,
        kind=kind,
        region=_district(region),
        address=address,
        phone=phone,
        email=email,
        description=description,
        members_count=members_count,
        status=Cooperative.Status.PENDING,
    )
    if _nik_holder(nik) is not None:
        raise InvalidInput(fields={"nik": _("This NIK is already registered.")})
    cooperative.full_clean()
    try:
        save_with_unique_slug(cooperative, name)
    except IntegrityError as error:  # a concurrent registration of the same NIK won
        if _nik_holder(nik) is not None:
            raise InvalidInput(fields={"nik": _("This NIK is already registered.")}) from error
        raise
    Membership.objects.create(user=owner, cooperative=cooperative, role=Membership.Role.OWNER)
    event_record(kind=Event.Kind.COOPERATIVE_REGISTERED, at=timezone.now(), actor=owner,
                 cooperative=cooperative)
    return cooperative


@transaction.atomic
def cooperative_update(*, actor: User, cooperative: Cooperative, **fields) -> Cooperative:
    """Owner or manager edits the storefront profile (never status, NIK or region)."""
    ensure(can_manage_cooperative(actor, cooperative))
    unknown = set(fields) - COOPERATIVE_PROFILE_FIELDS
    if unknown:
        raise InvalidInput(fields={name: _("This field cannot be changed.") for name in unknown})
    if fields.get("logo"):
        try:
            fields["logo"] = image_clean(fields["logo"])
        except InvalidImage as error:
            raise InvalidInput(fields={"logo": str(error)}) from error
    # Lock and reload: a dinas decision or a RAT record may have landed meanwhile.
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    for name, value in fields.items():
        setattr(cooperative, name, value)
    cooperative.full_clean()
    cooperative.save(update_fields=[*fields, "updated_at"])
    return cooperative


DECISION_EVENTS = {
    Cooperative.Status.VERIFIED: Event.Kind.COOPERATIVE_VERIFIED,
    Cooperative.Status.REJECTED: Event.Kind.COOPERATIVE_REJECTED,
    Cooperative.Status.SUSPENDED: Event.Kind.COOPERATIVE_SUSPENDED,
}
VERIFY_DECISIONS = tuple(DECISION_EVENTS)


@transaction.atomic
def cooperative_verify(
    *, actor: User, cooperative: Cooperative, decision: str, note: str = "",
    now: datetime.datetime | None = None,
) -> Cooperative:
    """A dinas officer in scope verifies, rejects or suspends a cooperative.

    The decision it already has changes nothing and tells nobody again.
    """
    ensure(can_verify_cooperative(actor, cooperative))
    if decision not in VERIFY_DECISIONS:
        raise InvalidInput(fields={"decision": _("Must be verified, rejected or suspended.")})
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    if cooperative.status == decision:
        return cooperative
    # A rejection released the NIK; another registration may hold it by now.
    if cooperative.status == Cooperative.Status.REJECTED and _nik_holder(
        cooperative.nik, other_than=cooperative.pk
    ):
        raise NikTaken()
    now = now or timezone.now()
    cooperative.status = decision
    cooperative.status_note = note
    cooperative.status_changed_at = now
    cooperative.status_changed_by = actor
    cooperative.save(
        update_fields=["status", "status_note", "status_changed_at", "status_changed_by",
                       "updated_at"]
    )
    event_record(kind=DECISION_EVENTS[decision], at=now, actor=actor, cooperative=cooperative,
                 note=note)
    outbox_enqueue(cooperative_decision_email_task, now=now, cooperative_pk=cooperative.pk)
    return cooperative


def lock_memberships(cooperative_pk: int) -> list[Membership]:
    """Lock all of a cooperative's memberships, always in pk order (no deadlocks)."""
    return list(
        Membership.objects.filter(cooperative_id=cooperative_pk)
        .select_related("user", "cooperative")
        .order_by("pk")
        .select_for_update(of=("self",))
    )


@transaction.atomic
def user_delete(*, user: User) -> None:
    """A platform admin deletes an account (its memberships go with it); never a last owner.

    The memberships of every cooperative the user is in are locked first, in cooperative
    order, as membership_remove and membership_role_set lock them: removing or demoting
    the other owner at the same time cannot leave a cooperative without one.
    """
    memberships = Membership.objects.filter(user=user)
    for cooperative_pk in sorted(memberships.values_list("cooperative_id", flat=True)):
        lock_memberships(cooperative_pk)
    last_owned = list(cooperative_list_last_owned_by(user=user))
    if last_owned:
        raise LastOwnerAccount(last_owner_message(user=user, cooperatives=last_owned))
    user.delete()


def last_owner_message(*, user: User, cooperatives: list[Cooperative]) -> str:
    """Why the account cannot go: the cooperatives it alone owns, by name."""
    return _(
        "%(user)s is the last owner of %(cooperatives)s and cannot be deleted; make another "
        "member owner of it first."
    ) % {"user": user, "cooperatives": ", ".join(c.name for c in cooperatives)}


# A cooperative the dinas rejected or suspended takes on nobody (pending and verified may).
INACTIVE_STATUSES = (Cooperative.Status.REJECTED, Cooperative.Status.SUSPENDED)


@transaction.atomic
def invitation_send(
    *, actor: User, cooperative: Cooperative, email: str, role: str,
    now: datetime.datetime | None = None,
) -> Invitation:
    """The owner invites an e-mail address to the management; accepting makes the membership.

    Whether the address has an account changes nothing in the answer. The same
    address while an invitation is pending renews that one (role, expiry) and
    sends it again.
    """
    ensure(can_manage_members(actor, cooperative))
    if cooperative.status in INACTIVE_STATUSES:
        raise CooperativeNotActive()
    if role not in Membership.Role.values:
        raise InvalidInput(fields={"role": _("Must be owner, manager or staff.")})
    email = User.objects.normalize_email(email.strip()).lower()
    # The owner sees the members anyway: this tells nothing about accounts.
    if Membership.objects.filter(cooperative=cooperative, user__email__iexact=email).exists():
        raise InvalidInput(fields={"email": _("This person is already a member.")})
    now = now or timezone.now()
    renewal = {
        "role": role, "invited_by": actor, "sent_at": now,
        "expires_at": now + datetime.timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    }
    invitation = _pending_invitation(cooperative, email)
    if invitation is None:
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    cooperative=cooperative, email=email, created_at=now, **renewal
                )
        except IntegrityError:  # a concurrent invitation of the same address won
            invitation = _pending_invitation(cooperative, email)
            if invitation is None:
                raise
    if invitation.sent_at != now:
        for name, value in renewal.items():
            setattr(invitation, name, value)
        invitation.save(update_fields=list(renewal))
    event_record(kind=Event.Kind.MEMBER_INVITED, at=now, actor=actor, cooperative=cooperative,
                 data={"invitation": invitation.pk, "email": email, "role": role})
    outbox_enqueue(invitation_email_task, now=now, invitation_pk=invitation.pk)
    return invitation


def _pending_invitation(cooperative: Cooperative, email: str) -> Invitation | None:
    return (
        Invitation.objects.select_for_update()
        .filter(cooperative=cooperative, email=email, status=Invitation.Status.PENDING)
        .first()
    )


@transaction.atomic
def invitation_cancel(
    *, actor: User, cooperative: Cooperative, invitation_pk: int,
    now: datetime.datetime | None = None,
) -> Invitation:
    """The owner withdraws a pending invitation (expired or not)."""
    ensure(can_manage_members(actor, cooperative))
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_pk, cooperative=cooperative)
        .first()
    )
    if invitation is None:
        raise NotFound()
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationAnswered()
    now = now or timezone.now()
    invitation.status = Invitation.Status.CANCELLED
    invitation.answered_at = now
    invitation.save(update_fields=["status", "answered_at"])
    event_record(kind=Event.Kind.INVITATION_CANCELLED, at=now, actor=actor,
                 cooperative=cooperative,
                 data={"invitation": invitation.pk, "email": invitation.email})
    return invitation


def _lock_invitation_for_invitee(
    actor: User, invitation_pk: int, now: datetime.datetime
) -> Invitation:
    """The caller's own invitation, locked; 404 for anyone else's (no hint that it exists).

    An unverified address is refused before any lookup, whatever the id: 403.
    """
    if not has_verified_email(actor):
        raise EmailUnverified()
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .filter(pk=invitation_pk)
        .first()
    )
    if invitation is None or not is_invitee(actor, invitation):
        raise NotFound()
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationAnswered()
    if invitation.is_expired(now):
        raise InvitationExpired()
    return invitation


@transaction.atomic
def invitation_accept(
    *, actor: User, invitation_pk: int, now: datetime.datetime | None = None
) -> Membership:
    """The invitee accepts and joins the management with the invited role.

    Someone who is a member already keeps the role they have; the invitation
    still counts as accepted.
    """
    now = now or timezone.now()
    invitation = _lock_invitation_for_invitee(actor, invitation_pk, now)
    membership, created = Membership.objects.get_or_create(
        user=actor, cooperative=invitation.cooperative, defaults={"role": invitation.role}
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.answered_at = now
    invitation.answered_by = actor
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    if created:
        event_record(kind=Event.Kind.MEMBER_JOINED, at=now, actor=actor,
                     cooperative=invitation.cooperative,
                     data={"invitation": invitation.pk, "user": actor.pk,
                           "email": actor.email, "role": membership.role})
    return membership


@transaction.atomic
def invitation_decline(
    *, actor: User, invitation_pk: int, now: datetime.datetime | None = None
) -> Invitation:
    """The invitee says no; the owner may invite them again later."""
    now = now or timezone.now()
    invitation = _lock_invitation_for_invitee(actor, invitation_pk, now)
    invitation.status = Invitation.Status.DECLINED
    invitation.answered_at = now
    invitation.answered_by = actor
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    event_record(kind=Event.Kind.INVITATION_DECLINED, at=now, actor=actor,
                 cooperative=invitation.cooperative,
                 data={"invitation": invitation.pk, "email": invitation.email})
    return invitation


@transaction.atomic
def membership_remove(
    *, actor: User, cooperative: Cooperative, membership_pk: int,
    now: datetime.datetime | None = None,
) -> None:
    """The owner removes a member, or a member leaves; a cooperative always keeps an owner.

    All of the cooperative's memberships are locked first, so two owners
    removing each other at once cannot both succeed.
    """
    # Outsiders learn nothing about membership ids: refused before any lookup.
    ensure(is_cooperative_staff(actor, cooperative))
    memberships = lock_memberships(cooperative.pk)
    membership = next((m for m in memberships if m.pk == membership_pk), None)
    if membership is None:
        raise NotFound()
    ensure(can_remove_member(actor, membership))
    owners = [m for m in memberships if m.role == Membership.Role.OWNER]
    if membership.role == Membership.Role.OWNER and len(owners) == 1:
        raise LastOwner()
    leaving = membership.user_id == actor.pk
    data = {"user": membership.user_id, "email": membership.user.email, "role": membership.role}
    membership.delete()
    event_record(kind=Event.Kind.MEMBER_LEFT if leaving else Event.Kind.MEMBER_REMOVED,
                 at=now or timezone.now(), actor=actor, cooperative=cooperative, data=data)


@transaction.atomic
def membership_role_set(
    *, actor: User, cooperative: Cooperative, membership_pk: int, role: str,
    now: datetime.datetime | None = None,
) -> Membership:
    """The owner (or the platform admin) changes a member's role; an owner stays.

    Locks as membership_remove does, so a demotion and a removal at once cannot
    together leave the cooperative without an owner.
    """
    ensure(can_manage_members(actor, cooperative))
    if role not in Membership.Role.values:
        raise InvalidInput(fields={"role": _("Must be owner, manager or staff.")})
    memberships = lock_memberships(cooperative.pk)
    membership = next((m for m in memberships if m.pk == membership_pk), None)
    if membership is None:
        raise NotFound()
    if membership.role == role:
        return membership
    owners = [m for m in memberships if m.role == Membership.Role.OWNER]
    if membership.role == Membership.Role.OWNER and len(owners) == 1:
        raise LastOwner()
    data = {"user": membership.user_id, "email": membership.user.email,
            "role": role, "previous_role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    event_record(kind=Event.Kind.MEMBER_ROLE_CHANGED, at=now or timezone.now(), actor=actor,
                 cooperative=cooperative, data=data)
    return membership


@transaction.atomic
def rat_record(
    *,
    actor: User,
    cooperative: Cooperative,
    held_on: datetime.date,
    attendance: int,
    members_total: int,
    notes: str = "",
) -> RatMeeting:
    """Owner or manager records an annual members' meeting (RAT)."""
    ensure(can_manage_cooperative(actor, cooperative))
    if held_on > timezone.localdate():
        raise InvalidInput(fields={"held_on": _("A RAT cannot be recorded before it is held.")})
    if attendance > members_total:
        raise InvalidInput(fields={"attendance": _("Cannot exceed the members in total.")})
    try:
        with transaction.atomic():
            meeting = RatMeeting.objects.create(
                cooperative=cooperative,
                held_on=held_on,
                attendance=attendance,
                members_total=members_total,
                notes=notes,
                recorded_by=actor,
            )
    except IntegrityError as error:
        raise InvalidInput(
            fields={"held_on": _("A RAT on this day is already recorded.")}
        ) from error
    # The latest meeting says when the RAT was last held and how many members there are.
    Cooperative.objects.filter(pk=cooperative.pk).filter(
        Q(last_rat_date__isnull=True) | Q(last_rat_date__lte=held_on)
    ).update(last_rat_date=held_on, members_count=members_total)
    return meeting


def tokens_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the API tokens that have expired (beat, daily); answers how many."""
    deleted, _by_model = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()
    return deleted
