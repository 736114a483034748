"""Who may call what: every endpoint and method of the API, for every role, in one table.

Each row names an endpoint (its path as the schema writes it, and a method), the
object it is called on, a valid request, and the status every role gets, in the
column order of ROLES. A valid request means an allowed role gets its success
code; any other code in an allowed role's column is a business rule, named in the
row's `why`. The world the rows act on is built once for the module; every case
runs in a transaction that is rolled back, so each finds it as built (the paid
order is still paid for every role that accepts it).

A new endpoint, or a new method on one, fails test_the_table_covers_every_endpoint
until it has its row here.
"""

import datetime
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from rest_framework.test import APIClient

from market.models import Cooperative, Membership, Notification, User
from market.services import cooperatives as cooperative_services
from market.services import members
from market.tokens import email_verification_token
from orders.models import CartItem, Order
from payments import services as payment_services
from tests.catalog.uploads import image_upload
from tests.factories import (
    SHIPPING_ADDRESS,
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    ShippingOptionFactory,
    UserFactory,
    district,
    order_placed,
)
from tests.payments.test_proof_files import pdf_bytes

ROLES = (
    "anonymous",
    "buyer",  # owns the orders, the cart item and the payment under test
    "other_buyer",
    "staff",  # staff of the cooperative under test
    "other_staff",  # the owner of another cooperative
    "owner",
    "manager",
    "officer",  # dinas officer whose regency contains the cooperative
    "officer_elsewhere",  # dinas officer of another kecamatan
    "finance",  # platform finance staff (payments.manage_finance)
    "admin",  # platform admin (superuser)
)
PASSWORD = "pass-word-123"  # the factories' password
DISTRICT = "61.07.04"
ELSEWHERE = "61.07.06"


# ---------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once; rolled back when the module is done, so other modules never see it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _world_build()
        transaction.set_rollback(True)


def _world_build() -> SimpleNamespace:
    cooperative = CooperativeFactory(region=district(DISTRICT))
    pending = CooperativeFactory(region=district(DISTRICT), status=Cooperative.Status.PENDING)
    elsewhere = CooperativeFactory(region=district(ELSEWHERE))
    roles = {
        "buyer": UserFactory(email="pembeli@example.com"),
        "other_buyer": UserFactory(),
        "other_staff": MembershipFactory(cooperative=elsewhere, role="owner").user,
        "officer": DinasOfficerFactory(regions=[district(DISTRICT).parent]).user,
        "officer_elsewhere": DinasOfficerFactory(regions=[district(ELSEWHERE)]).user,
        "finance": UserFactory(),
        "admin": UserFactory(is_staff=True, is_superuser=True),
    }
    for role in ("owner", "manager", "staff"):
        roles[role] = MembershipFactory(cooperative=cooperative, role=role).user
        MembershipFactory(cooperative=pending, user=roles[role], role=role)
    roles["finance"].user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="manage_finance")
    )
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000, "stock": 100}])
    variant = product.variants.get()
    buyer = roles["buyer"]

    def order(status: str) -> Order:
        return order_placed(buyer=buyer, variant=variant, status=status, staff=roles["staff"])

    unpaid = order(Order.Status.PENDING_PAYMENT)
    # What the platform holds for the cooperative, to pay out; its line is the buyer's to review.
    completed = order(Order.Status.COMPLETED)
    invitation = members.invitation_send(
        actor=roles["owner"], cooperative=cooperative, email=buyer.email, role="staff"
    )
    membership_of = {
        role: Membership.objects.get(user=roles[role], cooperative=cooperative)
        for role in ("owner", "staff")
    }
    return SimpleNamespace(
        users={role: User.objects.get(pk=user.pk) for role, user in roles.items()},
        cooperative=cooperative,
        pending=pending,
        product=product,
        variant=variant,
        draft=ProductFactory(cooperative=cooperative, status="draft"),
        shipping_option=ShippingOptionFactory(cooperative=cooperative),
        cart_item=CartItem.objects.create(user=buyer, variant=variant, quantity=1),
        paid=order(Order.Status.PAID),
        completed=completed,
        accepted=order(Order.Status.ACCEPTED),
        shipped=order(Order.Status.SHIPPED),
        payment=unpaid.checkout.payment,  # a bank transfer waiting for its money
        candidate=UserFactory(email="calon-staf@example.com"),
        unverified=UserFactory(email="belum-verifikasi@example.com", unverified=True),
        invitation=invitation,  # to the buyer's e-mail
        membership_of=membership_of,
        notification=Notification.objects.create(recipient=buyer, kind="order_paid",
                                                 title="Pesanan matrix dibayar"),
    )


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # as the OpenAPI schema writes it
    codes: tuple[int, ...]  # one per role, in the order of ROLES
    url: Callable[[SimpleNamespace], str] | None = None  # default: `path` itself
    body: Callable[[SimpleNamespace], dict] | None = None
    multipart: bool = False
    headers: Callable[[], dict] | None = None
    settings: dict = field(default_factory=dict)
    token: bool = False  # log in with a real token instead of forcing the user in
    given: Callable[[SimpleNamespace], object] | None = None  # done first, in the case
    label: str = ""  # tells rows of one endpoint apart
    # (what, roles): the answer contains `what` exactly for these roles
    sees: tuple[Callable[[SimpleNamespace], str], tuple[str, ...]] | None = None
    why: str = ""  # the business rule behind a code that is neither success nor refusal


