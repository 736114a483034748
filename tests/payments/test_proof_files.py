"""Bank-transfer proofs are private files: random names outside the public media, read
only by the buyer and platform finance, checked by content, replaced without leftovers."""

import importlib
import re
import time
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from market.uploads import PrivateFileSystemStorage
from payments.models import Payment
from tests.catalog.uploads import camera_exif, image_bytes, image_upload, png_claiming
from tests.factories import UserFactory
from tests.payments.conftest import checkout_post, payment_of

pytestmark = pytest.mark.django_db

RANDOM_PROOF_NAME = re.compile(r"payments/proofs/[0-9a-f]{32}\.(jpg|png|webp|pdf)")


def pdf_bytes(*, extra_object: bytes = b"") -> bytes:
    """A small, well-formed one-page PDF (as a bank's app exports a receipt)."""
    stream = b"BT /F1 12 Tf 20 100 Td (Transfer Rp77.500 berhasil) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    if extra_object:
        objects.append(extra_object)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref_at
    )
    return bytes(out)


def pdf_upload(content: bytes | None = None, name: str = "bukti_transfer.pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content,
                              content_type="application/pdf")


@pytest.fixture
def payment(bank_checkout) -> Payment:
    return payment_of(bank_checkout)


@pytest.fixture
def upload(user_client, buyer, payment):
    """POST a file as the payment's buyer."""

    def post(file):
        return user_client(buyer).post(
            f"/api/v1/payments/{payment.pk}/proof/", {"image": file}, format="multipart",
            HTTP_ACCEPT_LANGUAGE="en",  # messages are checked in their msgids
        )

    return post


def proof_url(payment: Payment) -> str:
    return f"/api/v1/payments/{payment.pk}/proof/"


def private_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def public_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


# ---------------------------------------------------------------- where a proof lives


def test_a_proof_is_stored_privately_under_a_random_name(upload, payment, settings):
    response = upload(image_upload("PNG", (600, 800), name="bukti_transfer.png"))

    assert response.status_code == 200, response.json()
    payment.refresh_from_db()
    assert RANDOM_PROOF_NAME.fullmatch(payment.proof.name)
    assert "bukti" not in payment.proof.name
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / payment.proof.name]
    assert public_files(settings) == []  # nothing under MEDIA_ROOT, which the proxy serves


def test_two_proofs_with_the_same_file_name_get_different_names(
    user_client, buyer, payment, kopi
):
    other = Payment.objects.get(
        pk=checkout_post(user_client(buyer), {kopi.variant: 1}, "bank_transfer")
        .json()["payment"]["id"]
    )
    for each in (payment, other):
        user_client(buyer).post(
            proof_url(each), {"image": image_upload("JPEG", name="bukti.jpg")}, format="multipart"
        )

    payment.refresh_from_db()
    other.refresh_from_db()
    assert payment.proof.name != other.proof.name


def test_a_proof_has_no_public_address(api, upload, payment):
    upload(image_upload("PNG", (300, 300)))
    payment.refresh_from_db()

    with pytest.raises(ValueError, match="no public URL"):
        payment.proof.url  # noqa: B018
    assert api.get(f"/media/{payment.proof.name}").status_code == 404
    assert api.get(f"/media/{payment.proof.name.rsplit('/', 1)[-1]}").status_code == 404


def test_the_private_root_may_not_lie_inside_the_public_media(settings):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT / "private"

    with pytest.raises(ImproperlyConfigured):
        PrivateFileSystemStorage().path("payments/proofs/x.png")


# ---------------------------------------------------------------- who reads it


@pytest.fixture
def png_proof(upload, payment) -> Payment:
    assert upload(image_upload("PNG", (300, 400))).status_code == 200
    payment.refresh_from_db()
    return payment


def stored_bytes(payment: Payment) -> bytes:
    with payment.proof.open("rb") as stored:
        return stored.read()


def test_the_buyer_downloads_the_proof_as_a_private_attachment(user_client, buyer, png_proof):
    response = user_client(buyer).get(proof_url(png_proof))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="proof-{png_proof.pk}.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == stored_bytes(png_proof)


