"""The buyer's order pages: the list, one order with its timeline, receipt, cancel, reviews."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from catalog.models import Review
from orders.models import Order
from orders.services import lifecycle
from tests.factories import (
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
    checkout_placed,
    order_moved_to,
    order_placed,
)
from tests.frontend.conftest import messages_of, page

pytestmark = pytest.mark.django_db

Status = Order.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize("path", ["/orders/", "/orders/BKY-2611-000001/"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "next=" in response["Location"]


# ---------------------------------------------------------------- the list


def test_the_orders_list_shows_the_buyers_orders_newest_first(shopper, buyer):
    older = order_placed(buyer=buyer, variant=VariantFactory(price=20_000))
    newer = order_placed(buyer=buyer, variant=VariantFactory(price=35_000), status=Status.PAID)
    someone_elses = order_placed()

    html = page(shopper.get("/orders/"))

    assert html.index(newer.number) < html.index(older.number)
    assert someone_elses.number not in html
    assert f'href="/orders/{newer.number}/"' in html
    assert newer.cooperative.name in html
    assert "Rp35.000" in html
    assert "Awaiting payment" in html
    assert "Paid" in html


def test_the_status_is_shown_in_the_buyers_language(client, buyer):
    order_placed(buyer=buyer)
    buyer.language = "id"
    buyer.save(update_fields=["language"])
    client.force_login(buyer)
    assert "Menunggu pembayaran" in page(client.get("/orders/"))


def test_the_orders_list_is_paginated(shopper, buyer):
    variant = VariantFactory(stock=100)
    numbers = [order_placed(buyer=buyer, variant=variant).number for _ in range(22)]
    first, second = page(shopper.get("/orders/")), page(shopper.get("/orders/?page=2"))
    assert numbers[-1] in first
    assert numbers[0] not in first
    assert numbers[0] in second
    assert numbers[-1] not in second
    assert 'rel="next"' in first


def test_the_orders_list_runs_the_same_queries_for_3_and_20_orders(
    shopper, buyer, django_assert_max_num_queries
):
    variant = VariantFactory(stock=100)
    for _ in range(3):
        order_placed(buyer=buyer, variant=variant, quantity=2)
    with CaptureQueriesContext(connection) as few:
        shopper.get("/orders/")
    for _ in range(17):
        order_placed(buyer=buyer, variant=variant, status=Status.PAID)
    with django_assert_max_num_queries(len(few)) as many:
        response = shopper.get("/orders/")
    assert len(many) == len(few) <= 8
    assert page(response).count('href="/orders/BKY') >= 20


def test_no_orders_yet_links_to_the_market(shopper):
    assert "You have no orders yet." in page(shopper.get("/orders/"))


# ---------------------------------------------------------------- one order


def test_the_order_page_shows_lines_totals_payment_shipping_and_timeline(shopper, buyer):
    staff = MembershipFactory(user=UserFactory(email="kasir@koperasi.example")).user
    variant = VariantFactory(
        product=ProductFactory(cooperative=staff.memberships.get().cooperative,
                               name="Lada Putih", variants=[]),
        name="250 g", price=40_000,
    )
    order = order_placed(buyer=buyer, variant=variant, quantity=2, status=Status.SHIPPED,
                         staff=staff)

    html = page(shopper.get(f"/orders/{order.number}/"))

    assert "Lada Putih" in html
    assert "250 g" in html
    assert "Rp80.000" in html
    assert "Bank transfer" in html
    assert "Succeeded" in html
    assert "JNE" in html
    assert "JNE-0001" in html
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert "Order placed" in timeline
    assert "Order shipped" in timeline
    assert "you" in timeline
    assert "the system" in timeline
    assert "the cooperative" in timeline
    assert "kasir@koperasi.example" not in html
    assert "Shipped" in html


def by_whom(html: str) -> dict[str, str]:
    """The timeline as {what happened: who did it}."""
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    return dict(re.findall(r"<strong>(.*?)</strong>.*?</time> · (.*?)</span>", timeline, re.S))


def test_the_timeline_tells_the_buyer_the_cooperative_the_platform_and_the_system_apart(
    shopper, buyer, platform_admin
):
    order = order_placed(buyer=buyer, status=Status.PAID)
    staff = MembershipFactory(cooperative=order.cooperative).user
    lifecycle.order_accept(order_pk=order.pk, actor=platform_admin)
    lifecycle.order_ship(order_pk=order.pk, actor=staff, carrier="JNE", tracking_number="J-1")

    html = page(shopper.get(f"/orders/{order.number}/"))

    assert by_whom(html) == {
        "Order placed": "you", "Order paid": "the system",
        "Order accepted": "Pasar Koperasi", "Order shipped": "the cooperative",
    }


def test_another_buyers_order_is_not_found(shopper):
    order = order_placed()
    assert shopper.get(f"/orders/{order.number}/").status_code == 404


@pytest.mark.parametrize("role", ["staff", "officer"])
def test_the_cooperatives_staff_and_the_dinas_get_404_on_the_buyers_page(client, role):
    order = order_placed()
    if role == "staff":
        viewer = MembershipFactory(cooperative=order.cooperative).user
    else:
        viewer = DinasOfficerFactory(regions=[order.cooperative.region.parent]).user
    client.force_login(viewer)
    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert client.post(f"/orders/{order.number}/cancel/", {"reason": "x"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_the_order_page_runs_the_same_queries_for_1_and_8_lines(
    shopper, buyer, django_assert_max_num_queries
):
    one = order_placed(buyer=buyer, status=Status.DELIVERED)
    with CaptureQueriesContext(connection) as few:
        shopper.get(f"/orders/{one.number}/")
    product = ProductFactory(variants=[{"sku": f"LADA-{n}"} for n in range(8)])
    many = checkout_placed(buyer, [(variant, 1) for variant in product.variants.all()]).orders.get()
    many = order_moved_to(many, Status.DELIVERED)
    with django_assert_max_num_queries(len(few)) as queries:
        response = shopper.get(f"/orders/{many.number}/")
    assert len(queries) == len(few) <= 10  # the timeline asks once who is staff
    assert page(response).count('name="rating"') == 8 * 5


def test_an_order_awaiting_payment_links_to_its_payment_page(shopper, buyer):
    order = order_placed(buyer=buyer)
    html = page(shopper.get(f"/orders/{order.number}/"))
    assert f'href="/payments/{order.checkout.payment.pk}/"' in html
    assert "Pay now" in html
    assert 'action="/orders/' + order.number + '/cancel/"' in html
    assert "/received/" not in html


@pytest.mark.parametrize(("method", "status"), [("cod", Status.PENDING_PAYMENT),
                                               ("bank_transfer", Status.PAID)])
def test_an_order_paid_or_paid_at_the_door_offers_no_pay_now(shopper, buyer, method, status):
    order = order_placed(buyer=buyer, payment_method=method, status=status)
    assert "Pay now" not in page(shopper.get(f"/orders/{order.number}/"))


# ---------------------------------------------------------------- receipt and cancel


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_buyer_confirms_a_shipped_order_received(shopper, buyer, headers):
    order = order_placed(buyer=buyer, status=Status.SHIPPED)
    assert f'action="/orders/{order.number}/received/"' in page(
        shopper.get(f"/orders/{order.number}/")
    )
    response = shopper.post(f"/orders/{order.number}/received/", **headers)
    assert response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == Status.DELIVERED


def test_confirming_receipt_before_shipping_is_refused_and_changes_nothing(shopper, buyer):
    order = order_placed(buyer=buyer, status=Status.ACCEPTED)
    assert "/received/" not in page(shopper.get(f"/orders/{order.number}/"))
    response = shopper.post(f"/orders/{order.number}/received/")
    assert response["Location"] == f"/orders/{order.number}/"
    assert messages_of(response)
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED


def test_the_buyer_cancels_with_a_reason_before_acceptance(shopper, buyer):
    order = order_placed(buyer=buyer)
    response = shopper.post(f"/orders/{order.number}/cancel/", {"reason": "Salah pesan"})
    assert response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, "Salah pesan")
    assert "Salah pesan" in page(shopper.get(f"/orders/{order.number}/"))


def test_a_cancel_without_a_reason_is_refused(shopper, buyer):
    order = order_placed(buyer=buyer)
    response = shopper.post(f"/orders/{order.number}/cancel/", {"reason": ""})
    assert response.status_code == 400
    assert 'id="cancel-reason-error"' in page(response)
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_an_accepted_order_cannot_be_cancelled_by_the_buyer(shopper, buyer):
    order = order_placed(buyer=buyer, status=Status.ACCEPTED)
    assert "/cancel/" not in page(shopper.get(f"/orders/{order.number}/"))
    response = shopper.post(f"/orders/{order.number}/cancel/", {"reason": "Terlambat"})
    assert response["Location"] == f"/orders/{order.number}/"
    assert messages_of(response)
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED


def test_another_buyers_order_cannot_be_acted_on(shopper):
    order = order_placed(status=Status.SHIPPED)
    assert shopper.post(f"/orders/{order.number}/received/").status_code == 404
    order.refresh_from_db()
    assert order.status == Status.SHIPPED


def test_an_unknown_action_is_not_found_and_a_get_not_allowed(shopper, buyer):
    order = order_placed(buyer=buyer, status=Status.SHIPPED)
    assert shopper.post(f"/orders/{order.number}/ship/").status_code == 404
    assert shopper.get(f"/orders/{order.number}/received/").status_code == 405
    order.refresh_from_db()
    assert order.status == Status.SHIPPED


# ---------------------------------------------------------------- reviews


def test_a_delivered_line_can_be_reviewed_from_the_order_page(shopper, buyer):
    order = order_placed(buyer=buyer, status=Status.DELIVERED)
    line = order.lines.get()
    html = page(shopper.get(f"/orders/{order.number}/"))
    assert f'action="/reviews/{line.pk}/"' in html
    assert "<legend>" in html

    response = shopper.post(f"/reviews/{line.pk}/", {"rating": 5, "text": "Wangi sekali"})

    assert response["Location"] == f"/orders/{order.number}/"
    review = Review.objects.get(order_line=line)
    assert (review.rating, review.text) == (5, "Wangi sekali")
    assert f'action="/reviews/{line.pk}/"' not in page(shopper.get(f"/orders/{order.number}/"))


def test_a_line_not_yet_delivered_has_no_review_form(shopper, buyer):
    order = order_placed(buyer=buyer, status=Status.SHIPPED)
    assert "/reviews/" not in page(shopper.get(f"/orders/{order.number}/"))


@pytest.mark.parametrize("form", [{}, {"rating": 6}, {"rating": "lima"},
                                  {"rating": 4, "text": "x" * 5000}])
def test_a_bad_review_shows_the_errors_and_stores_nothing(shopper, buyer, form):
    order = order_placed(buyer=buyer, status=Status.DELIVERED)
    line = order.lines.get()
    response = shopper.post(f"/reviews/{line.pk}/", form)
    assert response.status_code == 400
    assert 'class="field-error"' in page(response)
    assert not Review.objects.exists()


def test_a_refused_review_shows_the_rating_and_the_text_typed(shopper, buyer):
    line = order_placed(buyer=buyer, status=Status.DELIVERED).lines.get()
    typed = "Wangi <sekali> " + "x" * 5000

    html = page(shopper.post(f"/reviews/{line.pk}/", {"rating": 4, "text": typed}))

    assert re.findall(r'id="rating-\d+-(\d)"[^>]* checked>', html) == ["4"]
    assert f">{escape(typed)}</textarea>" in html
    assert not Review.objects.exists()


def test_a_review_refused_by_the_service_keeps_what_was_typed(shopper, buyer):
    line = order_placed(buyer=buyer, status=Status.DELIVERED).lines.get()
    shopper.post(f"/reviews/{line.pk}/", {"rating": 4})

    html = page(shopper.post(f"/reviews/{line.pk}/", {"rating": 1, "text": "Lagi"}))

    assert re.findall(r'id="rating-\d+-(\d)"[^>]* checked>', html) == ["1"]
    assert ">Lagi</textarea>" in html
    assert Review.objects.get().rating == 4


def test_a_line_reviewed_already_is_refused_with_a_message(shopper, buyer):
    order = order_placed(buyer=buyer, status=Status.DELIVERED)
    line = order.lines.get()
    shopper.post(f"/reviews/{line.pk}/", {"rating": 4})
    response = shopper.post(f"/reviews/{line.pk}/", {"rating": 1})
    assert response.status_code == 400
    assert 'class="field-error" role="alert"' in page(response)
    assert Review.objects.get().rating == 4


def test_another_buyers_line_cannot_be_reviewed(shopper):
    line = order_placed(status=Status.DELIVERED).lines.get()
    assert shopper.post(f"/reviews/{line.pk}/", {"rating": 5}).status_code == 404
    assert not Review.objects.exists()