def same(code: int) -> tuple[int, ...]:
    return (code,) * len(ROLES)


def logged_in(code: int) -> tuple[int, ...]:
    return (401,) + (code,) * (len(ROLES) - 1)


def order_url(which: str, action: str = "") -> Callable[[SimpleNamespace], str]:
    suffix = f"{action}/" if action else ""
    return lambda w: f"/api/v1/orders/{getattr(w, which).number}/{suffix}"


def cooperative_url(which: str, tail: str = "") -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/api/v1/cooperatives/{getattr(w, which).slug}/{tail}"


def new_key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


COOPERATIVE_NEW = {
    "name": "Koperasi Baru", "nik": "6107999999999999", "legal_number": "AHU-0000001.AH.01.26",
    "kind": "produsen", "region": DISTRICT, "address": "Jl. Baru 1", "phone": "081200000001",
}
PRODUCT_NEW = {
    "name": "Kopi Robusta", "category": "kopi-teh", "unit": "kg", "weight_grams": 250,
    "status": "active", "variants": [{"sku": "MATRIX-1", "name": "1 kg", "price": 30_000,
                                      "stock": 5}],
}
STRIPE_ON = {"STRIPE_SECRET_KEY": "sk_test_matrix", "STRIPE_WEBHOOK_SECRET": "whsec_matrix"}
MANAGERS_ONLY = (401, 403, 403, 403, 403, 200, 200, 403, 403, 403, 200)
ITS_STAFF = (401, 403, 403, 200, 403, 200, 200, 403, 403, 403, 200)
FULFILMENT = (401, 403, 404, 200, 404, 200, 200, 403, 404, 404, 200)
MONITORS = (401, 403, 403, 403, 403, 403, 403, 200, 200, 403, 200)


def proof_sent(w: SimpleNamespace) -> None:
    payment_services.payment_proof_upload(
        actor=w.users["buyer"], payment=w.payment, upload=image_upload(size=(64, 48))
    )


def minutes_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("notulen.pdf", pdf_bytes(), content_type="application/pdf")


def rat_held(w: SimpleNamespace, **minutes) -> None:
    """A RAT of the cooperative recorded (`w.rat`, for the URL), without minutes unless given."""
    w.rat = cooperative_services.rat_record(
        actor=w.users["owner"], cooperative=w.cooperative, held_on=datetime.date(2025, 6, 28),
        attendance=30, members_total=40, **minutes,
    )


def rat_held_with_minutes(w: SimpleNamespace) -> None:
    rat_held(w, minutes=minutes_upload())


def rat_minutes_url(w: SimpleNamespace) -> str:
    return f"/api/v1/cooperatives/{w.cooperative.slug}/rat/{w.rat.pk}/minutes/"


