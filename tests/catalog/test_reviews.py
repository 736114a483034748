"""Product reviews: a buyer rates what was delivered to them, once per order line."""

from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.utils import translation

from catalog.errors import AlreadyReviewed, NotDelivered, ProductGone
from catalog.models import REVIEW_TEXT_MAX_LENGTH, Product, Review
from catalog.selectors import product_reviews, reviewable_line_ids
from catalog.services import review_create, variant_remove
from market.errors import InvalidInput, NotFound
from orders.models import Order
from tests.factories import (
    MembershipFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
    checkout_placed,
    order_moved_to,
    order_placed,
)
from tests.orders.test_concurrency import run_together

pytestmark = pytest.mark.django_db

Status = Order.Status


def delivered_line(buyer, product=None, status=Status.DELIVERED):
    """A line of `buyer`'s order of `product` (a new one unless given), moved to `status`."""
    product = product or ProductFactory()
    order = order_placed(buyer=buyer, variant=product.variants.order_by("pk").first(),
                         status=status)
    return order.lines.get()


def ratings_of(product: Product) -> tuple[int, int, int]:
    """(reviews in the table, the product's rating_count, its rating_total)."""
    product.refresh_from_db()
    return product.reviews.count(), product.rating_count, product.rating_total


@pytest.fixture
def product():
    return ProductFactory(name="Kopi Bubuk Ledo", variants=[{"stock": 100}])


# ---------------------------------------------------------------- the service


def test_a_buyer_reviews_a_delivered_line_and_the_product_counts_it(buyer, product):
    line = delivered_line(buyer, product)

    review = review_create(buyer=buyer, order_line_pk=line.pk, rating=4,
                           text="  Harum, gilingannya pas.  ")

    assert (review.product, review.order_line, review.buyer) == (product, line, buyer)
    assert (review.rating, review.text) == (4, "Harum, gilingannya pas.")
    assert ratings_of(product) == (1, 1, 4)
    assert product.rating_average == Decimal("4.0")


def test_a_completed_order_may_be_reviewed_too(buyer, product):
    line = delivered_line(buyer, product, status=Status.COMPLETED)

    review_create(buyer=buyer, order_line_pk=line.pk, rating=5)

    assert ratings_of(product) == (1, 1, 5)


def test_the_average_has_one_decimal_rounded_half_up_and_is_none_without_reviews(product):
    assert product.rating_average is None

    for rating in (5, 4, 4, 4):  # 17 / 4 = 4.25
        ReviewFactory(product=product, rating=rating)

    assert ratings_of(product) == (4, 4, 17)
    assert product.rating_average == Decimal("4.3")


def test_the_counters_stay_equal_to_the_reviews_of_each_product(product):
    other = ProductFactory()
    for rating in (1, 3, 5):
        ReviewFactory(product=product, rating=rating)
    ReviewFactory(product=other, rating=2)

    truth = {row["product"]: (row["count"], row["total"]) for row in
             Review.objects.values("product").annotate(count=Count("id"), total=Sum("rating"))}
    kept = {pk: (count, total) for pk, count, total in
            Product.objects.filter(rating_count__gt=0)
            .values_list("pk", "rating_count", "rating_total")}
    assert kept == truth == {product.pk: (3, 9), other.pk: (1, 2)}


def test_reviewing_leaves_the_product_updated_at_alone(buyer, product):
    line = delivered_line(buyer, product)
    product.refresh_from_db()
    updated_at = product.updated_at

    review_create(buyer=buyer, order_line_pk=line.pk, rating=3)

    product.refresh_from_db()
    assert product.updated_at == updated_at


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "status", [Status.PENDING_PAYMENT, Status.PAID, Status.ACCEPTED, Status.SHIPPED,
               Status.CANCELLED],
)
def test_an_order_not_delivered_yet_cannot_be_reviewed(buyer, product, status):
    line = delivered_line(buyer, product, status=status)

    with pytest.raises(NotDelivered) as refusal:
        review_create(buyer=buyer, order_line_pk=line.pk, rating=5)

    assert refusal.value.code == "not_delivered"
    assert refusal.value.status_code == 409
    assert ratings_of(product) == (0, 0, 0)


