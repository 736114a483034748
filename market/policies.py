"""Who may do what: every authorization rule of the marketplace core, once.

Views, pages, admin actions and services call these; nothing else decides.
A platform admin (superuser) passes every rule.
"""

from django.db.models import Q

from market.errors import NotAllowed
from market.models import Cooperative, Invitation, Membership, Region, User

MANAGING_ROLES = (Membership.Role.OWNER, Membership.Role.MANAGER)


def is_platform_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def cooperative_role(user: User, cooperative: Cooperative) -> str | None:
    """The user's role in the cooperative, or None."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, cooperative=cooperative)
        .values_list("role", flat=True)
        .first()
    )


def officer_scope_q(user: User, field: str = "region__code") -> Q | None:
    """Q for what lies in the officer's regions; None when the user oversees nothing."""
    if not user.is_authenticated:
        return None
    codes = Region.objects.filter(officers__user=user).values_list("code", flat=True)
    scope = None
    for code in codes:
        clause = Region.within_q(code, field)
        scope = clause if scope is None else scope | clause
    return scope


def officer_covers(user: User, cooperative: Cooperative) -> bool:
    """The user is a dinas officer whose regions contain the cooperative."""
    scope = officer_scope_q(user, field="code")
    return scope is not None and Region.objects.filter(scope, pk=cooperative.region_id).exists()


def is_cooperative_staff(user: User, cooperative: Cooperative) -> bool:
    """Any role in the cooperative: may run its catalog and fulfil its orders."""
    return is_platform_admin(user) or cooperative_role(user, cooperative) is not None


def can_manage_cooperative(user: User, cooperative: Cooperative) -> bool:
    """Owner or manager: the profile, RAT records, shipping options, refunds."""
    return is_platform_admin(user) or cooperative_role(user, cooperative) in MANAGING_ROLES


def can_manage_members(user: User, cooperative: Cooperative) -> bool:
    """Owner: see the management, invite people, cancel invitations, remove anyone."""
    return is_platform_admin(user) or cooperative_role(user, cooperative) == Membership.Role.OWNER


def can_remove_member(user: User, membership: Membership) -> bool:
    """The owner removes anyone; every member may leave (the last owner's rule is the service's)."""
    return (
        user.is_authenticated and membership.user_id == user.pk
    ) or can_manage_members(user, membership.cooperative)


def has_verified_email(user: User) -> bool:
    """The user proved they own their e-mail address (followed the link mailed to it)."""
    return bool(user.is_authenticated and user.email_verified_at is not None)


def is_invitee(user: User, invitation: Invitation) -> bool:
    """The invitation was sent to the user's verified e-mail address (any case).

    An address nobody proved to own matches nothing: whoever signs up first with an
    invited address must not become the invitee.
    """
    return has_verified_email(user) and invitation.email == user.email.lower()


def can_verify_cooperative(user: User, cooperative: Cooperative) -> bool:
    return is_platform_admin(user) or officer_covers(user, cooperative)


def can_view_private_cooperative(user: User, cooperative: Cooperative) -> bool:
    """Unverified cooperatives and RAT records: their staff and dinas in scope only."""
    return is_cooperative_staff(user, cooperative) or officer_covers(user, cooperative)


def can_monitor(user: User) -> bool:
    """The dinas monitoring (sales figures, the registry): officers, of their regions; admins."""
    return is_platform_admin(user) or bool(
        user.is_authenticated and Region.objects.filter(officers__user=user).exists()
    )


def is_finance_staff(user: User) -> bool:
    """Platform finance: confirm bank transfers, pay out cooperatives (any status)."""
    return bool(user.is_authenticated and user.has_perm("payments.manage_finance"))


def ensure(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed()
