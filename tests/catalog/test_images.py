"""Product photos: only real JPEG, PNG or WebP within limits, stored re-encoded; WebP thumbnails."""

import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import ProductImage
from catalog.services import product_image_thumbnails_make
from market.images import THUMBNAIL_SIZES
from tests.catalog.uploads import (
    camera_exif,
    image_bytes,
    image_upload,
    phone_jpeg_with_a_second_frame,
    png_claiming,
    text_file_named_jpg,
    transparent_palette_png,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(cooperative):
    return ProductFactory(cooperative=cooperative)


@pytest.fixture
def upload(user_client, staff, product):
    """POST a file as the cooperative's staff to the product's images."""

    def post(file):
        return user_client(staff).post(
            f"/api/v1/products/{product.pk}/images/", {"image": file}, format="multipart",
            HTTP_ACCEPT_LANGUAGE="en",  # messages are checked in their msgids
        )

    return post


def stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_real_image_is_accepted_and_stored_in_its_format(upload, product, image_format):
    response = upload(image_upload(image_format, size=(640, 480)))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["thumbnail"] is None  # the worker has not run: on-commit was not executed
    image = ProductImage.objects.get(pk=body["id"])
    assert image.product == product
    assert body["url"] == f"http://testserver{image.image.url}"
    with image.image.open("rb") as stored, Image.open(stored) as picture:
        assert picture.format == image_format
        assert picture.size == (640, 480)


def test_the_stored_photo_is_re_encoded_without_exif(upload):
    original = image_bytes("JPEG", size=(320, 240), exif=camera_exif())
    with Image.open(io.BytesIO(original)) as sent:
        assert sent.getexif()[0x010F] == "Samsung"  # the upload does carry camera data

    response = upload(SimpleUploadedFile("IMG_2024.jpg", original, content_type="image/jpeg"))

    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get(pk=response.json()["id"])
    with image.image.open("rb") as stored:
        data = stored.read()
    assert data != original
    assert b"Samsung" not in data
    assert b"Exif" not in data
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "JPEG"
        assert not picture.getexif()
        assert "exif" not in picture.info


def test_a_photo_taken_sideways_is_stored_upright(upload):
    exif = camera_exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    response = upload(image_upload("JPEG", size=(400, 300), exif=exif))

    image = ProductImage.objects.get(pk=response.json()["id"])
    with image.image.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == (300, 400)
        assert not picture.getexif()


@pytest.mark.parametrize(
    "make_file",
    [
        pytest.param(text_file_named_jpg, id="text renamed .jpg"),
        pytest.param(lambda: image_upload("GIF", size=(64, 64), name="animasi.gif"), id="gif"),
        pytest.param(
            lambda: image_upload("GIF", size=(64, 64), name="foto.jpg"), id="gif renamed .jpg"
        ),
        pytest.param(
            lambda: SimpleUploadedFile(
                "foto.jpg", image_bytes("JPEG")[:600], content_type="image/jpeg"
            ),
            id="truncated jpeg",
        ),
        pytest.param(
            lambda: SimpleUploadedFile(
                "foto.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, content_type="image/png"
            ),
            id="png header only",
        ),
        pytest.param(
            lambda: SimpleUploadedFile("kosong.jpg", b"", content_type="image/jpeg"), id="empty"
        ),
    ],
)
def test_a_file_that_is_not_an_accepted_image_is_a_400_naming_image(upload, settings, make_file):
    response = upload(make_file())

    assert response.status_code == 400
    assert "image" in response.json()
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def test_a_missing_file_is_a_400_naming_image(user_client, staff, product):
    response = user_client(staff).post(
        f"/api/v1/products/{product.pk}/images/", {}, format="multipart"
    )
    assert response.status_code == 400
    assert "image" in response.json()
    assert not ProductImage.objects.exists()


def test_a_file_over_the_size_limit_is_a_400_naming_image(upload, settings):
    photo = image_upload("JPEG", size=(300, 200))
    settings.IMAGE_MAX_UPLOAD_BYTES = photo.size - 1

    response = upload(photo)

    assert response.status_code == 400
    assert "image" in response.json()
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def test_a_file_at_the_size_limit_is_accepted(upload, settings):
    photo = image_upload("JPEG", size=(300, 200))
    settings.IMAGE_MAX_UPLOAD_BYTES = photo.size
    assert upload(photo).status_code == 201


def test_an_image_over_the_pixel_limit_is_a_400_naming_image(upload, settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100

    response = upload(image_upload("PNG", size=(101, 100)))

    assert response.status_code == 400
    assert "image" in response.json()
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def test_a_small_file_claiming_huge_dimensions_is_refused_before_decoding(upload, settings):
    """A decompression bomb: a PNG of a few hundred bytes claiming 8,000 × 8,000 pixels."""
    bomb = png_claiming(8_000, 8_000)
    assert len(bomb) < 1000
    # Its header (IHDR: width, height) claims 64 megapixels.
    assert (int.from_bytes(bomb[16:20], "big"), int.from_bytes(bomb[20:24], "big")) == (
        8_000, 8_000
    )

    response = upload(SimpleUploadedFile("bom.png", bomb, content_type="image/png"))

    assert response.status_code == 400
    assert "image" in response.json()
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def test_a_bomb_past_pillows_own_limit_is_a_400_quickly_never_a_500(upload, settings):
    """20,000 × 20,000 claimed: past twice the limit Pillow itself refuses to open it."""
    bomb = png_claiming(20_000, 20_000)
    started = time.monotonic()

    response = upload(SimpleUploadedFile("bom.png", bomb, content_type="image/png"))

    assert time.monotonic() - started < 1
    assert response.status_code == 400
    assert "megapixel" in response.json()["image"][0]
    assert stored_files(settings) == []


def test_pillow_refuses_bombs_everywhere_in_the_process(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(png_claiming(20_000, 20_000)))


def test_a_large_photo_is_stored_scaled_down_to_the_longest_side_allowed(upload, settings):
    settings.IMAGE_MAX_SIDE = 1000

    response = upload(image_upload("JPEG", size=(3000, 2000), exif=camera_exif()))

    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get(pk=response.json()["id"])
    with image.image.open("rb") as stored, Image.open(stored) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (1000, 667)
        assert not picture.getexif()


def test_a_sideways_photo_scaled_down_is_stored_upright(upload, settings):
    settings.IMAGE_MAX_SIDE = 500
    exif = camera_exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display

    response = upload(image_upload("JPEG", size=(1000, 800), exif=exif))

    image = ProductImage.objects.get(pk=response.json()["id"])
    with image.image.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == (400, 500)


# ---------------------------------------------------------------- names


def test_a_photo_is_stored_under_a_random_name_in_its_product_folder(upload, product):
    first = upload(image_upload("JPEG", size=(300, 200), name="IMG_20240101_rumah_saya.jpg"))
    second = upload(image_upload("JPEG", size=(300, 200), name="IMG_20240101_rumah_saya.jpg"))

    names = [ProductImage.objects.get(pk=r.json()["id"]).image.name for r in (first, second)]
    for name in names:
        assert re.fullmatch(rf"products/{product.pk}/[0-9a-f]{{32}}\.jpg", name)
    assert names[0] != names[1]
    assert first.json()["url"].endswith(names[0])  # still a public URL


def test_a_cooperative_logo_is_stored_under_a_random_public_name(user_client, cooperative, owner):
    response = user_client(owner).put(
        f"/api/v1/cooperatives/{cooperative.slug}/logo/",
        {"logo": image_upload("PNG", (200, 200), name="logo_koperasi_sejahtera.png")},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    cooperative.refresh_from_db()
    assert re.fullmatch(r"cooperatives/logos/[0-9a-f]{32}\.png", cooperative.logo.name)
    assert cooperative.logo.url.startswith("/media/cooperatives/logos/")


# ---------------------------------------------------------------- thumbnails


def test_after_commit_the_worker_makes_webp_thumbnails_of_every_size(
    upload, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(image_upload("JPEG", size=(1200, 900)))

    assert response.status_code == 201
    assert len(callbacks) == 1
    image = ProductImage.objects.get(pk=response.json()["id"])
    assert set(image.thumbnails) == set(THUMBNAIL_SIZES)
    storage = image.image.storage
    for size_name, longest_side in THUMBNAIL_SIZES.items():
        with (
            storage.open(image.thumbnails[size_name], "rb") as stored,
            Image.open(stored) as thumbnail,
        ):
            assert thumbnail.format == "WEBP"
            assert max(thumbnail.size) == longest_side
            assert thumbnail.size == (longest_side, longest_side * 3 // 4)  # aspect kept
    thumbnail_url = api.get("/api/v1/products/").json()["results"][0]["thumbnail"]
    assert thumbnail_url == f"http://testserver{storage.url(image.thumbnails['medium'])}"
    detail_image = api.get(f"/api/v1/products/{image.product_id}/").json()["images"][0]
    assert detail_image["thumbnail"] == thumbnail_url


def test_thumbnails_of_a_small_photo_are_not_blown_up(upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(image_upload("PNG", size=(200, 100)))

    image = ProductImage.objects.get(pk=response.json()["id"])
    for size_name, longest_side in THUMBNAIL_SIZES.items():
        with (
            image.image.storage.open(image.thumbnails[size_name], "rb") as stored,
            Image.open(stored) as thumbnail,
        ):
            assert thumbnail.format == "WEBP"
            assert thumbnail.size[0] <= min(longest_side, 200)
            assert thumbnail.size[1] <= min(longest_side, 100)


def test_a_refused_upload_enqueues_no_thumbnails(upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        upload(text_file_named_jpg())
    assert callbacks == []


def test_making_thumbnails_twice_leaves_one_set(
    upload, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(image_upload("WEBP", size=(900, 900)))
    image_pk = response.json()["id"]
    first = ProductImage.objects.get(pk=image_pk).thumbnails

    product_image_thumbnails_make(image_pk=image_pk)

    assert ProductImage.objects.get(pk=image_pk).thumbnails == first
    assert len(stored_files(settings)) == 1 + len(THUMBNAIL_SIZES)


def test_thumbnails_for_an_image_deleted_meanwhile_are_skipped():
    assert product_image_thumbnails_make(image_pk=999_999) is None


def test_a_phone_jpeg_with_an_extra_frame_is_accepted_as_a_jpeg(upload):
    photo = phone_jpeg_with_a_second_frame()
    with Image.open(io.BytesIO(photo)) as sent:
        assert sent.format == "MPO"  # how Pillow names a JPEG with an MPF segment

    response = upload(SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg"))

    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get(pk=response.json()["id"])
    assert image.image.name.endswith(".jpg")
    with image.image.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (400, 300)
        assert not picture.getexif()
        assert getattr(picture, "n_frames", 1) == 1


def _colour(storage, path) -> tuple:
    with storage.open(path, "rb") as stored, Image.open(stored) as picture:
        return picture.convert("RGB").getpixel((picture.width // 2, picture.height // 2))


def test_photos_with_the_same_name_keep_their_own_thumbnails(
    upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        red = upload(image_upload("JPEG", size=(300, 200), name="kopi.jpg", color="red"))
    with django_capture_on_commit_callbacks(execute=True):
        blue = upload(image_upload("PNG", size=(300, 200), name="kopi.png", color="blue"))

    red = ProductImage.objects.get(pk=red.json()["id"])
    blue = ProductImage.objects.get(pk=blue.json()["id"])
    storage = red.image.storage
    for size_name in THUMBNAIL_SIZES:
        assert red.thumbnails[size_name] != blue.thumbnails[size_name]
        assert _colour(storage, red.thumbnails[size_name])[0] > 200  # still red
        assert _colour(storage, blue.thumbnails[size_name])[2] > 200  # blue


def test_making_thumbnails_never_overwrites_an_uploaded_photo(
    upload, django_capture_on_commit_callbacks
):
    """A photo uploaded under the name another photo's thumbnail would take stays intact."""
    with django_capture_on_commit_callbacks(execute=True):
        blue = upload(image_upload("WEBP", size=(300, 200), name="kopi-small.webp", color="blue"))
    with django_capture_on_commit_callbacks(execute=True):
        upload(image_upload("JPEG", size=(300, 200), name="kopi.jpg", color="red"))

    blue = ProductImage.objects.get(pk=blue.json()["id"])
    assert blue.image.storage.exists(blue.image.name)
    assert _colour(blue.image.storage, blue.image.name)[2] > 200
    with blue.image.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == (300, 200)


def test_a_transparent_background_stays_transparent_in_thumbnails(
    upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            SimpleUploadedFile("potongan.png", transparent_palette_png(), content_type="image/png")
        )

    assert response.status_code == 201
    image = ProductImage.objects.get(pk=response.json()["id"])
    for path in image.thumbnails.values():
        with image.image.storage.open(path, "rb") as stored, Image.open(stored) as thumbnail:
            assert thumbnail.format == "WEBP"
            rgba = thumbnail.convert("RGBA")
            assert rgba.getpixel((0, 0))[3] == 0  # the corner stays see-through
            assert rgba.getpixel((rgba.width // 2, rgba.height // 2))[3] == 255