def test_a_line_is_reviewed_once(buyer, product):
    line = delivered_line(buyer, product)
    review_create(buyer=buyer, order_line_pk=line.pk, rating=5)

    with pytest.raises(AlreadyReviewed) as refusal:
        review_create(buyer=buyer, order_line_pk=line.pk, rating=1, text="Berubah pikiran")

    assert refusal.value.code == "already_reviewed"
    assert ratings_of(product) == (1, 1, 5)
    assert Review.objects.get().text == ""


def test_each_line_of_the_same_product_is_its_own_review(buyer, product):
    first, second = delivered_line(buyer, product), delivered_line(buyer, product)

    review_create(buyer=buyer, order_line_pk=first.pk, rating=5)
    review_create(buyer=buyer, order_line_pk=second.pk, rating=3)

    assert ratings_of(product) == (2, 2, 8)


def test_another_buyers_line_is_not_found(buyer, product):
    line = delivered_line(buyer, product)
    for outsider in (UserFactory(), MembershipFactory(cooperative=product.cooperative).user,
                     UserFactory(is_staff=True, is_superuser=True)):
        with pytest.raises(NotFound):
            review_create(buyer=outsider, order_line_pk=line.pk, rating=5)

    assert ratings_of(product) == (0, 0, 0)


def test_an_unknown_line_is_not_found(buyer, product):
    with pytest.raises(NotFound):
        review_create(buyer=buyer, order_line_pk=999_999, rating=5)

    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1, True, "5"])
def test_a_rating_outside_one_to_five_is_refused_naming_the_field(buyer, product, rating):
    line = delivered_line(buyer, product)

    with pytest.raises(InvalidInput) as refusal:
        review_create(buyer=buyer, order_line_pk=line.pk, rating=rating)

    assert set(refusal.value.fields) == {"rating"}
    assert ratings_of(product) == (0, 0, 0)


def test_a_text_over_the_limit_is_refused_naming_the_field(buyer, product):
    line = delivered_line(buyer, product)

    with pytest.raises(InvalidInput) as refusal:
        review_create(buyer=buyer, order_line_pk=line.pk, rating=5,
                      text="a" * (REVIEW_TEXT_MAX_LENGTH + 1))

    assert set(refusal.value.fields) == {"text"}
    assert ratings_of(product) == (0, 0, 0)


def test_a_text_at_the_limit_is_fine(buyer, product):
    line = delivered_line(buyer, product)

    review_create(buyer=buyer, order_line_pk=line.pk, rating=5,
                  text="a" * REVIEW_TEXT_MAX_LENGTH)

    assert ratings_of(product) == (1, 1, 5)


def test_a_line_whose_variant_was_deleted_is_refused_as_product_gone(buyer):
    product = ProductFactory(variants=[{"sku": "KOPI-1KG"}, {"sku": "KOPI-250"}])
    line = delivered_line(buyer, product)  # of the first variant
    staff = MembershipFactory(cooperative=product.cooperative).user
    variant_remove(actor=staff, variant=product.variants.get(sku="KOPI-1KG"))

    with pytest.raises(ProductGone) as refusal:
        review_create(buyer=buyer, order_line_pk=line.pk, rating=5)

    assert (refusal.value.code, refusal.value.status_code) == ("product_gone", 409)
    assert ratings_of(product) == (0, 0, 0)


def test_an_archived_product_may_still_be_reviewed_by_who_received_it(buyer, product):
    line = delivered_line(buyer, product)
    Product.objects.filter(pk=product.pk).update(status=Product.Status.ARCHIVED)

    review_create(buyer=buyer, order_line_pk=line.pk, rating=2)

    assert ratings_of(product) == (1, 1, 2)


# ---------------------------------------------------------------- selectors


def test_the_reviews_of_a_product_come_newest_first_under_first_names(
    product, django_assert_num_queries
):
    older = ReviewFactory(product=product, buyer=UserFactory(name="Yohana Ria Sinaga"))
    newer = ReviewFactory(product=product, buyer=UserFactory(name="Antonius Kadir"))
    ReviewFactory()  # of another product

    with django_assert_num_queries(1):
        reviews = list(product_reviews(product_pk=product.pk))
        authors = [review.author for review in reviews]

    assert reviews == [newer, older]
    assert authors == ["Antonius", "Yohana"]


