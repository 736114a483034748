"""Read queries of the marketplace core; every view and page starts from these."""

import datetime

from django.db.models import Count, Q, QuerySet

from market.errors import NotFound
from market.models import Cooperative, Invitation, Membership, RatMeeting, Region, User
from market.policies import (
    has_verified_email,
    is_finance_staff,
    is_platform_admin,
    officer_scope_q,
)


def region_list(*, level: str | None = None, parent: str | None = None) -> QuerySet[Region]:
    regions = Region.objects.select_related("parent").order_by("code")
    if level:
        regions = regions.filter(level=level)
    if parent:
        regions = regions.filter(parent__code=parent)
    return regions


def cooperative_list_public(*, region: str | None = None, q: str | None = None):
    """Verified cooperatives, the ones that appear in the market."""
    cooperatives = Cooperative.objects.filter(status=Cooperative.Status.VERIFIED)
    if region:
        cooperatives = cooperatives.filter(Region.within_q(region, "region__code"))
    if q:
        cooperatives = cooperatives.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return cooperatives.select_related("region").order_by("name", "pk")


def cooperative_list_for(
    *, user: User, status: str = "", region: str = "", q: str = ""
) -> QuerySet[Cooperative]:
    """The market's list (verified, by name), or with another `status` what the user may see.

    A dinas officer asking for `pending` gets the verification queue of their regions,
    oldest first; staff get their own cooperatives in that status; others get none.
    """
    if not status or status == Cooperative.Status.VERIFIED:
        return cooperative_list_public(region=region, q=q)
    listed = cooperatives_visible_to(user).filter(status=status)
    if region:
        listed = listed.filter(Region.within_q(region, "region__code"))
    if q:
        listed = listed.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return listed.select_related("region").order_by("created_at", "pk")


def cooperatives_visible_to(user: User) -> QuerySet[Cooperative]:
    """Verified ones for everyone; unverified ones to their staff and dinas in scope."""
    if is_platform_admin(user) or is_finance_staff(user):
        return Cooperative.objects.all()
    visible = Q(status=Cooperative.Status.VERIFIED)
    if user.is_authenticated:
        visible |= Q(memberships__user=user)
        scope = officer_scope_q(user)
        if scope is not None:
            visible |= scope
    # The membership join can repeat a row; filter by pk to stay distinct.
    return Cooperative.objects.filter(pk__in=Cooperative.objects.filter(visible).values("pk"))


def cooperative_list_last_owned_by(*, user: User) -> QuerySet[Cooperative]:
    """The cooperatives whose only owner is the user: without them, they would have none."""
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER)
    return (
        Cooperative.objects.filter(pk__in=owned.values("cooperative"))
        .annotate(owner_count=Count("memberships",
                                    filter=Q(memberships__role=Membership.Role.OWNER)))
        .filter(owner_count=1)
        .order_by("name", "pk")
    )


def cooperative_get_for(*, user: User, slug: str) -> Cooperative:
    """The cooperative if the user may see it, else 404 (no hint that it exists)."""
    cooperative = (
        cooperatives_visible_to(user)
        .select_related("region")
        .annotate(product_count=_active_product_count())
        .filter(slug=slug)
        .first()
    )
    if cooperative is None:
        raise NotFound()
    return cooperative


def membership_list(*, cooperative: Cooperative) -> QuerySet[Membership]:
    return cooperative.memberships.select_related("user").order_by("created_at", "pk")


def invitation_list_pending(*, cooperative: Cooperative) -> QuerySet[Invitation]:
    """The cooperative's unanswered invitations, expired ones included (the owner may renew)."""
    return (
        cooperative.invitations.filter(status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .order_by("created_at", "pk")
    )


def invitation_list_for(*, user: User, now: datetime.datetime) -> QuerySet[Invitation]:
    """The user's pending, unexpired invitations, matched by e-mail (stored lower-case).

    None until the user verified their address: an empty list says nothing about
    what waits for it.
    """
    if not has_verified_email(user):
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(
            email=user.email.lower(), status=Invitation.Status.PENDING, expires_at__gt=now
        )
        .select_related("cooperative", "invited_by")
        .order_by("-created_at", "-pk")
    )


def rat_meeting_list(*, cooperative: Cooperative) -> QuerySet[RatMeeting]:
    return cooperative.rat_meetings.order_by("-held_on", "-pk")


def user_cooperatives(*, user: User) -> QuerySet[Membership]:
    return user.memberships.select_related("cooperative").order_by("cooperative__name", "pk")


def user_dinas_region_codes(*, user: User) -> list[str]:
    return list(
        Region.objects.filter(officers__user=user).order_by("code").values_list("code", flat=True)
    )


def _active_product_count() -> Count:
    # Imported here: catalog depends on market, not the other way round.
    from catalog.models import Product

    return Count("products", filter=Q(products__status=Product.Status.ACTIVE))
