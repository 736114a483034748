"""The outbox against real services: Redis stopped under a running web app, workers killed.

The web app (gunicorn), the workers and `manage.py outbox_resend` run as processes of their own
on the test database, so their Celery app and their cache really use the Redis each test gives
them. Every wait is bounded; every process is stopped in a finally block.
"""

import datetime
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection, transaction
from django.utils import timezone
from knox.models import AuthToken
from PIL import Image

from catalog.models import ProductImage, Variant
from events.models import Event, OutboxTask
from events.outbox import RUNNING_LEASE, outbox_enqueue, outbox_resend_due
from market.celery import app as celery_app
from market.models import Cooperative
from orders.models import Order
from payments.models import Refund
from tests.events.probe_tasks import outbox_probe_task, outbox_probe_worker_killer_task
from tests.factories import (
    SHIPPING_ADDRESS,
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    order_placed,
)

ROOT = Path(__file__).resolve().parents[2]
Status = OutboxTask.Status
# With Redis down a request may lose about a second to it, never more (they take ~50 ms here;
# without a bound on kombu's connection retries each took 2 s).
ANSWER_WITHIN_SECONDS = 1.5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:.0f} s", pytrace=False)
        time.sleep(0.1)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def show_log(path: Path) -> None:
    """Copy a process's log to stderr: pytest shows it when the test fails."""
    if path.exists():
        sys.stderr.write(f"---- {path.name}\n{path.read_text(errors='replace')[-20_000:]}\n")


class RedisServer:
    """A Redis of the test's own, on a fixed port: stopped and started again by the test."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, seconds=10, what="redis-server started")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as client:
                client.sendall(b"PING\r\n")
                return client.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # abruptly, as a crash would
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def process_env(tmp_path: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of the app's own processes, on the test database and media folder."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "market.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    } | extra


def worker_start(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "market", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=INFO", "--without-heartbeat", "--without-gossip",
         "--without-mingle", *options],
        cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT,
    )


def manage(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=30,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class WebApp:
    def __init__(self, base: str):
        self.base = base

    def post(self, path: str, token: str | None = None, **kwargs) -> tuple[int, float, dict]:
        """POST to the API; the status, the seconds it took, and the JSON answer."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Token {token}"
        started = time.monotonic()
        response = requests.post(f"{self.base}/api/v1{path}", headers=headers, timeout=15,
                                 **kwargs)
        elapsed = time.monotonic() - started
        try:
            body = response.json()
        except ValueError:
            body = {"text": response.text[:2000]}
        return response.status_code, elapsed, body


@pytest.fixture
def web_app(tmp_path, private_redis):
    """The app served by gunicorn on a free port, its Redis the test's own."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "market.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--timeout", "30",
         "--graceful-timeout", "5"],
        cwd=ROOT, env=process_env(tmp_path, private_redis.url), stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if server.poll() is not None:
            pytest.fail("gunicorn exited", pytrace=False)
        try:
            return requests.get(f"{base}/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(answers, seconds=30, what="the web app answered")
        yield WebApp(base)
    finally:
        stop(server)
        show_log(log)


@pytest.fixture
def app_worker(tmp_path, private_redis):
    """A worker on the test's own Redis, started before any outage, so it rides it out."""
    log = tmp_path / "worker.log"
    worker = worker_start(process_env(tmp_path, private_redis.url), log)
    try:
        wait_until(lambda: " ready." in log.read_text(), seconds=30, what="the worker was ready")
        yield worker
    finally:
        stop(worker)
        show_log(log)


def token_of(user) -> str:
    return AuthToken.objects.create(user=user)[1]


def jpeg_bytes() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (320, 240), "sienna").save(data, format="JPEG")
    return data.getvalue()


