"""The outbox: a task is a row of its use case's transaction, run once, retried, capped, retried
by hand from the admin.

Tasks run in-process here (CELERY_TASK_ALWAYS_EAGER); test_outbox_services.py runs them in a real
worker, with the broker down and with a worker killed mid-way. Stripe is a small local HTTP
server that answers as Stripe does when it refuses or breaks.
"""

import datetime
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from catalog import services as catalog_services
from catalog.models import ProductImage
from events.models import Event, OutboxTask
from events.outbox import PICKUP_GRACE, outbox_resend_due, outbox_run
from market.models import Cooperative, User
from market.services import cooperatives
from orders.services import lifecycle
from payments import settlement
from payments.models import Payment, Refund
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    checkout_placed,
)

pytestmark = pytest.mark.django_db

Status = OutboxTask.Status
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
# A dinas decision is told through its event: one fan-out task, then one per delivery.
FAN_OUT_TASK = "market.tasks.notification_fan_out_task"


class RolledBack(Exception):
    """Raised by a test to roll its transaction back."""


def jpeg_upload() -> SimpleUploadedFile:
    picture = Image.new("RGB", (320, 240), "sienna")
    data = io.BytesIO()
    picture.save(data, format="JPEG")
    return SimpleUploadedFile("kopi.jpg", data.getvalue(), content_type="image/jpeg")


def pending_cooperative(owner_email: str) -> tuple[Cooperative, User]:
    """A cooperative awaiting the dinas, its owner's mail address, and an officer over it."""
    cooperative = CooperativeFactory(status=Cooperative.Status.PENDING)
    MembershipFactory(cooperative=cooperative, role="owner", user=UserFactory(email=owner_email))
    officer = DinasOfficerFactory(regions=[cooperative.region]).user
    return cooperative, officer


def run_until_it_stops(row: OutboxTask, *, limit: int = 20) -> list[str]:
    """Run the task as the worker would, once per delivery, until it is done or failed."""
    results = []
    while len(results) < limit:
        results.append(outbox_run(outbox_pk=row.pk))
        row.refresh_from_db()
        if row.status in (Status.DONE, Status.FAILED):
            return results
    raise AssertionError(f"still {row.status} after {limit} runs")


# ---------------------------------------------------------------- written with the use case


def test_a_task_is_written_in_its_use_cases_transaction_and_sent_only_after_commit(
    django_capture_on_commit_callbacks,
):
    cooperative, officer = pending_cooperative("ketua@rotan.id")

    with django_capture_on_commit_callbacks() as callbacks:
        cooperatives.cooperative_verify(actor=officer, cooperative=cooperative,
                                           decision="verified")
        row = OutboxTask.objects.get()

    assert row.name == FAN_OUT_TASK
    assert row.kwargs == {"event_pk": Event.objects.get(cooperative=cooperative).pk}
    assert (row.status, row.attempts) == (Status.PENDING, 0)
    assert len(callbacks) == 1  # the send, waiting for the commit
    assert mail.outbox == []


def test_a_use_case_that_rolls_back_leaves_no_task_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    cooperative, officer = pending_cooperative("ketua@rotan.id")

    def verify_then_roll_back():
        with transaction.atomic():
            cooperatives.cooperative_verify(actor=officer, cooperative=cooperative,
                                               decision="verified")
            raise RolledBack

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RolledBack):
        verify_then_roll_back()

    assert not OutboxTask.objects.exists()
    assert callbacks == []
    assert mail.outbox == []
    cooperative.refresh_from_db()
    assert cooperative.status == Cooperative.Status.PENDING


def test_after_commit_the_task_runs_marks_its_row_done_and_mails_once(
    django_capture_on_commit_callbacks,
):
    cooperative, officer = pending_cooperative("ketua@rotan.id")

    with django_capture_on_commit_callbacks(execute=True):
        cooperatives.cooperative_verify(actor=officer, cooperative=cooperative,
                                           decision="verified")

    row = OutboxTask.objects.get(name=FAN_OUT_TASK)
    assert (row.status, row.attempts, row.last_error) == (Status.DONE, 1, "")
    assert row.finished_at is not None
    assert [message.to for message in mail.outbox] == [["ketua@rotan.id"]]


def test_a_second_delivery_of_a_done_task_is_skipped_and_mails_nobody_again(
    django_capture_on_commit_callbacks,
):
    cooperative, officer = pending_cooperative("ketua@rotan.id")
    with django_capture_on_commit_callbacks(execute=True):
        cooperatives.cooperative_verify(actor=officer, cooperative=cooperative,
                                           decision="verified")
    row = OutboxTask.objects.get(name=FAN_OUT_TASK)

    result = outbox_run(outbox_pk=row.pk)

    assert result == "skipped"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.DONE, 1)
    assert len(mail.outbox) == 1


# ---------------------------------------------------------------- retries and giving up


