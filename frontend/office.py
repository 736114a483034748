"""What every back-office page shares: the cooperative from the address, for its staff only."""

from django.http import Http404, HttpRequest

from market import selectors
from market.errors import NotFound
from market.models import Cooperative
from market.policies import MANAGING_ROLES, cooperative_role, is_platform_admin


def office_cooperative(request: HttpRequest, slug: str) -> Cooperative:
    """The cooperative of /office/<slug>/ if the user is its staff (or the platform admin);
    404 for anyone else, so a staff member of one cooperative cannot tell another's exists.
    `cooperative.role` is the user's role in it ("owner", "manager", "staff"; "" for the admin)."""
    try:
        cooperative = selectors.cooperative_get_for_staff(user=request.user, slug=slug)
    except NotFound:
        raise Http404 from None
    cooperative.role = cooperative_role(request.user, cooperative) or (
        "" if is_platform_admin(request.user) else None
    )
    return cooperative


def office_context(request: HttpRequest, cooperative: Cooperative, section: str, **context) -> dict:
    """The context of every back-office template: the cooperative, the user's other
    cooperatives (the switcher), the section shown (the menu marks it)."""
    return {
        "cooperative": cooperative,
        "my_cooperatives": selectors.user_cooperatives(user=request.user),
        "section": section,
        # Owner and manager see the money, as the ledger API: the menu hides it from staff.
        # (can_manage_cooperative's rule, from the role office_cooperative read: no query.)
        "may_manage": is_platform_admin(request.user) or cooperative.role in MANAGING_ROLES,
        **context,
    }
