"""Who may open what: every page and its state-changing forms, for every role, in one table.

The pages' counterpart of test_authorization_matrix.py, with its roles and its world
(the same objects and users, built once for this module and rolled back after it). Each
row names a page (its route as the URL conf writes it, converters dropped), the object it
is opened on, a valid form for a POST, and the answer every role gets, in the column
order of ROLES:

- LOGIN: a redirect to the log-in page (anonymous, on a page that needs an account);
- 200, or 302 after a POST that did what it asks;
- 404 for what the user may not see (another cooperative's back office, an officer out
  of scope, anyone but finance staff on /finance/, someone else's order or payment);
- 403 where the page answers as the API does (the office money for plain staff);
- 400 where the user is let in but the form is refused (staff doing the owner's work).

A POST row names what it would change (`state`): it must change for the roles whose
answer is 200 or 302 (but those in `kept`, whose request the service refuses with a
message) and stay as it was for everyone else.

A new page, or a new route, fails test_the_table_covers_every_page until it has its row.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.views.static import serve

from catalog.models import Product, ProductImport, Review
from market.models import Cooperative, Invitation, Membership, Notification, RatMeeting
from orders.models import CartItem, Order, ShippingOption
from payments.models import Payment, Payout, Refund
from tests import test_authorization_matrix as api_matrix
from tests.catalog.uploads import image_upload
from tests.frontend.test_office_bulk_pages import checked_import
from tests.test_authorization_matrix import ROLES, api_endpoints, proof_sent, yesterday

# The API matrix's fixture: the same world and role users, built once for this module too.
world = api_matrix.world

LOGIN = "log-in page"  # a 302 to the log-in page, with the page to come back to
REFUSED = (LOGIN, 400, 403, 404)


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the route, `<slug:slug>` written `{slug}`
    codes: tuple[int | str, ...]  # one per role, in the order of ROLES
    url: Callable[[SimpleNamespace], str] | None = None  # default: `path` itself
    body: Callable[[SimpleNamespace], dict] | None = None
    given: Callable[[SimpleNamespace], object] | None = None  # done first, in the case
    # What the POST would change, read from the database before and after it.
    state: Callable[[SimpleNamespace], object] | None = None
    kept: tuple[str, ...] = ()  # let in (a 200 or 302) but refused: nothing changes
    label: str = ""  # tells rows of one route apart
    # (what, roles): the page contains `what` exactly for these roles
    sees: tuple[Callable[[SimpleNamespace], str], tuple[str, ...]] | None = None
    why: str = ""  # the business rule behind an answer that is not the obvious one


def same(code: int) -> tuple[int, ...]:
    return (code,) * len(ROLES)


def logged_in(code: int) -> tuple[int | str, ...]:
    return (LOGIN,) + (code,) * (len(ROLES) - 1)


def done(codes: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The answers of a POST: a redirect where the GET would show the page."""
    return tuple(302 if code == 200 else code for code in codes)


def elsewhere(w: SimpleNamespace) -> Cooperative:
    """The other cooperative: the one `other_staff` owns."""
    return Cooperative.objects.get(memberships__user=w.users["other_staff"])


def office_url(tail: str = "", which: str = "cooperative") -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/office/{getattr(w, which).slug}/{tail.format(w=w)}"