def created(codes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(201 if code == 200 else code for code in codes)


def deleted(codes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(204 if code == 200 else code for code in codes)


#      anonymous, buyer, other_buyer, staff, other_staff, owner, manager,
#      officer, officer_elsewhere, finance, admin
TABLE = [
    # -------------------------------------------------------- accounts
    Row("POST", "/api/v1/auth/register/", same(201),
        body=lambda w: {"email": "baru@example.com", "password": "Rahasia-panjang-77",
                        "name": "Orang Baru"}),
    Row("POST", "/api/v1/auth/token/", same(200),
        body=lambda w: {"email": w.users["buyer"].email, "password": PASSWORD}),
    Row("POST", "/api/v1/auth/logout/", logged_in(204), token=True),
    Row("POST", "/api/v1/auth/verify-email/", same(200),
        body=lambda w: {"token": email_verification_token(w.unverified)},
        why="the token is the proof, whoever sends it (no login needed to follow a mailed link)"),
    Row("POST", "/api/v1/auth/verify-email/resend/", logged_in(202),
        why="every account may ask for its own link (a verified one is sent nothing)"),
    Row("POST", "/api/v1/auth/password-reset/", same(202),
        body=lambda w: {"email": w.users["buyer"].email},
        why="anyone may ask; the answer is the same for any address, the mail goes to it"),
    Row("POST", "/api/v1/auth/password-reset/confirm/", same(200),
        body=lambda w: {"uid": urlsafe_base64_encode(force_bytes(w.unverified.pk)),
                        "token": default_token_generator.make_token(w.unverified),
                        "password": "Rahasia-panjang-77"},
        why="the mailed link is the proof, whoever sends it (no login: the password is lost)"),
    Row("GET", "/api/v1/me/", logged_in(200)),
    Row("PATCH", "/api/v1/me/", logged_in(200), body=lambda w: {"language": "en"}),
    Row("GET", "/api/v1/me/invitations/", logged_in(200),
        sees=(lambda w: w.cooperative.slug, ("buyer",))),
    Row("POST", "/api/v1/me/invitations/{id}/accept/",
        (401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        url=lambda w: f"/api/v1/me/invitations/{w.invitation.pk}/accept/",
        why="the invitee alone: nobody, the admin included, joins on another's behalf"),
    Row("POST", "/api/v1/me/invitations/{id}/decline/",
        (401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        url=lambda w: f"/api/v1/me/invitations/{w.invitation.pk}/decline/",
        why="the invitee alone"),
    Row("GET", "/api/v1/me/notification-preferences/", logged_in(200)),
    Row("PATCH", "/api/v1/me/notification-preferences/", logged_in(200),
        body=lambda w: {"preferences": [{"kind": "order_placed", "email": False}]}),
    # -------------------------------------------------------- notifications
    Row("GET", "/api/v1/notifications/", logged_in(200),
        sees=(lambda w: w.notification.title, ("buyer",))),
    Row("POST", "/api/v1/notifications/{id}/read/",
        (401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        url=lambda w: f"/api/v1/notifications/{w.notification.pk}/read/",
        why="the recipient alone: another's notification does not exist for the caller"),
    Row("POST", "/api/v1/notifications/read-all/", logged_in(200)),
    # -------------------------------------------------------- regions, cooperatives
    Row("GET", "/api/v1/regions/", same(200)),
    Row("GET", "/api/v1/cooperatives/", same(200)),
    Row("GET", "/api/v1/cooperatives/", same(200), label="verification queue",
        url=lambda w: "/api/v1/cooperatives/?status=pending",
        sees=(lambda w: w.pending.slug,
              ("staff", "owner", "manager", "officer", "finance", "admin")),
        why="each sees the pending cooperatives they may see: theirs, their regions', all"),
    Row("POST", "/api/v1/cooperatives/", logged_in(201), body=lambda w: COOPERATIVE_NEW),
    Row("GET", "/api/v1/cooperatives/{slug}/", same(200), url=cooperative_url("cooperative"),
        label="verified"),
    Row("GET", "/api/v1/cooperatives/{slug}/",
        (404, 404, 404, 200, 404, 200, 200, 200, 404, 200, 200),
        url=cooperative_url("pending"), label="pending",
        why="finance staff see every cooperative, to pay them out"),
    Row("PATCH", "/api/v1/cooperatives/{slug}/", MANAGERS_ONLY,
        url=cooperative_url("cooperative"), body=lambda w: {"description": "Kopi dari Ledo"}),
    Row("PUT", "/api/v1/cooperatives/{slug}/logo/", MANAGERS_ONLY, multipart=True,
        url=cooperative_url("cooperative", "logo/"),
        body=lambda w: {"logo": image_upload(size=(64, 48))}),
    Row("POST", "/api/v1/cooperatives/{slug}/verify/",
        (401, 404, 404, 403, 404, 403, 403, 200, 404, 403, 200),
        url=cooperative_url("pending", "verify/"), body=lambda w: {"decision": "verified"}),
    Row("GET", "/api/v1/cooperatives/{slug}/members/",
        (401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 200),
        url=cooperative_url("cooperative", "members/")),
    Row("POST", "/api/v1/cooperatives/{slug}/members/",
        (401, 403, 403, 403, 403, 201, 403, 403, 403, 403, 201),
        url=cooperative_url("cooperative", "members/"),
        body=lambda w: {"email": w.candidate.email, "role": "staff"}),
    Row("DELETE", "/api/v1/cooperatives/{slug}/members/{id}/",
        (401, 403, 403, 204, 403, 204, 403, 403, 403, 403, 204), label="a staff member",
        url=lambda w: f"/api/v1/cooperatives/{w.cooperative.slug}/members/"
                      f"{w.membership_of['staff'].pk}/",
        why="the owner removes, the member themself leaves"),
    Row("DELETE", "/api/v1/cooperatives/{slug}/members/{id}/",
        (401, 403, 403, 403, 403, 409, 403, 403, 403, 403, 409), label="the last owner",
        url=lambda w: f"/api/v1/cooperatives/{w.cooperative.slug}/members/"
                      f"{w.membership_of['owner'].pk}/",
        why="409 last_owner: a cooperative always keeps an owner"),
    Row("GET", "/api/v1/cooperatives/{slug}/invitations/",
        (401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 200),
        url=cooperative_url("cooperative", "invitations/")),
    Row("DELETE", "/api/v1/cooperatives/{slug}/invitations/{id}/",
        (401, 403, 403, 403, 403, 204, 403, 403, 403, 403, 204),
        url=lambda w: f"/api/v1/cooperatives/{w.cooperative.slug}/invitations/"
                      f"{w.invitation.pk}/"),
    Row("GET", "/api/v1/cooperatives/{slug}/rat/",
        (401, 403, 403, 200, 403, 200, 200, 200, 403, 403, 200),
        url=cooperative_url("cooperative", "rat/")),
    Row("POST", "/api/v1/cooperatives/{slug}/rat/", created(MANAGERS_ONLY),
        url=cooperative_url("cooperative", "rat/"),
        body=lambda w: {"held_on": yesterday(), "attendance": 30, "members_total": 40}),
    Row("POST", "/api/v1/cooperatives/{slug}/rat/", created(MANAGERS_ONLY), multipart=True,
        label="with minutes", url=cooperative_url("cooperative", "rat/"),
        body=lambda w: {"held_on": yesterday(), "attendance": 30, "members_total": 40,
                        "minutes": minutes_upload()}),
    Row("GET", "/api/v1/cooperatives/{slug}/rat/{id}/minutes/",
        (401, 404, 404, 200, 404, 200, 200, 200, 404, 404, 200), label="attached",
        url=rat_minutes_url, given=rat_held_with_minutes,
        why="whoever reads the RAT records; nobody else learns the minutes exist"),
    Row("GET", "/api/v1/cooperatives/{slug}/rat/{id}/minutes/", logged_in(404),
        label="none attached", url=rat_minutes_url, given=rat_held),
    Row("PUT", "/api/v1/cooperatives/{slug}/rat/{id}/minutes/", MANAGERS_ONLY, multipart=True,
        url=rat_minutes_url, given=rat_held, body=lambda w: {"minutes": minutes_upload()}),
    Row("GET", "/api/v1/cooperatives/{slug}/shipping-options/", same(200),
        url=cooperative_url("cooperative", "shipping-options/")),
    Row("POST", "/api/v1/cooperatives/{slug}/shipping-options/", created(MANAGERS_ONLY),
        url=cooperative_url("cooperative", "shipping-options/"),
        body=lambda w: {"name": "Ambil sendiri", "kind": "pickup", "fee": 0}),
    # -------------------------------------------------------- catalog
    Row("GET", "/api/v1/categories/", same(200)),
    Row("GET", "/api/v1/products/", same(200)),
    Row("POST", "/api/v1/products/", created(ITS_STAFF),
        body=lambda w: {"cooperative": w.cooperative.slug, **PRODUCT_NEW}),
    Row("GET", "/api/v1/products/{id}/", same(200),
        url=lambda w: f"/api/v1/products/{w.product.pk}/", label="active"),
    Row("GET", "/api/v1/products/{id}/",
        (404, 404, 404, 200, 404, 200, 200, 404, 404, 404, 200),
        url=lambda w: f"/api/v1/products/{w.draft.pk}/", label="draft"),
    Row("PATCH", "/api/v1/products/{id}/", ITS_STAFF,
        url=lambda w: f"/api/v1/products/{w.product.pk}/", body=lambda w: {"name": "Kopi Ledo"}),
    Row("DELETE", "/api/v1/products/{id}/", deleted(ITS_STAFF),
        url=lambda w: f"/api/v1/products/{w.product.pk}/"),
    Row("POST", "/api/v1/products/{id}/variants/", created(ITS_STAFF),
        url=lambda w: f"/api/v1/products/{w.product.pk}/variants/",
        body=lambda w: {"sku": "MATRIX-2", "name": "500 g", "price": 15_000, "stock": 3}),
    Row("POST", "/api/v1/products/{id}/images/", created(ITS_STAFF), multipart=True,
        url=lambda w: f"/api/v1/products/{w.product.pk}/images/",
        body=lambda w: {"image": image_upload(size=(64, 48))}),
    Row("PATCH", "/api/v1/variants/{id}/", ITS_STAFF,
        url=lambda w: f"/api/v1/variants/{w.variant.pk}/", body=lambda w: {"price": 26_000}),
    Row("GET", "/api/v1/products/{id}/reviews/", same(200), label="active",
        url=lambda w: f"/api/v1/products/{w.product.pk}/reviews/"),
    Row("GET", "/api/v1/products/{id}/reviews/",
        (404, 404, 404, 200, 404, 200, 200, 404, 404, 404, 200), label="draft",
        url=lambda w: f"/api/v1/products/{w.draft.pk}/reviews/",
        why="whoever may see the product reads its reviews"),
    Row("POST", "/api/v1/reviews/", (401, 201, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        body=lambda w: {"order_line": w.completed.lines.get().pk, "rating": 5, "text": "Mantap"},
        why="the buyer's own opinion: nobody, the admin included, reviews another's purchase"),
    # -------------------------------------------------------- cart, checkout
    Row("GET", "/api/v1/cart/", logged_in(200)),
    Row("POST", "/api/v1/cart/items/", logged_in(201),
        body=lambda w: {"variant": w.variant.pk, "quantity": 1}),
    Row("PATCH", "/api/v1/cart/items/{id}/",
        (401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        url=lambda w: f"/api/v1/cart/items/{w.cart_item.pk}/", body=lambda w: {"quantity": 2},
        why="a cart is its owner's alone, the admin's 404 included"),
    Row("DELETE", "/api/v1/cart/items/{id}/",
        (401, 204, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        url=lambda w: f"/api/v1/cart/items/{w.cart_item.pk}/",
        why="a cart is its owner's alone, the admin's 404 included"),
    Row("POST", "/api/v1/checkout/", (401, 201, 201, 409, 201, 409, 409, 201, 201, 201, 201),
        headers=new_key,
        body=lambda w: {"items": [{"variant": w.variant.pk, "quantity": 1}],
                        "shipping_address": SHIPPING_ADDRESS, "payment_method": "bank_transfer"},
        why="409 own_cooperative: its staff cannot buy from it"),
    # -------------------------------------------------------- orders
    Row("GET", "/api/v1/orders/", logged_in(200), label="own",
        sees=(lambda w: w.paid.number, ("buyer",))),
    Row("GET", "/api/v1/orders/", logged_in(200), label="a cooperative's",
        url=lambda w: f"/api/v1/orders/?cooperative={w.cooperative.slug}",
        sees=(lambda w: w.paid.number,
              ("buyer", "staff", "owner", "manager", "officer", "admin")),
        why="the buyer's own orders of the cooperative are theirs to list"),
    Row("GET", "/api/v1/orders/{number}/",
        (401, 200, 404, 200, 404, 200, 200, 200, 404, 404, 200), url=order_url("paid")),
    Row("POST", "/api/v1/orders/{number}/accept/", FULFILMENT, url=order_url("paid", "accept")),
    Row("POST", "/api/v1/orders/{number}/ship/", FULFILMENT, url=order_url("accepted", "ship"),
        body=lambda w: {"carrier": "JNE", "tracking_number": "JNE-MATRIX"}),
    Row("POST", "/api/v1/orders/{number}/deliver/",
        (401, 200, 404, 403, 404, 403, 403, 403, 404, 404, 200),
        url=order_url("shipped", "deliver")),
    Row("POST", "/api/v1/orders/{number}/cancel/",
        (401, 200, 404, 200, 404, 200, 200, 403, 404, 404, 200),
        url=order_url("paid", "cancel"), body=lambda w: {"reason": "Stok habis"}),
    Row("POST", "/api/v1/orders/{number}/refund/",
        (401, 403, 404, 403, 404, 200, 200, 403, 404, 404, 200),
        url=order_url("paid", "refund"), body=lambda w: {"amount": 1_000, "reason": "Rusak"}),
    # -------------------------------------------------------- payments and money
    Row("GET", "/api/v1/payments/{id}/", (401, 200, 404, 404, 404, 404, 404, 404, 404, 200, 200),
        url=lambda w: f"/api/v1/payments/{w.payment.pk}/"),
    Row("POST", "/api/v1/payments/{id}/proof/",
        (401, 200, 404, 404, 404, 404, 404, 404, 404, 403, 200), multipart=True,
        url=lambda w: f"/api/v1/payments/{w.payment.pk}/proof/",
        body=lambda w: {"image": image_upload(size=(64, 48))},
        why="finance staff see the payment but the receipt is the buyer's to send"),
    Row("GET", "/api/v1/payments/{id}/proof/",
        (401, 200, 404, 404, 404, 404, 404, 404, 404, 200, 200), label="sent",
        url=lambda w: f"/api/v1/payments/{w.payment.pk}/proof/", given=proof_sent),
    Row("GET", "/api/v1/payments/{id}/proof/", logged_in(404), label="none yet",
        url=lambda w: f"/api/v1/payments/{w.payment.pk}/proof/"),
    Row("POST", "/api/v1/payments/{id}/confirm/",
        (401, 403, 404, 404, 404, 404, 404, 404, 404, 200, 200),
        url=lambda w: f"/api/v1/payments/{w.payment.pk}/confirm/"),
    Row("GET", "/api/v1/cooperatives/{slug}/ledger/", MANAGERS_ONLY,
        url=cooperative_url("cooperative", "ledger/")),
    Row("POST", "/api/v1/cooperatives/{slug}/payouts/",
        (401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 201),
        url=cooperative_url("cooperative", "payouts/"),
        body=lambda w: {"amount": 1_000, "reference": "TRF-MATRIX"}),
    # Signature-authenticated: no login of any kind gets anything done.
    Row("POST", "/api/v1/payments/stripe/webhook/", same(404), label="stripe off",
        body=lambda w: {"id": "evt_matrix", "type": "payment_intent.succeeded"}),
    Row("POST", "/api/v1/payments/stripe/webhook/", same(400), label="bad signature",
        settings=STRIPE_ON, headers=lambda: {"Stripe-Signature": "t=1,v1=00"},
        body=lambda w: {"id": "evt_matrix", "type": "payment_intent.succeeded"}),
    Row("POST", "/api/v1/payments/stripe/webhook/", same(400), label="no signature",
        settings=STRIPE_ON,
        body=lambda w: {"id": "evt_matrix", "type": "payment_intent.succeeded"}),
    # -------------------------------------------------------- monitoring (dinas)
    # Officers see their own regions' figures and registry; only admins see everyone's.
    Row("GET", "/api/v1/monitoring/sales/", MONITORS,
        sees=(lambda w: w.cooperative.slug, ("officer", "admin"))),
    Row("GET", "/api/v1/monitoring/sales/",
        (401, 403, 403, 403, 403, 403, 403, 200, 404, 403, 200), label="one cooperative",
        url=lambda w: f"/api/v1/monitoring/sales/?cooperative={w.cooperative.slug}",
        why="a cooperative outside the officer's regions is not found"),
    Row("GET", "/api/v1/monitoring/sales/",
        (401, 403, 403, 403, 403, 403, 403, 200, 403, 403, 200), label="one region",
        url=lambda w: f"/api/v1/monitoring/sales/?region={DISTRICT}&group_by=region"),
    Row("GET", "/api/v1/monitoring/sales/", MONITORS, label="CSV by cooperative and day",
        url=lambda w: "/api/v1/monitoring/sales/?format=csv&group_by=cooperative_day",
        sees=(lambda w: w.cooperative.slug, ("officer", "admin"))),
    Row("GET", "/api/v1/monitoring/sales/",
        (401, 403, 403, 403, 403, 403, 403, 200, 404, 403, 200), label="XLSX, one cooperative",
        url=lambda w: f"/api/v1/monitoring/sales/?format=xlsx&cooperative={w.cooperative.slug}"),
    Row("GET", "/api/v1/monitoring/cooperatives/", MONITORS,
        sees=(lambda w: w.pending.slug, ("officer", "admin"))),
    Row("GET", "/api/v1/monitoring/cooperatives/", MONITORS, label="CSV",
        url=lambda w: "/api/v1/monitoring/cooperatives/?format=csv",
        sees=(lambda w: w.pending.slug, ("officer", "admin"))),
    Row("GET", "/api/v1/monitoring/cooperatives/",
        (401, 403, 403, 403, 403, 403, 403, 200, 403, 403, 200), label="XLSX, one region",
        url=lambda w: f"/api/v1/monitoring/cooperatives/?format=xlsx&region={DISTRICT}"),
    Row("GET", "/api/v1/monitoring/cooperatives/",
        (401, 403, 403, 403, 403, 403, 403, 200, 403, 403, 200), label="one region",
        url=lambda w: f"/api/v1/monitoring/cooperatives/?region={DISTRICT}"),
    # -------------------------------------------------------- service
    Row("GET", "/healthz", same(200)),
    Row("GET", "/api/v1/schema/", same(200)),
    Row("GET", "/api/v1/docs/", same(200)),
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
def test_the_role_gets_the_status_the_table_names(world, settings, row, role, expected):
    for name, value in row.settings.items():
        setattr(settings, name, value)
    if row.given:
        row.given(world)
    client = APIClient()
    if role != "anonymous" and row.token:
        _token, key = AuthToken.objects.create(world.users[role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    elif role != "anonymous":
        client.force_authenticate(world.users[role])
    url = row.url(world) if row.url else row.path
    body = row.body(world) if row.body else None
    headers = row.headers() if row.headers else {}

    if row.multipart:
        send = getattr(client, row.method.lower())
        response = send(url, body, format="multipart", headers=headers)
    elif body is None:
        response = client.generic(row.method, url, headers=headers)
    else:
        response = client.generic(row.method, url, json.dumps(body),
                                  content_type="application/json", headers=headers)

    body = response.getvalue()  # streamed exports too
    assert response.status_code == expected, body[:500]
    if row.sees:
        what, roles = row.sees
        assert (what(world) in body.decode()) == (role in roles)


# ---------------------------------------------------------------- completeness


def _route_to_schema_path(route: str) -> str:
    """`orders/<str:number>/` as the schema writes it: `orders/{number}/` (a pk is an id)."""
    def name(match: re.Match) -> str:
        return "{id}" if match.group(1) == "pk" else f"{{{match.group(1)}}}"

    return re.sub(r"<(?:\w+:)?(\w+)>", name, route)


def _endpoints(patterns, prefix: str = "") -> set[tuple[str, str]]:
    found = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found |= _endpoints(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            view = pattern.callback.cls
            for method in view.http_method_names:
                if method not in ("head", "options", "trace") and hasattr(view, method):
                    found.add(("/" + _route_to_schema_path(route), method.upper()))
    return found


def api_endpoints() -> set[tuple[str, str]]:
    """Every (path, method) the URL conf serves under /api/, and /healthz."""
    return {
        (path, method) for path, method in _endpoints(get_resolver().url_patterns)
        if path.startswith("/api/") or path == "/healthz"
    }


def test_the_table_covers_every_endpoint():
    in_table = {(row.path, row.method) for row in TABLE}

    assert sorted(api_endpoints() - in_table) == [], "endpoints without a row"
    assert sorted(in_table - api_endpoints()) == [], "rows for endpoints that do not exist"


def test_the_schema_describes_only_endpoints_of_the_table():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    described = {
        (path, method.upper()) for path, operations in schema["paths"].items()
        for method in operations
    }

    assert described <= {(row.path, row.method) for row in TABLE}