# ---------------------------------------------------------------- the broker down


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_writes_answer_at_once_and_their_work_is_done_once_it_is_back(
    tmp_path, private_redis, web_app, app_worker
):
    buyer = UserFactory(email="pembeli@example.com")
    cooperative = CooperativeFactory()
    owner = MembershipFactory(cooperative=cooperative, role="owner").user
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000, "stock": 20}])
    variant = product.variants.get()
    to_refund = order_placed(buyer=buyer, variant=variant, status=Order.Status.PAID)
    to_cancel = order_placed(buyer=buyer, variant=variant, status=Order.Status.PAID)
    applicant = CooperativeFactory(status=Cooperative.Status.PENDING, name="Koperasi Rotan")
    MembershipFactory(cooperative=applicant, role="owner",
                      user=UserFactory(email="ketua@rotan.id"))
    officer = DinasOfficerFactory(regions=[applicant.region]).user
    buyer_token, owner_token, officer_token = map(token_of, (buyer, owner, officer))
    # Redis up: the web app's broker and cache connections are open when it goes away.
    warm_up = web_app.post(f"/products/{product.pk}/images/", owner_token,
                           files={"image": ("kopi.jpg", jpeg_bytes(), "image/jpeg")})
    assert warm_up[0] == 201, warm_up[2]
    wait_until(lambda: OutboxTask.objects.filter(status=Status.DONE).exists()
               and not OutboxTask.objects.exclude(status=Status.DONE).exists(), seconds=30,
               what="the worker made the first photo's thumbnails and told the setup")
    done_before = set(OutboxTask.objects.filter(status=Status.DONE).values_list("pk", flat=True))
    private_redis.stop()

    answers = {
        "checkout": web_app.post(
            "/checkout/", buyer_token, headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"items": [{"variant": variant.pk, "quantity": 2}],
                  "shipping_address": SHIPPING_ADDRESS, "payment_method": "bank_transfer"},
        ),
        "refund": web_app.post(f"/orders/{to_refund.number}/refund/", owner_token,
                               json={"amount": 10_000, "reason": "Kemasan bocor"}),
        "cancel": web_app.post(f"/orders/{to_cancel.number}/cancel/", buyer_token,
                               json={"reason": "Salah pesan"}),
        "verification": web_app.post(f"/cooperatives/{applicant.slug}/verify/", officer_token,
                                     json={"decision": "verified"}),
        "image upload": web_app.post(f"/products/{product.pk}/images/", owner_token,
                                     files={"image": ("kopi.jpg", jpeg_bytes(), "image/jpeg")}),
    }

    statuses = {use_case: status for use_case, (status, _, _) in answers.items()}
    assert statuses == {"checkout": 201, "refund": 200, "cancel": 200, "verification": 200,
                        "image upload": 201}, {k: body for k, (_, _, body) in answers.items()}
    slow = {use_case: round(seconds, 2) for use_case, (_, seconds, _) in answers.items()
            if seconds >= ANSWER_WITHIN_SECONDS}
    assert slow == {}, answers
    refunds = list(Refund.objects.order_by("pk"))
    assert [refund.order_id for refund in refunds] == [to_refund.pk, to_cancel.pk]
    assert all(refund.status == Refund.Status.PENDING for refund in refunds)
    # Done before Redis went down: the first photo's, and the notifications of the setup.
    assert set(OutboxTask.objects.filter(status=Status.DONE).values_list("pk", flat=True)) == (
        done_before
    )
    rows = list(OutboxTask.objects.exclude(status=Status.DONE).order_by("pk"))
    assert sorted(row.name for row in rows) == [
        "catalog.tasks.product_image_thumbnails_task",
        "market.tasks.notification_fan_out_task",  # order placed
        "market.tasks.notification_fan_out_task",  # order cancelled
        "market.tasks.notification_fan_out_task",  # cooperative verified
        "payments.tasks.refund_submit_task",
        "payments.tasks.refund_submit_task",
    ]
    assert {(row.status, row.attempts) for row in rows} == {(Status.PENDING, 0)}
    assert all(row.next_attempt_at <= timezone.now() for row in rows)  # due: never sent

    private_redis.start()
    env = process_env(tmp_path, private_redis.url)
    resent = manage(env, "outbox_resend")
    wait_until(lambda: not OutboxTask.objects.exclude(status=Status.DONE).exists(),
               seconds=45, what="the worker did every task")
    resent_again = manage(env, "outbox_resend")

    assert resent.strip() == "6 tasks sent"
    assert resent_again.strip() == "0 tasks sent"
    assert set(OutboxTask.objects.values_list("status", "attempts")) == {(Status.DONE, 1)}
    for refund in refunds:
        refund.refresh_from_db()
        assert refund.status == Refund.Status.SUCCEEDED
        assert Event.objects.filter(kind="refund_succeeded", refund=refund).count() == 1
    for image in ProductImage.objects.filter(product=product):
        assert image.thumbnails
        assert all((tmp_path / "media" / path).is_file() for path in image.thumbnails.values())
    mails = [path.read_text() for path in (tmp_path / "mail").glob("*.log")]
    assert len([text for text in mails if "To: ketua@rotan.id" in text]) == 1


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_sign_up_and_log_in_answer_as_usual(private_redis, web_app):
    # Redis up: the web app's cache connection is open when Redis goes away.
    first = web_app.post("/auth/register/", json={
        "email": "lama@example.com", "password": "kopi-ledo-2024", "name": "Anggota Lama"})
    assert first[0] == 201, first[2]
    private_redis.stop()

    signed_up = web_app.post("/auth/register/", json={
        "email": "baru@example.com", "password": "kopi-ledo-2025", "name": "Anggota Baru"})
    logged_in = web_app.post("/auth/token/", json={"email": "lama@example.com",
                                                    "password": "kopi-ledo-2024"})
    wrong_password = web_app.post("/auth/token/", json={"email": "lama@example.com",
                                                        "password": "kopi-ledo-2023"})

    answers = (signed_up, logged_in, wrong_password)
    assert [status for status, _, _ in answers] == [201, 200, 400], answers
    assert max(seconds for _, seconds, _ in answers) < ANSWER_WITHIN_SECONDS, answers
    assert signed_up[2]["email"] == "baru@example.com"
    assert AuthToken.objects.filter(user__email="lama@example.com").count() == 1
    assert logged_in[2]["expires_at"]
    assert "token" not in wrong_password[2]