def test_a_client_asking_for_the_file_type_gets_the_file(user_client, buyer, png_proof):
    response = user_client(buyer).get(proof_url(png_proof), HTTP_ACCEPT="image/png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize("who", ["finance_staff", "platform_admin"])
def test_platform_finance_download_any_proof(request, user_client, who, png_proof):
    response = user_client(request.getfixturevalue(who)).get(proof_url(png_proof))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_bytes(png_proof)


@pytest.mark.parametrize("who", ["another_buyer", "owner", "manager", "staff", "officer"])
def test_nobody_else_learns_the_proof_exists(request, user_client, who, png_proof):
    user = UserFactory() if who == "another_buyer" else request.getfixturevalue(who)

    response = user_client(user).get(proof_url(png_proof))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_anonymous_must_log_in_to_read_a_proof(api, png_proof):
    assert api.get(proof_url(png_proof)).status_code == 401


def test_a_payment_without_proof_answers_404(user_client, buyer, finance_staff, payment):
    assert user_client(buyer).get(proof_url(payment)).status_code == 404
    assert user_client(finance_staff).get(proof_url(payment)).status_code == 404


def test_behind_nginx_the_answer_is_an_internal_redirect(user_client, buyer, png_proof, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/protected/"

    response = user_client(buyer).get(proof_url(png_proof))

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected/{png_proof.proof.name}"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="proof-{png_proof.pk}.png"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_links_the_proof_to_its_download_view(admin_client, png_proof):
    response = admin_client.get(f"/admin/payments/payment/{png_proof.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/api/v1/payments/{png_proof.pk}/proof/"' in page
    assert png_proof.proof.name not in page
    # and the logged-in admin's session reads it there
    assert admin_client.get(proof_url(png_proof)).status_code == 200


# ---------------------------------------------------------------- what is accepted


def test_a_pdf_receipt_is_accepted_and_answered_as_sent(user_client, buyer, upload, payment):
    response = upload(pdf_upload())

    assert response.status_code == 200, response.json()
    payment.refresh_from_db()
    assert RANDOM_PROOF_NAME.fullmatch(payment.proof.name)
    assert payment.proof.name.endswith(".pdf")
    download = user_client(buyer).get(proof_url(payment))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="proof-{payment.pk}.pdf"'
    assert b"".join(download.streaming_content) == pdf_bytes()


def test_an_image_proof_is_stored_without_camera_data(upload, payment):
    photo = SimpleUploadedFile(
        "IMG_1.jpg", image_bytes("JPEG", (400, 300), exif=camera_exif()), content_type="image/jpeg"
    )

    assert upload(photo).status_code == 200
    payment.refresh_from_db()
    data = stored_bytes(payment)
    assert data.startswith(b"\xff\xd8")
    assert b"Samsung" not in data
    assert b"Exif" not in data


def test_the_type_is_the_content_not_the_name(user_client, buyer, upload, payment):
    """A real PNG sent as `bukti.pdf` (application/pdf) is kept and answered as a PNG."""
    response = upload(SimpleUploadedFile("bukti.pdf", image_bytes("PNG", (200, 200)),
                                         content_type="application/pdf"))

    assert response.status_code == 200, response.json()
    payment.refresh_from_db()
    assert payment.proof.name.endswith(".png")
    assert user_client(buyer).get(proof_url(payment))["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("bukti.pdf", b"Sudah transfer Rp77.500 ke BRI.\n" * 20, id="text as pdf"),
        pytest.param("bukti.pdf", b"%PDF-1.4\n" + b"\x00" * 500, id="pdf header only"),
        pytest.param("bukti.pdf", pdf_bytes()[:300], id="truncated pdf"),
        pytest.param(
            "bukti.pdf", b"<html><script>alert(document.cookie)</script></html>", id="html as pdf"
        ),
        pytest.param(
            "bukti.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n", id="pdf-html"
        ),
        pytest.param(
            "bukti.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500, id="exe as png"
        ),
        pytest.param("bukti.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', id="svg"),
        pytest.param(
            "bukti.pdf",
            pdf_bytes(extra_object=b"<< /S /JavaScript /JS (app.alert(1)) >>"),
            id="pdf with javascript",
        ),
        pytest.param("bukti.gif", image_bytes("GIF", (50, 50)), id="gif"),
        pytest.param("bukti.pdf", b"", id="empty"),
    ],
)
def test_a_file_that_is_no_accepted_proof_is_a_400_naming_image(
    upload, payment, settings, name, content
):
    response = upload(SimpleUploadedFile(name, content, content_type="application/pdf"))

    assert response.status_code == 400
    assert "image" in response.json()
    payment.refresh_from_db()
    assert not payment.proof
    assert private_files(settings) == []


@pytest.mark.parametrize("make", [lambda: image_upload("JPEG", (300, 200)), pdf_upload])
def test_a_proof_over_the_size_limit_is_a_400_naming_image(upload, payment, settings, make):
    proof = make()
    settings.PROOF_MAX_BYTES = proof.size - 1

    response = upload(proof)

    assert response.status_code == 400
    assert "MB" in response.json()["image"][0]
    payment.refresh_from_db()
    assert not payment.proof
    assert private_files(settings) == []


def test_a_pixel_bomb_is_refused_quickly_before_decoding(upload, payment, settings):
    """A PNG of a few hundred bytes claiming 20,000 × 20,000 pixels (1.2 GB decoded)."""
    bomb = png_claiming(20_000, 20_000)
    assert len(bomb) < 2_000

    started = time.monotonic()
    response = upload(SimpleUploadedFile("bukti.png", bomb, content_type="image/png"))

    assert time.monotonic() - started < 1
    assert response.status_code == 400
    assert "megapixel" in response.json()["image"][0]
    payment.refresh_from_db()
    assert not payment.proof


def test_an_image_just_over_the_pixel_limit_is_refused(upload, payment, settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100

    response = upload(image_upload("PNG", (101, 100)))

    assert response.status_code == 400
    assert "image" in response.json()
    payment.refresh_from_db()
    assert not payment.proof


# ---------------------------------------------------------------- replacing


def test_a_new_proof_replaces_the_old_file_once_committed(
    upload, payment, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(image_upload("PNG", (300, 300)))
    payment.refresh_from_db()
    first = payment.proof.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(pdf_upload())
        # Not committed yet: the old file is still there for a rollback to point at.
        assert (settings.PRIVATE_MEDIA_ROOT / first).exists()
    for callback in callbacks:
        callback()

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.proof.name != first
    assert payment.proof.name.endswith(".pdf")
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / payment.proof.name]


def test_a_refused_replacement_keeps_the_old_proof(
    upload, payment, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(image_upload("PNG", (300, 300)))
    payment.refresh_from_db()
    first = payment.proof.name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(pdf_upload(b"%PDF-1.7 not really"))

    assert response.status_code == 400
    assert callbacks == []
    payment.refresh_from_db()
    assert payment.proof.name == first
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / first]


def test_a_confirmed_transfer_takes_no_new_proof(
    user_client, upload, payment, finance_staff, settings
):
    upload(image_upload("PNG", (300, 300)))
    user_client(finance_staff).post(f"/api/v1/payments/{payment.pk}/confirm/")
    payment.refresh_from_db()
    first = payment.proof.name

    response = upload(pdf_upload())

    assert response.status_code == 409
    payment.refresh_from_db()
    assert payment.proof.name == first
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / first]


def test_finance_staff_cannot_upload_a_proof_for_the_buyer(
    user_client, finance_staff, payment, settings
):
    response = user_client(finance_staff).post(
        proof_url(payment), {"image": image_upload("PNG", (100, 100))}, format="multipart"
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert not payment.proof
    assert private_files(settings) == []


def test_a_platform_admin_may_upload_a_proof_as_every_role_may(
    user_client, platform_admin, payment
):
    response = user_client(platform_admin).post(
        proof_url(payment), {"image": image_upload("PNG", (100, 100))}, format="multipart"
    )

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.proof


def test_proofs_from_before_are_moved_out_of_the_public_media(
    payment, settings, django_capture_on_commit_callbacks
):
    """Migration 0004: an old proof in MEDIA_ROOT under the buyer's name becomes private."""
    migration = importlib.import_module(
        "payments.migrations.0004_proofs_move_to_private_storage"
    )
    old_name = default_storage.save("payments/proofs/bukti_transfer.png",
                                    ContentFile(image_bytes("PNG", (50, 50))))
    Payment.objects.filter(pk=payment.pk).update(proof=old_name)

    with django_capture_on_commit_callbacks(execute=True):
        migration.proofs_move_to_private(django_apps, SimpleNamespace(connection=connection))

    payment.refresh_from_db()
    assert RANDOM_PROOF_NAME.fullmatch(payment.proof.name)
    assert payment.proof.name.endswith(".png")
    assert stored_bytes(payment) == image_bytes("PNG", (50, 50))
    assert public_files(settings) == []