@pytest.mark.parametrize(("name", "shown"), [
    ("siti.rahma@example.com", "S."),
    ("", "Buyer"),
    ("   ", "Buyer"),
    ("Maria", "Maria"),
])
def test_the_author_is_never_an_e_mail_address(product, name, shown):
    buyer = UserFactory(email="siti.rahma@example.com", name=name)
    ReviewFactory(product=product, buyer=buyer)

    review = product_reviews(product_pk=product.pk).get()

    with translation.override("en"):
        assert review.author == shown
    assert "example.com" not in review.author


def test_the_reviewable_lines_are_the_buyers_delivered_unreviewed_ones(
    buyer, cooperative, staff, django_assert_num_queries
):
    # Given one delivered order of three lines: one reviewed, one whose variant is gone
    kopi, lada = ProductFactory(cooperative=cooperative), ProductFactory(cooperative=cooperative)
    madu = ProductFactory(cooperative=cooperative,
                          variants=[{"sku": "MADU-1"}, {"sku": "MADU-2"}])
    items = [(kopi.variants.get(), 1), (lada.variants.get(), 1),
             (madu.variants.get(sku="MADU-1"), 1)]
    order = order_moved_to(checkout_placed(buyer, items).orders.get(), Status.DELIVERED,
                           staff=staff)
    reviewed, open_line, gone = order.lines.order_by("pk")
    review_create(buyer=buyer, order_line_pk=reviewed.pk, rating=5)
    variant_remove(actor=staff, variant=madu.variants.get(sku="MADU-1"))

    # When the buyer's reviewable lines are asked for, in one query
    with django_assert_num_queries(1):
        reviewable = reviewable_line_ids(user=buyer, order=order)

    # Then only the open line is; nobody else may review any
    assert reviewable == {open_line.pk}
    assert reviewable_line_ids(user=UserFactory(), order=order) == set()
    assert reviewable_line_ids(user=staff, order=order) == set()


def test_no_line_of_an_order_under_way_is_reviewable(buyer, product):
    order = order_placed(buyer=buyer, variant=product.variants.get(), status=Status.SHIPPED)

    assert reviewable_line_ids(user=buyer, order=order) == set()


# ---------------------------------------------------------------- the API


def reviews_url(product) -> str:
    return f"/api/v1/products/{product.pk}/reviews/"


def test_anyone_reads_a_products_reviews_paginated_without_e_mails(api, product):
    buyer = UserFactory(name="Yohana Ria", email="yohana@example.com")
    review = ReviewFactory(product=product, buyer=buyer, rating=4, text="Harum.")

    response = api.get(reviews_url(product))

    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    assert body["count"] == 1
    [row] = body["results"]
    assert {"id", "rating", "text", "author", "created_at"} <= set(row)
    assert (row["id"], row["rating"], row["text"], row["author"]) == (
        review.pk, 4, "Harum.", "Yohana"
    )
    assert "yohana@example.com" not in response.content.decode()


def test_the_reviews_of_a_product_out_of_the_market_are_seen_by_its_staff_only(
    api, user_client, product
):
    ReviewFactory(product=product)
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)
    own_staff = MembershipFactory(cooperative=product.cooperative).user

    assert api.get(reviews_url(product)).status_code == 404
    assert user_client(UserFactory()).get(reviews_url(product)).status_code == 404
    assert user_client(own_staff).get(reviews_url(product)).json()["count"] == 1
    assert api.get("/api/v1/products/999999/reviews/").status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_the_review_list_runs_the_same_queries_whatever_the_page_size(
    api, product, django_assert_num_queries, count
):
    for _ in range(count):
        ReviewFactory(product=product)

    # the product's visibility, count, one page of reviews with their authors' names
    with django_assert_num_queries(3):
        response = api.get(f"{reviews_url(product)}?page_size={count}")

    assert len(response.json()["results"]) == count


