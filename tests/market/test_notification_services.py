"""Notifications against real services: a `celery worker` process, a local SMTP server
(aiosmtpd), a local HTTP gateway, Redis stopped at commit, a worker killed mid-send.

The workers run on the test database with the SMTP server and the gateway as their settings
(environment variables, as in production). Every wait is bounded; every process and server
is stopped in a finally block.
"""

import asyncio
import datetime
import email
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone

from events.models import OutboxTask
from events.outbox import outbox_resend_due
from market.celery import app as celery_app
from market.models import Cooperative, NotificationDelivery, User
from market.notifications import services
from market.services import cooperatives
from market.tasks import notification_deliver_task
from orders.models import Order
from tests.events import test_outbox_services as outbox_services
from tests.events.test_outbox_services import (
    free_port,
    process_env,
    queue_forget,
    resend_lost_running_tasks,
    show_log,
    stop,
    token_of,
    wait_until,
    worker_start,
)
from tests.factories import (
    SHIPPING_ADDRESS,
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    order_placed,
)

# The test's own Redis and the app served by gunicorn on it (for Redis down at commit).
private_redis = outbox_services.private_redis
web_app = outbox_services.web_app

Status = NotificationDelivery.Status
Channel = NotificationDelivery.Channel
DELIVER_TASK = "market.tasks.notification_deliver_task"
GATEWAY_TIMEOUT_SECONDS = 1.0
GATEWAY_TOKEN = "gateway-secret"


# ---------------------------------------------------------------- the SMTP server


class Mailbox:
    """What the local SMTP server accepted (answered 250 to), with its envelope recipients.

    With `hold_first`, the first message's DATA waits until `release` is set and is then
    refused: its sender is gone by then (killed), so it was never delivered.
    """

    def __init__(self, port: int):
        self.port = port
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.hold_first = False
        self.held = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.hold_first and not self.held.is_set():
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)  # the server's loop keeps serving other senders
            return "451 Requested action aborted"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [message for recipients, message in self.messages if recipients == [address]]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def env(self) -> dict[str, str]:
        """The worker's settings that send through this server."""
        return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "0"}


@pytest.fixture
def mailbox():
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        box.release.set()
        controller.stop()


# ---------------------------------------------------------------- the HTTP gateway


@dataclass
class Gateway:
    """A WhatsApp/SMS gateway answering each POST with the next of `answers`.

    An answer is an HTTP status, or "hang": no answer until the test ends.
    """

    answers: list[int | str]
    url: str = ""
    requests: list[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def env(self) -> dict[str, str]:
        return {"NOTIFY_GATEWAY_URL": self.url, "NOTIFY_GATEWAY_TOKEN": GATEWAY_TOKEN,
                "NOTIFY_GATEWAY_TIMEOUT_SECONDS": str(GATEWAY_TIMEOUT_SECONDS)}


@pytest.fixture
def gateway():
    state = Gateway(answers=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer = state.answers[len(state.requests)] if len(state.requests) < len(
                state.answers) else 200
            state.requests.append({"at": time.monotonic(), "json": body,
                                   "authorization": self.headers.get("Authorization")})
            if answer == "hang":
                state.release.wait(timeout=30)
                return
            self.send_response(answer)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}' if answer < 400 else b'{"error": "down"}')

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- workers


@pytest.fixture
def notify_worker(tmp_path, settings):
    """Start workers (`notify_worker(**env)`) on REDIS_URL, on a queue of the test's own
    (which the test process sends to) and the default one (where the worker's own
    fan-out sends the deliveries)."""
    queue = f"notify-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    workers: list[subprocess.Popen] = []
    logs: list[Path] = []

    def start(**env: str):
        log = tmp_path / f"worker-{len(workers) + 1}.log"
        logs.append(log)
        worker = worker_start(process_env(tmp_path, settings.REDIS_URL, **env), log,
                              "-Q", f"{queue},celery")
        workers.append(worker)
        wait_until(lambda: " ready." in log.read_text() or worker.poll() is not None,
                   seconds=30, what="the worker was ready")
        assert worker.poll() is None, log.read_text()
        return worker

    eager, default_queue = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.task_default_queue = default_queue
        for worker in workers:
            stop(worker)
        for log in logs:
            show_log(log)
        queue_forget(settings.REDIS_URL, queue)
        queue_forget(settings.REDIS_URL, "celery")


@dataclass(frozen=True)
class Shop:
    buyer: User
    staff: User
    variant: object


def shop_made() -> Shop:
    """A cooperative with one staff member reading Bahasa, a buyer reading English."""
    cooperative = CooperativeFactory(name="Koperasi Sanggau Ledo")
    staff = MembershipFactory(cooperative=cooperative, role="staff",
                              user=UserFactory(email="staf@ledo.id", language="id")).user
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000, "stock": 50}])
    buyer = UserFactory(email="buyer@example.com", language="en")
    return Shop(buyer=buyer, staff=staff, variant=product.variants.get())