def status_of(which: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: Order.objects.get(pk=getattr(w, which).pk).status


def last_month() -> str:
    first_day = timezone.localdate().replace(day=1)
    return (first_day - datetime.timedelta(days=1)).strftime("%Y-%m")


def product_form(w: SimpleNamespace) -> dict:
    return {
        "name": "Kopi Halaman", "category": "kopi-teh", "unit": "kg", "weight_grams": 250,
        "status": "draft", "variants-TOTAL_FORMS": 1, "variants-INITIAL_FORMS": 0,
        "variants-0-sku": "PAGE-1", "variants-0-name": "1 kg", "variants-0-price": 30_000,
        "variants-0-stock": 5,
    }


def profile_form(w: SimpleNamespace) -> dict:
    fields = ("name", "legal_number", "kind", "address", "phone", "email", "members_count")
    return {**{name: getattr(w.cooperative, name) for name in fields},
            "description": "Kopi dari Ledo, dari halaman"}


def bulk_checked(w: SimpleNamespace) -> None:
    """An uploaded file checked and waiting to be applied (`w.product_import`, for the URL)."""
    w.product_import = checked_import(w.cooperative, w.users["staff"], rows=1)


def bulk_checked_elsewhere(w: SimpleNamespace) -> None:
    """A checked upload of the other cooperative (`w.product_import`)."""
    w.product_import = checked_import(elsewhere(w), w.users["other_staff"], rows=1)


def product_renamed(w: SimpleNamespace) -> dict:
    """The edit form as the page fills it in, with a new name."""
    variant = w.product.variants.get()
    return {
        "name": "Kopi Ledo Baru", "description": w.product.description,
        "category": w.product.category.slug, "unit": w.product.unit,
        "weight_grams": w.product.weight_grams, "status": w.product.status,
        "variants-TOTAL_FORMS": 1, "variants-INITIAL_FORMS": 1,
        "variants-0-variant": variant.pk, "variants-0-stock_shown": variant.stock,
        "variants-0-sku": variant.sku, "variants-0-name": variant.name,
        "variants-0-price": variant.price, "variants-0-stock": variant.stock,
    }


# Its staff and the platform admin; anyone else does not learn the back office exists.
OFFICE = (LOGIN, 404, 404, 200, 404, 200, 200, 404, 404, 404, 200)
# The owner's and manager's forms: plain staff are let in and refused on the form.
MANAGERS_FORM = (LOGIN, 404, 404, 400, 404, 302, 302, 404, 404, 404, 302)
# Officers (of their regions) and the platform admin.
MONITORS = (LOGIN, 404, 404, 404, 404, 404, 404, 200, 200, 404, 200)
IN_SCOPE = (LOGIN, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200)
FINANCE = (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200)
# The buyer's own pages: a cooperative's staff, finance and the admin included get 404.
BUYER_ONLY = (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)
NOBODY = (LOGIN,) + (404,) * (len(ROLES) - 1)

#      anonymous, buyer, other_buyer, staff, other_staff, owner, manager,
#      officer, officer_elsewhere, finance, admin
TABLE = [
    # -------------------------------------------------------- browsing
    Row("GET", "/", same(200)),
    Row("GET", "/search/", same(200)),
    Row("GET", "/products/{pk}/", same(200), label="on sale",
        url=lambda w: f"/products/{w.product.pk}/"),
    Row("GET", "/products/{pk}/", (404, 404, 404, 200, 404, 200, 200, 404, 404, 404, 200),
        label="draft", url=lambda w: f"/products/{w.draft.pk}/",
        why="a draft is its cooperative's staff's, as the API's product"),
    Row("GET", "/cooperatives/", same(200)),
    Row("GET", "/cooperatives/{slug}/", same(200), label="verified",
        url=lambda w: f"/cooperatives/{w.cooperative.slug}/"),
    Row("GET", "/cooperatives/{slug}/", (404, 404, 404, 200, 404, 200, 200, 200, 404, 200, 200),
        label="pending", url=lambda w: f"/cooperatives/{w.pending.slug}/",
        why="as the API: its staff, the dinas in scope, finance staff (to pay it out)"),
    # -------------------------------------------------------- buying
    Row("GET", "/cart/", logged_in(200)),
    Row("POST", "/cart/add/", done(logged_in(200)),
        body=lambda w: {"variant": w.variant.pk, "quantity": 1},
        state=lambda w: CartItem.objects.filter(variant=w.variant)
        .aggregate(total=Sum("quantity"))["total"]),
    Row("POST", "/cart/items/{pk}/", done(BUYER_ONLY), label="quantity",
        url=lambda w: f"/cart/items/{w.cart_item.pk}/", body=lambda w: {"quantity": 2},
        state=lambda w: CartItem.objects.filter(pk=w.cart_item.pk).first().quantity),
    Row("POST", "/cart/items/{pk}/", done(BUYER_ONLY), label="remove",
        url=lambda w: f"/cart/items/{w.cart_item.pk}/", body=lambda w: {"remove": "1"},
        state=lambda w: CartItem.objects.filter(pk=w.cart_item.pk).exists()),
    Row("GET", "/checkout/", logged_in(200)),
    Row("GET", "/payments/{pk}/", BUYER_ONLY, url=lambda w: f"/payments/{w.payment.pk}/",
        why="the buyer's payment page: finance staff read payments on the finance desk"),
    Row("POST", "/payments/{pk}/", done(BUYER_ONLY), label="proof",
        url=lambda w: f"/payments/{w.payment.pk}/",
        body=lambda w: {"image": image_upload(size=(64, 48))},
        state=lambda w: Payment.objects.get(pk=w.payment.pk).proof.name),
    # -------------------------------------------------------- after buying
    Row("GET", "/orders/", logged_in(200),
        sees=(lambda w: w.paid.number, ("buyer",)),
        why="one's own orders: a cooperative's staff see theirs in the back office"),
    Row("GET", "/orders/{number}/", BUYER_ONLY, url=lambda w: f"/orders/{w.paid.number}/"),
    Row("POST", "/orders/{number}/{action}/", done(BUYER_ONLY), label="cancel",
        url=lambda w: f"/orders/{w.paid.number}/cancel/", body=lambda w: {"reason": "Salah pesan"},
        state=status_of("paid")),
    Row("POST", "/orders/{number}/{action}/", done(BUYER_ONLY), label="received",
        url=lambda w: f"/orders/{w.shipped.number}/received/", state=status_of("shipped")),
    Row("POST", "/reviews/{line_pk}/", done(BUYER_ONLY),
        url=lambda w: f"/reviews/{w.completed.lines.get().pk}/",
        body=lambda w: {"rating": 5, "text": "Mantap"},
        state=lambda w: Review.objects.filter(order_line__order=w.completed).count()),
    # -------------------------------------------------------- the account
    Row("GET", "/account/", logged_in(200)),
    Row("GET", "/account/login/", same(200)),
    Row("GET", "/account/logout/", same(200)),
    Row("GET", "/account/register/", same(200)),
    Row("GET", "/account/verify-email/", same(200)),
    Row("GET", "/account/password-reset/", same(200)),
    Row("GET", "/account/password-reset/confirm/", same(200)),
    Row("GET", "/account/language/", same(200)),
    Row("GET", "/account/notifications/", logged_in(200),
        sees=(lambda w: w.notification.title, ("buyer",))),
    Row("POST", "/account/notifications/", done(BUYER_ONLY), label="mark one read",
        body=lambda w: {"notification": w.notification.pk},
        state=lambda w: Notification.objects.get(pk=w.notification.pk).read_at,
        why="the recipient alone: another's notification does not exist for the caller"),
    Row("GET", "/account/notifications/preferences/", logged_in(200)),
    # -------------------------------------------------------- the back office
    Row("GET", "/office/", (LOGIN, 404, 404, 200, 302, 200, 200, 404, 404, 404, 404),
        why="one's own cooperatives to choose from (one: straight to it); the admin has none"),
    Row("GET", "/office/{slug}/", OFFICE, url=office_url()),
    Row("GET", "/office/{slug}/", OFFICE, label="pending", url=office_url(which="pending"),
        why="a cooperative waiting for the dinas is run by its staff already"),
    Row("GET", "/office/{slug}/orders/", OFFICE, url=office_url("orders/"),
        sees=(lambda w: w.paid.number, ("staff", "owner", "manager", "admin"))),
    Row("GET", "/office/{slug}/orders/{number}/", OFFICE,
        url=office_url("orders/{w.paid.number}/")),
    Row("GET", "/office/{slug}/orders/{number}/", NOBODY,
        label="another cooperative's, at one's own address",
        url=lambda w: f"/office/{elsewhere(w).slug}/orders/{w.paid.number}/"),
    Row("POST", "/office/{slug}/orders/{number}/{action}/", done(OFFICE), label="accept",
        url=office_url("orders/{w.paid.number}/accept/"), state=status_of("paid")),
    Row("POST", "/office/{slug}/orders/{number}/{action}/", done(OFFICE), label="ship",
        url=office_url("orders/{w.accepted.number}/ship/"),
        body=lambda w: {"carrier": "JNE", "tracking_number": "JNE-HALAMAN"},
        state=status_of("accepted")),
    Row("POST", "/office/{slug}/orders/{number}/{action}/", done(OFFICE), label="cancel",
        url=office_url("orders/{w.paid.number}/cancel/"), body=lambda w: {"reason": "Stok habis"},
        state=status_of("paid")),
    Row("POST", "/office/{slug}/orders/{number}/{action}/", done(OFFICE), label="refund",
        url=office_url("orders/{w.paid.number}/refund/"),
        body=lambda w: {"amount": 1_000, "reason": "Rusak"},
        state=lambda w: Refund.objects.filter(order=w.paid).count(), kept=("staff",),
        why="owner and manager refund, as the API (403 for staff): the page says no"),
    Row("POST", "/office/{slug}/orders/{number}/{action}/", NOBODY,
        label="accept another cooperative's, at one's own address",
        url=lambda w: f"/office/{elsewhere(w).slug}/orders/{w.paid.number}/accept/",
        state=status_of("paid")),
    Row("GET", "/office/{slug}/money/", (LOGIN, 404, 404, 403, 404, 200, 200, 404, 404, 404, 200),
        url=office_url("money/"), why="owner and manager see the money, as the API's ledger"),
    Row("GET", "/office/{slug}/products/", OFFICE, url=office_url("products/")),
    Row("GET", "/office/{slug}/products/new/", OFFICE, url=office_url("products/new/")),
    Row("POST", "/office/{slug}/products/new/", done(OFFICE), url=office_url("products/new/"),
        body=product_form,
        state=lambda w: Product.objects.filter(cooperative=w.cooperative).count()),
    Row("GET", "/office/{slug}/products/{pk}/", OFFICE,
        url=office_url("products/{w.product.pk}/")),
    Row("GET", "/office/{slug}/products/{pk}/", OFFICE, label="draft",
        url=office_url("products/{w.draft.pk}/")),
    Row("GET", "/office/{slug}/products/{pk}/", NOBODY,
        label="another cooperative's, at one's own address",
        url=lambda w: f"/office/{elsewhere(w).slug}/products/{w.product.pk}/"),
    Row("POST", "/office/{slug}/products/{pk}/", done(OFFICE), label="rename",
        url=office_url("products/{w.product.pk}/"), body=product_renamed,
        state=lambda w: Product.objects.get(pk=w.product.pk).name),
    Row("POST", "/office/{slug}/products/{pk}/images/", done(OFFICE),
        url=office_url("products/{w.product.pk}/images/"),
        body=lambda w: {"image": image_upload(size=(64, 48))},
        state=lambda w: w.product.images.count()),
    Row("POST", "/office/{slug}/products/{pk}/{action}/", done(OFFICE), label="publish",
        url=office_url("products/{w.draft.pk}/publish/"),
        state=lambda w: Product.objects.get(pk=w.draft.pk).status),
    Row("POST", "/office/{slug}/products/{pk}/{action}/", NOBODY,
        label="publish another cooperative's, at one's own address",
        url=lambda w: f"/office/{elsewhere(w).slug}/products/{w.draft.pk}/publish/",
        state=lambda w: Product.objects.get(pk=w.draft.pk).status),
    Row("POST", "/office/{slug}/variants/{pk}/stock/", done(OFFICE),
        url=office_url("variants/{w.variant.pk}/stock/"), body=lambda w: {"stock": 7},
        state=lambda w: w.product.variants.get().stock),
    Row("POST", "/office/{slug}/variants/{pk}/stock/", NOBODY,
        label="another cooperative's, at one's own address",
        url=lambda w: f"/office/{elsewhere(w).slug}/variants/{w.variant.pk}/stock/",
        body=lambda w: {"stock": 7}, state=lambda w: w.product.variants.get().stock),
    Row("GET", "/office/{slug}/bulk/", OFFICE, url=office_url("bulk/")),
    Row("GET", "/office/{slug}/bulk/template.xlsx", OFFICE, url=office_url("bulk/template.xlsx")),
    Row("GET", "/office/{slug}/bulk/{pk}/", OFFICE, given=bulk_checked,
        url=office_url("bulk/{w.product_import.pk}/")),
    Row("GET", "/office/{slug}/bulk/{pk}/", NOBODY, given=bulk_checked_elsewhere,
        label="another cooperative's, at one's own address",
        url=office_url("bulk/{w.product_import.pk}/")),
    Row("POST", "/office/{slug}/bulk/{pk}/", done(OFFICE), label="apply", given=bulk_checked,
        url=office_url("bulk/{w.product_import.pk}/"),
        state=lambda w: ProductImport.objects.get(pk=w.product_import.pk).status),
    Row("GET", "/office/{slug}/team/", OFFICE, url=office_url("team/"),
        sees=(lambda w: w.invitation.email, ("owner", "admin")),
        why="the owner manages the staff; the others see their own membership, to leave"),
    Row("POST", "/office/{slug}/team/",
        (LOGIN, 404, 404, 400, 404, 302, 400, 404, 404, 404, 302), label="invite",
        url=office_url("team/"),
        body=lambda w: {"action": "invite", "email": w.candidate.email, "role": "staff"},
        state=lambda w: Invitation.objects.filter(cooperative=w.cooperative).count(),
        why="the owner invites, as the API: other staff see the refusal on the form"),
    Row("POST", "/office/{slug}/team/",
        (LOGIN, 404, 404, 302, 404, 302, 302, 404, 404, 404, 302), label="remove the staff member",
        url=office_url("team/"),
        body=lambda w: {"action": "remove", "id": w.membership_of["staff"].pk},
        state=lambda w: Membership.objects.filter(pk=w.membership_of["staff"].pk).exists(),
        kept=("manager",), why="the owner removes, the member themself leaves, as the API"),
    Row("POST", "/office/{slug}/team/",
        (LOGIN, 404, 404, 404, 302, 404, 404, 404, 404, 404, 302),
        label="remove another cooperative's member, at one's own address",
        url=lambda w: f"/office/{elsewhere(w).slug}/team/",
        body=lambda w: {"action": "remove", "id": w.membership_of["staff"].pk},
        state=lambda w: Membership.objects.filter(pk=w.membership_of["staff"].pk).exists(),
        kept=("other_staff", "admin"), why="not one of its members: the page says not found"),
    Row("POST", "/office/{slug}/team/",
        (LOGIN, 404, 404, 404, 302, 404, 404, 404, 404, 404, 302),
        label="cancel another cooperative's invitation, at one's own address",
        url=lambda w: f"/office/{elsewhere(w).slug}/team/",
        body=lambda w: {"action": "cancel", "id": w.invitation.pk},
        state=lambda w: Invitation.objects.get(pk=w.invitation.pk).status,
        kept=("other_staff", "admin"), why="not one of its invitations: the page says not found"),
    Row("GET", "/office/{slug}/rat/", OFFICE, url=office_url("rat/")),
    Row("POST", "/office/{slug}/rat/", MANAGERS_FORM, url=office_url("rat/"),
        body=lambda w: {"held_on": yesterday(), "attendance": 30, "members_total": 40},
        state=lambda w: RatMeeting.objects.filter(cooperative=w.cooperative).count(),
        why="owner and manager record a RAT, as the API"),
    Row("GET", "/office/{slug}/shipping/", OFFICE, url=office_url("shipping/")),
    Row("POST", "/office/{slug}/shipping/", MANAGERS_FORM, url=office_url("shipping/"),
        body=lambda w: {"name": "Ambil sendiri", "kind": "pickup", "fee": 0},
        state=lambda w: ShippingOption.objects.filter(cooperative=w.cooperative).count()),
    Row("GET", "/office/{slug}/profile/", OFFICE, url=office_url("profile/")),
    Row("POST", "/office/{slug}/profile/", MANAGERS_FORM, url=office_url("profile/"),
        body=profile_form,
        state=lambda w: Cooperative.objects.get(pk=w.cooperative.pk).description),
    # -------------------------------------------------------- the dinas dashboard
    Row("GET", "/dinas/", MONITORS),
    Row("GET", "/dinas/sales/", MONITORS),
    Row("GET", "/dinas/sales/", IN_SCOPE, label="one cooperative",
        url=lambda w: f"/dinas/sales/?cooperative={w.cooperative.slug}",
        why="a cooperative outside the officer's regions is not found"),
    Row("GET", "/dinas/sales/", MONITORS, label="CSV", url=lambda w: "/dinas/sales/?format=csv"),
    Row("GET", "/dinas/sales/", IN_SCOPE, label="one region",
        url=lambda w: f"/dinas/sales/?region={w.cooperative.region.code}&group_by=region",
        why="a region outside the officer's is not found (the API answers 403)"),
    Row("GET", "/dinas/cooperatives/", MONITORS,
        sees=(lambda w: w.pending.slug, ("officer", "admin"))),
    Row("GET", "/dinas/cooperatives/", IN_SCOPE, label="one region",
        url=lambda w: f"/dinas/cooperatives/?region={w.cooperative.region.code}"),
    Row("GET", "/dinas/cooperatives/", MONITORS, label="XLSX",
        url=lambda w: "/dinas/cooperatives/?format=xlsx"),
    Row("GET", "/dinas/cooperatives/{slug}/", IN_SCOPE,
        url=lambda w: f"/dinas/cooperatives/{w.cooperative.slug}/"),
    Row("GET", "/dinas/cooperatives/{slug}/", IN_SCOPE, label="pending",
        url=lambda w: f"/dinas/cooperatives/{w.pending.slug}/"),
    Row("GET", "/dinas/queue/", MONITORS, sees=(lambda w: w.pending.slug, ("officer", "admin"))),
    Row("POST", "/dinas/queue/{slug}/", done(IN_SCOPE),
        url=lambda w: f"/dinas/queue/{w.pending.slug}/", body=lambda w: {"decision": "verified"},
        state=lambda w: Cooperative.objects.get(pk=w.pending.pk).status),
    Row("GET", "/dinas/report/", MONITORS),
    Row("GET", "/dinas/report/", IN_SCOPE, label="a region's month",
        url=lambda w: f"/dinas/report/?region={w.cooperative.region.parent.code}"
                      f"&month={last_month()}",
        why="the report of one's own regions only"),
    # -------------------------------------------------------- the finance desk
    Row("GET", "/finance/", FINANCE,
        sees=(lambda w: w.payment.transfer_reference, ("finance", "admin"))),
    Row("GET", "/finance/transfers/{pk}/", FINANCE,
        url=lambda w: f"/finance/transfers/{w.payment.pk}/",
        why="the buyer too: the payment's own page is /payments/{pk}/"),
    Row("POST", "/finance/transfers/{pk}/", done(FINANCE), label="confirm",
        url=lambda w: f"/finance/transfers/{w.payment.pk}/",
        state=lambda w: Payment.objects.get(pk=w.payment.pk).status),
    Row("GET", "/finance/transfers/{pk}/proof/", FINANCE, given=proof_sent,
        url=lambda w: f"/finance/transfers/{w.payment.pk}/proof/"),
    Row("GET", "/finance/payouts/", FINANCE),
    Row("POST", "/finance/payouts/", done(FINANCE),
        body=lambda w: {"cooperative": w.cooperative.slug, "amount": 1_000,
                        "reference": "TRF-HALAMAN"},
        state=lambda w: Payout.objects.filter(cooperative=w.cooperative).count()),
    Row("GET", "/finance/refunds/", FINANCE),
]


def _case_id(row: Row, role: str) -> str:
    label = f"[{row.label}]" if row.label else ""
    return f"{row.method} {row.path}{label} {role}"


CASES = [
    pytest.param(row, role, code, id=_case_id(row, role))
    for row in TABLE
    for role, code in zip(ROLES, row.codes, strict=True)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role", "expected"), CASES)
def test_the_role_gets_the_answer_the_table_names(world, row, role, expected):
    if row.given:
        row.given(world)
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    url = row.url(world) if row.url else row.path
    before = row.state(world) if row.state else None

    if row.method == "POST":
        response = client.post(url, row.body(world) if row.body else {})
    else:
        response = client.get(url)

    body = response.getvalue()  # downloads too
    location = response.get("Location", "")
    to_log_in = response.status_code == 302 and location.startswith(resolve_url(settings.LOGIN_URL))
    if expected == LOGIN:
        assert to_log_in, (response.status_code, location)
    else:
        assert (response.status_code, to_log_in) == (expected, False), (location, body[:500])
    if row.state:
        changes = expected not in REFUSED and role not in row.kept
        assert (row.state(world) != before) == changes, (
            "nothing changed" if changes else "a refusal changed something"
        )
    if row.sees:
        what, roles = row.sees
        assert (what(world) in body.decode()) == (role in roles)


def test_every_post_row_names_what_it_would_change():
    assert [row for row in TABLE if row.method == "POST" and row.state is None] == []


# ---------------------------------------------------------------- completeness


def _routes(patterns, prefix: str = "") -> set[str]:
    found = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found |= _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.callback is not serve:  # media, static
            found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return found


def page_paths() -> set[str]:
    """Every route of the URL conf but the API's (the other matrix's), the admin's, media's."""
    api = {path for path, _method in api_endpoints()}
    return {
        path for path in _routes(get_resolver().url_patterns)
        if not path.startswith(("/api/", "/admin/")) and path not in api
    }


def test_the_table_covers_every_page():
    in_table = {row.path for row in TABLE}

    assert sorted(page_paths() - in_table) == [], "pages without a row"
    assert sorted(in_table - page_paths()) == [], "rows for pages that do not exist"