@pytest.fixture
def photo(staff, cooperative):
    """A product photo uploaded through the service; its thumbnail task is pending."""
    product = ProductFactory(cooperative=cooperative)
    image = catalog_services.product_image_add(actor=staff, product=product, upload=jpeg_upload())
    return image, OutboxTask.objects.get(name="catalog.tasks.product_image_thumbnails_task")


def test_a_photo_whose_file_is_missing_waits_for_a_retry_with_a_growing_backoff(
    photo, time_machine
):
    image, row = photo
    image.image.storage.delete(image.image.name)
    time_machine.move_to(NOW, tick=False)

    first = outbox_run(outbox_pk=row.pk)
    row.refresh_from_db()
    first_retry_at, first_error = row.next_attempt_at, row.last_error
    second = outbox_run(outbox_pk=row.pk)
    row.refresh_from_db()

    assert (first, second) == ("failed", "failed")
    assert first_error.startswith("FileNotFoundError")
    assert first_retry_at == NOW + datetime.timedelta(seconds=30)
    assert (row.status, row.attempts) == (Status.PENDING, 2)
    assert row.next_attempt_at == NOW + datetime.timedelta(seconds=60)
    assert row.finished_at is None
    assert ProductImage.objects.get(pk=image.pk).thumbnails == {}


def test_a_task_that_keeps_failing_ends_failed_after_the_maximum_attempts(photo, settings):
    image, row = photo
    image.image.storage.delete(image.image.name)

    results = run_until_it_stops(row)

    assert results == ["failed"] * settings.OUTBOX_MAX_ATTEMPTS
    assert (row.status, row.attempts) == (Status.FAILED, settings.OUTBOX_MAX_ATTEMPTS)
    assert row.last_error.startswith("FileNotFoundError")
    assert row.finished_at is not None
    assert outbox_run(outbox_pk=row.pk) == "skipped"
    row.refresh_from_db()
    assert row.attempts == settings.OUTBOX_MAX_ATTEMPTS