def plain_and_html(message: EmailMessage) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def deliveries(channel: str) -> list[tuple[str, str, int]]:
    return sorted(NotificationDelivery.objects.filter(channel=channel).values_list(
        "recipient__email", "status", "attempts"))


def applicant_made(**owner: object) -> tuple[Cooperative, User, User]:
    """A cooperative waiting for verification, its owner, and the officer who decides."""
    applicant = CooperativeFactory(status=Cooperative.Status.PENDING, name="Koperasi Rotan")
    user = UserFactory(email="ketua@rotan.id", language="id", **owner)
    MembershipFactory(cooperative=applicant, role="owner", user=user)
    return applicant, user, DinasOfficerFactory(regions=[applicant.region]).user


# ---------------------------------------------------------------- e-mail, exactly once


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_an_order_once_to_each_party_in_their_language(
    mailbox, notify_worker
):
    shop = shop_made()
    notify_worker(**mailbox.env())

    order = order_placed(buyer=shop.buyer, variant=shop.variant, quantity=2)
    wait_until(lambda: mailbox.count() == 2, seconds=30, what="both mails arrived")
    wait_until(lambda: not OutboxTask.objects.exclude(status=OutboxTask.Status.DONE).exists(),
               seconds=10, what="the worker marked its tasks done")

    [to_buyer], [to_staff] = mailbox.to("buyer@example.com"), mailbox.to("staf@ledo.id")
    assert to_buyer["Subject"] == f"Order {order.number} placed"
    assert to_staff["Subject"] == f"Pesanan {order.number} dibuat"
    buyer_text, buyer_html = plain_and_html(to_buyer)
    staff_text, staff_html = plain_and_html(to_staff)
    assert "Hello" in buyer_text
    assert "Rp50.000" in buyer_text
    assert "Halo" in staff_text
    assert "Rp50.000" in staff_text
    assert 'lang="en"' in buyer_html
    assert 'lang="id"' in staff_html
    assert f"/api/v1/orders/{order.number}/" in staff_html
    assert deliveries(Channel.EMAIL) == [("buyer@example.com", Status.SENT, 1),
                                         ("staf@ledo.id", Status.SENT, 1)]

    # A broker may hand a task over twice: the second run finds the delivery sent. Then
    # one more notification, behind them on the queue: the worker ran them once it arrives.
    for pk in OutboxTask.objects.filter(name=DELIVER_TASK).values_list("pk", flat=True):
        notification_deliver_task.apply_async(kwargs={"outbox_pk": pk})
    with transaction.atomic():
        services.notify(kind="order_paid", source=f"test:{order.pk}", recipients=[shop.buyer],
                        data={"number": order.number, "total": "Rp50.000"})
    wait_until(lambda: mailbox.to("buyer@example.com")[-1]["Subject"].endswith("paid"),
               seconds=20, what="the mail queued behind the twice-sent tasks")
    assert mailbox.count() == 3
    assert set(OutboxTask.objects.filter(name=DELIVER_TASK).values_list("attempts", flat=True)) \
        == {1}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_mail_to_the_next_worker_which_sends_it_once(
    mailbox, notify_worker
):
    applicant, owner, officer = applicant_made()
    mailbox.hold_first = True
    first_worker = notify_worker(**mailbox.env())

    cooperatives.cooperative_verify(actor=officer, cooperative=applicant, decision="verified")
    wait_until(mailbox.held.is_set, seconds=30, what="the first worker was sending the mail")
    first_worker.send_signal(signal.SIGKILL)
    first_worker.wait(timeout=10)
    mailbox.release.set()

    row = OutboxTask.objects.get(name=DELIVER_TASK)
    assert (row.status, row.attempts) == (OutboxTask.Status.RUNNING, 1)
    assert deliveries(Channel.EMAIL) == [("ketua@rotan.id", Status.PENDING, 0)]
    assert mailbox.count() == 0

    notify_worker(**mailbox.env())
    sent = resend_lost_running_tasks()
    wait_until(lambda: mailbox.count() == 1
               and NotificationDelivery.objects.filter(channel=Channel.EMAIL,
                                                       status=Status.SENT).exists(),
               seconds=30, what="the second worker sent the mail")
    resent_later = outbox_resend_due(now=timezone.now() + datetime.timedelta(days=1))

    assert (sent, resent_later) == (1, 0)
    [mail] = mailbox.to("ketua@rotan.id")
    assert mail["Subject"] == "Koperasi Rotan sudah diverifikasi"
    assert deliveries(Channel.EMAIL) == [("ketua@rotan.id", Status.SENT, 2)]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxTask.Status.DONE, 2)