def test_a_buyer_posts_a_review_of_a_delivered_line(user_client, buyer, product):
    line = delivered_line(buyer, product)

    response = user_client(buyer).post(
        "/api/v1/reviews/", {"order_line": line.pk, "rating": 5, "text": "Mantap"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rating"], body["text"], body["product"]) == (5, "Mantap", product.pk)
    assert body["author"] == buyer.name.split()[0]
    assert ratings_of(product) == (1, 1, 5)


def test_the_order_detail_names_its_lines_for_reviewing(user_client, buyer, product):
    line = delivered_line(buyer, product)

    body = user_client(buyer).get(f"/api/v1/orders/{line.order.number}/").json()

    assert [row["id"] for row in body["lines"]] == [line.pk]


def test_posting_a_review_needs_a_login(api, buyer, product):
    line = delivered_line(buyer, product)

    response = api.post("/api/v1/reviews/", {"order_line": line.pk, "rating": 5}, format="json")

    assert response.status_code == 401
    assert ratings_of(product) == (0, 0, 0)


@pytest.mark.parametrize(("body", "field"), [
    ({"rating": 5}, "order_line"),
    ({"order_line": 1, "rating": 0}, "rating"),
    ({"order_line": 1, "rating": 6}, "rating"),
    ({"order_line": 1}, "rating"),
    ({"order_line": 1, "rating": 5, "text": "a" * (REVIEW_TEXT_MAX_LENGTH + 1)}, "text"),
])
def test_an_invalid_review_is_a_400_naming_the_field(user_client, buyer, body, field):
    response = user_client(buyer).post("/api/v1/reviews/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Review.objects.exists()


def test_refusals_of_the_api_are_404_and_409_with_their_codes(user_client, buyer, product):
    shipped = delivered_line(buyer, product, status=Status.SHIPPED)
    delivered = delivered_line(buyer, product)
    ReviewFactory(buyer=buyer, order_line=delivered, rating=3)
    client = user_client(buyer)

    def post(line_pk: int):
        return client.post("/api/v1/reviews/", {"order_line": line_pk, "rating": 5},
                           format="json")

    assert post(shipped.pk).json()["code"] == "not_delivered"
    assert post(shipped.pk).status_code == 409
    assert (post(delivered.pk).status_code, post(delivered.pk).json()["code"]) == (
        409, "already_reviewed"
    )
    another = delivered_line(UserFactory(), product)
    assert post(another.pk).status_code == 404
    assert post(another.pk).json() == post(999_999).json()  # reveals nothing
    assert ratings_of(product) == (1, 1, 3)


# ---------------------------------------------------------------- cards and product pages


def test_cards_and_the_product_page_show_the_average_and_the_count(api, product):
    unrated = ProductFactory()
    for rating in (5, 4):
        ReviewFactory(product=product, rating=rating)

    cards = {card["id"]: card for card in api.get("/api/v1/products/").json()["results"]}
    detail = api.get(f"/api/v1/products/{product.pk}/").json()

    assert (cards[product.pk]["rating_average"], cards[product.pk]["rating_count"]) == (4.5, 2)
    assert (cards[unrated.pk]["rating_average"], cards[unrated.pk]["rating_count"]) == (None, 0)
    assert (detail["rating_average"], detail["rating_count"]) == (4.5, 2)


def test_reviews_add_no_queries_to_the_product_list_or_detail(api, django_assert_num_queries):
    products = ProductFactory.create_batch(5)
    for product in products:
        for rating in (3, 5):
            ReviewFactory(product=product, rating=rating)

    # count, one page of products, their images (as tests/catalog/test_product_list_api.py)
    with django_assert_num_queries(3):
        cards = api.get("/api/v1/products/?page_size=5").json()["results"]
    # the product with its cooperative and category, its images, its variants
    with django_assert_num_queries(3):
        detail = api.get(f"/api/v1/products/{products[0].pk}/").json()

    assert {card["rating_average"] for card in cards} == {4.0}
    assert detail["rating_count"] == 2


# ---------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_submit_of_one_line_makes_one_review_counted_once():
    buyer, product = UserFactory(), ProductFactory()
    line = delivered_line(buyer, product)

    results = run_together(2, lambda i: review_create(
        buyer=buyer, order_line_pk=line.pk, rating=4 + i
    ))

    made = [result for result in results if isinstance(result, Review)]
    refused = [result for result in results if isinstance(result, AlreadyReviewed)]
    assert (len(made), len(refused)) == (1, 1), results
    assert ratings_of(product) == (1, 1, made[0].rating)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reviews_of_many_lines_of_one_product_at_once_are_all_counted():
    product = ProductFactory(variants=[{"stock": 100}])
    lines = [delivered_line(UserFactory(), product) for _ in range(8)]

    results = run_together(8, lambda i: review_create(
        buyer=lines[i].order.buyer, order_line_pk=lines[i].pk, rating=1 + i % 5
    ))

    assert all(isinstance(result, Review) for result in results), results
    assert ratings_of(product) == (8, 8, sum(1 + i % 5 for i in range(8)))
