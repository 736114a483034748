"""Who may change a cooperative's catalog: every role, every write; refusals change nothing."""

import pytest

from catalog.models import Product, ProductImage, Variant
from tests.catalog.uploads import image_upload
from tests.factories import CooperativeFactory, MembershipFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED = ["staff", "manager", "owner", "platform_admin"]
REFUSED = ["anonymous", "buyer", "staff_of_another_cooperative"]


@pytest.fixture
def client_as(api, user_client, cooperative):
    """An API client acting in the given role towards `cooperative`."""

    def make(role: str):
        if role == "anonymous":
            return api
        if role == "buyer":
            return user_client(UserFactory())
        if role == "platform_admin":
            return user_client(UserFactory(is_staff=True, is_superuser=True))
        if role == "staff_of_another_cooperative":
            return user_client(
                MembershipFactory(cooperative=CooperativeFactory(), role="owner").user
            )
        return user_client(MembershipFactory(cooperative=cooperative, role=role).user)

    return make


def new_product(cooperative) -> dict:
    return {
        "cooperative": cooperative.slug,
        "name": "Gula Aren Cetak",
        "category": "gula-aren-madu",
        "unit": "kg",
        "weight_grams": 1000,
        "status": "active",
        "variants": [{"sku": "AREN-1", "name": "1 kg", "price": 35_000, "stock": 8}],
    }


def edit(client, product):
    return client.patch(f"/api/v1/products/{product.pk}/", {"name": "Diubah"}, format="json")


def archive(client, product):
    return client.delete(f"/api/v1/products/{product.pk}/")


def edit_variant(client, product):
    variant = product.variants.get()
    return client.patch(f"/api/v1/variants/{variant.pk}/", {"price": 1, "stock": 0}, format="json")


def add_variant(client, product):
    return client.post(
        f"/api/v1/products/{product.pk}/variants/",
        {"sku": "BARU", "name": "5 kg", "price": 5, "stock": 1},
        format="json",
    )


def upload_image(client, product):
    return client.post(
        f"/api/v1/products/{product.pk}/images/",
        {"image": image_upload(size=(40, 30))},
        format="multipart",
    )


WRITES = [edit, archive, edit_variant, add_variant, upload_image]
SUCCESS = {edit: 200, archive: 204, edit_variant: 200, add_variant: 201, upload_image: 201}


def catalog_state(product, media_root) -> tuple:
    product.refresh_from_db()
    return (
        product.name,
        product.status,
        product.price,
        sorted(product.variants.values_list("sku", "name", "price", "stock")),
        ProductImage.objects.count(),
        sorted(path for path in media_root.rglob("*") if path.is_file()),
    )


@pytest.mark.parametrize("role", ALLOWED)
def test_the_cooperatives_people_and_platform_admins_create_products(client_as, cooperative, role):
    response = client_as(role).post("/api/v1/products/", new_product(cooperative), format="json")
    assert response.status_code == 201, response.json()
    assert Product.objects.get().cooperative == cooperative


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("buyer", 403),
        ("staff_of_another_cooperative", 403),
    ],
)
def test_others_cannot_create_a_product_for_the_cooperative(client_as, cooperative, role, status):
    response = client_as(role).post("/api/v1/products/", new_product(cooperative), format="json")
    assert response.status_code == status
    assert not Product.objects.exists()
    assert not Variant.objects.exists()


@pytest.mark.parametrize("product_status", ["active", "draft"])
@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
@pytest.mark.parametrize("role", ALLOWED)
def test_the_cooperatives_people_and_platform_admins_change_its_products(
    client_as, cooperative, role, write, product_status
):
    product = ProductFactory(cooperative=cooperative, status=product_status)

    response = write(client_as(role), product)

    assert response.status_code == SUCCESS[write], response.content


@pytest.mark.parametrize("product_status", ["active", "draft"])
@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_change_the_cooperatives_products(
    client_as, cooperative, settings, role, write, product_status
):
    product = ProductFactory(
        cooperative=cooperative,
        status=product_status,
        variants=[{"sku": "KOPI-1", "price": 25_000, "stock": 4}],
    )
    before = catalog_state(product, settings.MEDIA_ROOT)

    response = write(client_as(role), product)

    if role == "anonymous":
        expected = 401
    elif product_status == "draft":
        expected = 404  # they cannot see a draft, so for them it does not exist
    else:
        expected = 403
    assert response.status_code == expected
    assert catalog_state(product, settings.MEDIA_ROOT) == before


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_a_cooperatives_staff_may_change_its_products_only(
    user_client, cooperative, staff, settings, write
):
    """Being staff somewhere is not enough: staff of A get 403 on B's active products."""
    product = ProductFactory(cooperative=CooperativeFactory(), status="active")
    before = catalog_state(product, settings.MEDIA_ROOT)

    response = write(user_client(staff), product)

    assert response.status_code == 403
    assert catalog_state(product, settings.MEDIA_ROOT) == before