class FakeStripe(BaseHTTPRequestHandler):
    """Stripe as it answers when it creates an intent, refuses a cancel, breaks on a refund."""

    requests: list[str]

    def do_POST(self):  # noqa: N802 (the name http.server calls)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.requests.append(self.path)
        if self.path == "/v1/payment_intents":
            self.answer(200, {"id": "pi_outbox_1", "object": "payment_intent",
                              "client_secret": "pi_outbox_1_secret_x",
                              "status": "requires_payment_method"})
        elif self.path.startswith("/v1/payment_intents/"):
            self.answer(400, {"error": {
                "type": "invalid_request_error",
                "message": "You cannot cancel this PaymentIntent because it has a status of "
                           "succeeded.",
            }})
        elif self.path == "/v1/refunds":
            self.answer(500, {"error": {"type": "api_error", "message": "Stripe is down."}},
                        headers={"Stripe-Should-Retry": "false"})
        else:
            self.answer(404, {"error": {"type": "invalid_request_error", "message": "No such"}})

    def answer(self, code: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stripe_calls(settings) -> list[str]:
    """Stripe on: the paths Stripe was asked, in order."""
    calls: list[str] = []
    handler = type("Handler", (FakeStripe,), {"requests": calls})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_outbox"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_outbox"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield calls
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def card_order(stripe_calls, buyer, cooperative, owner):
    """One order of the cooperative's, placed by card: its PaymentIntent exists at Stripe."""
    variant = ProductFactory(cooperative=cooperative, variants=[{"price": 40_000}]).variants.get()
    order = checkout_placed(buyer, [(variant, 1)], payment_method="stripe").orders.get()
    assert Payment.objects.get(checkout=order.checkout).provider_reference == "pi_outbox_1"
    return order


def test_a_task_that_stripe_refuses_for_good_fails_at_once(card_order, stripe_calls, buyer):
    lifecycle.order_cancel(order_pk=card_order.pk, actor=buyer, reason="Salah pesan")
    row = OutboxTask.objects.get(name="payments.tasks.payment_amount_changed_task")

    results = run_until_it_stops(row)

    assert results == ["failed"]
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error.startswith("InvalidRequestError")
    assert row.finished_at is not None
    assert stripe_calls == ["/v1/payment_intents", "/v1/payment_intents/pi_outbox_1/cancel"]


def test_a_refund_that_stripe_never_takes_ends_failed_and_its_amount_is_given_back(
    card_order, stripe_calls, owner, settings
):
    payment = settlement.payment_paid(payment_pk=card_order.checkout.payment.pk)
    lifecycle.order_refund(order_pk=card_order.pk, actor=owner, amount=15_000, reason="Basah")
    refund = Refund.objects.get()
    row = OutboxTask.objects.get(name="payments.tasks.refund_submit_task")

    results = run_until_it_stops(row)

    assert results == ["failed"] * settings.OUTBOX_MAX_ATTEMPTS
    assert (row.status, row.attempts) == (Status.FAILED, settings.OUTBOX_MAX_ATTEMPTS)
    assert row.last_error.startswith("APIError")
    assert stripe_calls.count("/v1/refunds") == settings.OUTBOX_MAX_ATTEMPTS
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert "Stripe is down." in refund.failure_reason
    payment.refresh_from_db()
    assert payment.refunded_amount == 0
    assert Event.objects.filter(kind="refund_failed", refund=refund).count() == 1
    assert not Event.objects.filter(kind="refund_succeeded").exists()


# ---------------------------------------------------------------- the re-sender


def test_the_resender_sends_only_the_tasks_whose_time_came(django_capture_on_commit_callbacks):
    lost, lost_officer = pending_cooperative("lost@rotan.id")
    fresh, fresh_officer = pending_cooperative("fresh@rotan.id")
    cooperatives.cooperative_verify(actor=lost_officer, cooperative=lost, decision="verified",
                                       now=NOW - PICKUP_GRACE - datetime.timedelta(minutes=1))
    cooperatives.cooperative_verify(actor=fresh_officer, cooperative=fresh,
                                       decision="verified", now=NOW)
    lost_row = OutboxTask.objects.get(kwargs__event_pk=Event.objects.get(cooperative=lost).pk)
    fresh_row = OutboxTask.objects.get(kwargs__event_pk=Event.objects.get(cooperative=fresh).pk)

    with django_capture_on_commit_callbacks(execute=True):  # the delivery it fans out to
        sent = outbox_resend_due(now=NOW)

    assert sent == 1
    assert [message.to for message in mail.outbox] == [["lost@rotan.id"]]
    lost_row.refresh_from_db()
    assert lost_row.status == Status.DONE
    fresh_row.refresh_from_db()
    assert (fresh_row.status, fresh_row.attempts) == (Status.PENDING, 0)
    assert fresh_row.next_attempt_at == NOW + PICKUP_GRACE


def test_the_resender_leaves_done_and_failed_tasks_alone(photo, django_capture_on_commit_callbacks):
    image, failed_row = photo
    image.image.storage.delete(image.image.name)
    run_until_it_stops(failed_row)
    cooperative, officer = pending_cooperative("ketua@rotan.id")
    cooperatives.cooperative_verify(actor=officer, cooperative=cooperative,
                                       decision="verified")
    done_row = OutboxTask.objects.get(name=FAN_OUT_TASK)
    with django_capture_on_commit_callbacks(execute=True):  # the delivery it fans out to
        outbox_run(outbox_pk=done_row.pk)

    sent = outbox_resend_due(now=timezone.now() + datetime.timedelta(days=1))

    assert sent == 0
    assert len(mail.outbox) == 1
    assert OutboxTask.objects.get(pk=failed_row.pk).status == Status.FAILED


# ---------------------------------------------------------------- the admin


@pytest.fixture
def admin_client(client, platform_admin):
    client.force_login(platform_admin)
    return client


def test_the_admin_lists_the_outbox_tasks(admin_client, photo):
    _image, row = photo

    listing = admin_client.get("/admin/events/outboxtask/")
    detail = admin_client.get(f"/admin/events/outboxtask/{row.pk}/change/")

    assert listing.status_code == 200
    assert "catalog.tasks.product_image_thumbnails_task" in listing.content.decode()
    assert detail.status_code == 200


def test_the_admin_retry_runs_a_failed_task_again_from_scratch(admin_client, photo):
    image, row = photo
    storage, name = image.image.storage, image.image.name
    with storage.open(name, "rb") as stored:
        original = stored.read()
    storage.delete(name)
    run_until_it_stops(row)
    assert row.status == Status.FAILED
    storage.save(name, io.BytesIO(original))  # the file is back (restored from a backup)

    response = admin_client.post(
        "/admin/events/outboxtask/", {"action": "retry", "_selected_action": [row.pk]}
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.DONE, 1)
    thumbnails = ProductImage.objects.get(pk=image.pk).thumbnails
    assert thumbnails
    assert all(storage.exists(path) for path in thumbnails.values())


def test_the_admin_retry_does_not_run_a_done_task_again(
    admin_client, platform_admin, django_capture_on_commit_callbacks
):
    platform_admin.language = "en"  # the message is checked in its msgid
    platform_admin.save(update_fields=["language"])
    cooperative, officer = pending_cooperative("ketua@rotan.id")
    with django_capture_on_commit_callbacks(execute=True):
        cooperatives.cooperative_verify(actor=officer, cooperative=cooperative,
                                           decision="verified")
    row = OutboxTask.objects.get(name=FAN_OUT_TASK)

    response = admin_client.post(
        "/admin/events/outboxtask/", {"action": "retry", "_selected_action": [row.pk]},
        follow=True,
    )

    assert "0 tasks sent again." in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.DONE, 1)
    assert len(mail.outbox) == 1