# ---------------------------------------------------------------- Redis down at commit


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_an_order_answers_at_once_and_its_mails_leave_once_redis_is_back(
    tmp_path, mailbox, private_redis, web_app
):
    shop = shop_made()
    token = token_of(shop.buyer)
    log = tmp_path / "worker.log"
    env = process_env(tmp_path, private_redis.url, **mailbox.env())
    worker = worker_start(env, log)  # on the test's Redis, started before the outage

    def checkout() -> tuple[int, float, dict]:
        return web_app.post(
            "/checkout/", token, headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"items": [{"variant": shop.variant.pk, "quantity": 1}],
                  "shipping_address": SHIPPING_ADDRESS, "payment_method": "bank_transfer"},
        )

    try:
        wait_until(lambda: " ready." in log.read_text(), seconds=30, what="the worker was ready")
        # Redis up: the web app's broker connection is open when Redis goes away.
        assert checkout()[0] == 201
        wait_until(lambda: mailbox.count() == 2, seconds=30, what="the first order's mails")
        private_redis.stop()

        status, seconds, body = checkout()
        assert status == 201, body
        assert seconds < 1.0, seconds
        second = Order.objects.get(number=body["orders"][0]["number"])
        time.sleep(1)  # what a worker could have done meanwhile: nothing reaches it
        assert mailbox.count() == 2
        waiting = OutboxTask.objects.exclude(status=OutboxTask.Status.DONE)
        assert list(waiting.values_list("name", "status", "attempts")) == [
            ("market.tasks.notification_fan_out_task", OutboxTask.Status.PENDING, 0)]

        private_redis.start()
        resent = outbox_services.manage(env, "outbox_resend")
        wait_until(lambda: mailbox.count() == 4 and not waiting.exists(), seconds=30,
                   what="the re-sent order's mails arrived")
        resent_again = outbox_services.manage(env, "outbox_resend")
    finally:
        stop(worker)
        show_log(log)

    assert (resent.strip(), resent_again.strip()) == ("1 tasks sent", "0 tasks sent")
    subjects = sorted(message["Subject"] for _, message in mailbox.messages)
    assert subjects.count(f"Order {second.number} placed") == 1
    assert subjects.count(f"Pesanan {second.number} dibuat") == 1
    assert mailbox.count() == 4


# ---------------------------------------------------------------- the gateway


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_gateway_is_retried_with_backoff_after_a_500_and_a_timeout_until_a_200(
    gateway, notify_worker
):
    applicant, owner, officer = applicant_made(phone="081234567890")
    services.preferences_update(user=owner, changes=[
        {"kind": "cooperative_verified", "email": False, "gateway": True}])
    gateway.answers = [500, "hang", 200]
    notify_worker(**gateway.env())

    def row() -> OutboxTask:
        return OutboxTask.objects.get(name=DELIVER_TASK)

    def failed_attempts(count: int) -> bool:
        task = OutboxTask.objects.filter(name=DELIVER_TASK).first()
        return task is not None and (task.status, task.attempts) == (
            OutboxTask.Status.PENDING, count) and bool(task.last_error)

    cooperatives.cooperative_verify(actor=officer, cooperative=applicant, decision="verified")
    wait_until(lambda: failed_attempts(1), seconds=30, what="the first attempt failed")
    first = row()
    assert first.last_error.startswith("GatewayUnavailable: HTTP 500")
    # Backoff: 30 s after the first failure, so not sent again before then.
    assert datetime.timedelta(seconds=25) < first.next_attempt_at - timezone.now() <= (
        datetime.timedelta(seconds=30))
    assert outbox_resend_due(now=first.next_attempt_at - datetime.timedelta(seconds=5)) == 0

    assert outbox_resend_due(now=first.next_attempt_at + datetime.timedelta(seconds=1)) == 1
    wait_until(lambda: failed_attempts(2), seconds=30, what="the second attempt timed out")
    held_for = time.monotonic() - gateway.requests[1]["at"]
    second = row()
    assert "ReadTimeout" in second.last_error
    # The worker gave up waiting after the configured timeout (plus this test's polling).
    assert GATEWAY_TIMEOUT_SECONDS <= held_for < GATEWAY_TIMEOUT_SECONDS + 1.5, held_for
    # Doubled: 60 s after the second failure.
    assert datetime.timedelta(seconds=55) < second.next_attempt_at - timezone.now() <= (
        datetime.timedelta(seconds=60))

    assert outbox_resend_due(now=second.next_attempt_at + datetime.timedelta(seconds=1)) == 1
    wait_until(lambda: row().status == OutboxTask.Status.DONE, seconds=30,
               what="the third attempt went through")
    assert outbox_resend_due(now=timezone.now() + datetime.timedelta(days=1)) == 0

    assert len(gateway.requests) == 3
    assert deliveries(Channel.GATEWAY) == [("ketua@rotan.id", Status.SENT, 3)]
    assert deliveries(Channel.EMAIL) == []
    request = gateway.requests[2]
    assert request["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert request["json"]["to"] == "081234567890"
    assert request["json"]["kind"] == "cooperative_verified"
    assert request["json"]["language"] == "id"
    assert "Koperasi Rotan" in request["json"]["text"]
    assert [r["json"] for r in gateway.requests] == [request["json"]] * 3