# ---------------------------------------------------------------- workers killed


@pytest.fixture
def probe_worker(tmp_path, settings):
    """Start workers (`probe_worker()`, any number) that run the probe tasks on a queue of
    this test's own; the test process sends to that queue."""
    queue = f"outbox-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    workers: list[subprocess.Popen] = []
    logs: list[Path] = []

    def start(**env: str) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(workers) + 1}.log"
        logs.append(log)
        workers.append(worker_start(process_env(tmp_path, settings.REDIS_URL, **env), log,
                                    "-Q", queue, "-I", "tests.events.probe_tasks"))
        return workers[-1]

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


def queue_forget(redis_url: str, queue: str) -> None:
    """Drop what the broker keeps of the test's queue, the killed workers' unacked tasks too."""
    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    for tag, value in client.hscan_iter("unacked"):
        if json.loads(value)[2] == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.delete(queue, *client.keys(f"_kombu.binding*.{queue}"))


def stock_of(variant: Variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def starts_noted(marker: Path) -> int:
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def resend_lost_running_tasks() -> int:
    """What beat's re-sender does once a dead worker's lease on its running task is over."""
    return outbox_resend_due(now=timezone.now() + RUNNING_LEASE + datetime.timedelta(seconds=1))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_leaves_no_effect_and_the_next_worker_does_it_once(
    tmp_path, probe_worker
):
    variant = ProductFactory(variants=[{"stock": 10}]).variants.get()
    marker = tmp_path / "probe-started"
    first_worker = probe_worker()
    with transaction.atomic():
        row = outbox_enqueue(outbox_probe_task, variant_pk=variant.pk, seconds=60,
                             marker=str(marker))
    wait_until(lambda: starts_noted(marker) == 1, seconds=30, what="the first worker started")

    first_worker.send_signal(signal.SIGKILL)
    first_worker.wait(timeout=10)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.RUNNING, 1)
    assert stock_of(variant) == 10  # the killed worker's change was rolled back

    probe_worker()
    sent = resend_lost_running_tasks()
    wait_until(lambda: OutboxTask.objects.get(pk=row.pk).status == Status.DONE, seconds=30,
               what="the second worker finished the task")

    assert sent == 1
    row.refresh_from_db()
    assert row.attempts == 2
    assert stock_of(variant) == 11
    assert starts_noted(marker) == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_that_kills_every_worker_ends_failed_after_the_maximum_attempts(
    tmp_path, probe_worker
):
    variant = ProductFactory(variants=[{"stock": 10}]).variants.get()
    marker = tmp_path / "killer-started"
    first_worker = probe_worker(OUTBOX_MAX_ATTEMPTS="2")
    with transaction.atomic():
        row = outbox_enqueue(outbox_probe_worker_killer_task, variant_pk=variant.pk,
                             marker=str(marker))
    first_worker.wait(timeout=30)
    row.refresh_from_db()
    assert (row.status, row.attempts, stock_of(variant)) == (Status.RUNNING, 1, 10)

    second_worker = probe_worker(OUTBOX_MAX_ATTEMPTS="2")
    sent_to_second = resend_lost_running_tasks()
    second_worker.wait(timeout=30)
    probe_worker(OUTBOX_MAX_ATTEMPTS="2")
    sent_to_third = resend_lost_running_tasks()
    wait_until(lambda: OutboxTask.objects.get(pk=row.pk).status == Status.FAILED, seconds=30,
               what="the third worker gave the task up")

    assert (sent_to_second, sent_to_third) == (1, 1)
    assert (first_worker.returncode, second_worker.returncode) == (-signal.SIGKILL,) * 2
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.last_error == "The worker died on every attempt."
    assert row.finished_at is not None
    assert starts_noted(marker) == 2
    assert stock_of(variant) == 10
