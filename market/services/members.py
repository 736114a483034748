"""Write use cases of a cooperative's staff: invitations, roles, removal; an owner always stays."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
    NotFound,
)
from market.models import Cooperative, Invitation, Membership, User
from market.policies import (
    can_manage_members,
    can_remove_member,
    ensure,
    has_verified_email,
    is_cooperative_staff,
    is_invitee,
)
from market.selectors import cooperative_list_last_owned_by
from market.tasks import (
    invitation_email_task,
)


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
