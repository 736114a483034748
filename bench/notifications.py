"""Notifications per second: a real `celery worker` delivering e-mails to a local SMTP server.

`.venv/bin/python bench/run.py --only notifications [--notifications 2000]
[--concurrency 4 1]`. Starts a Redis of its own (redis-server on a free port) and an
aiosmtpd server in this process, writes N e-mail deliveries (the fan-out's output: a
NotificationDelivery and its outbox task each) in one transaction, and times from that
commit until the SMTP server has accepted all N and every delivery is marked sent, for one
worker run as `make worker` runs it at each --concurrency. Beside it, from the same run:
the same count sent synchronously in this process, by Django's SMTP backend alone
(rendered beforehand), by `notification_deliver` (lock, render, send, mark) and by
`outbox_run` (the worker's whole task: claim, then the delivery, two commits), without
the broker.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from harness import say

ROOT = Path(__file__).absolute().parent.parent
RECIPIENTS = 100  # bench-notify-N@pasar.test, half reading English, half Bahasa
DELIVER_TASK = "market.tasks.notification_deliver_task"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.05)


class Counter:
    """aiosmtpd handler that accepts and counts every message."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            self.count += 1
        return "250 Message accepted for delivery"


def notifications_bench(args) -> int:
    """Entry point from run.py (before Django is set up: the broker must be in the settings)."""
    from aiosmtpd.controller import Controller

    redis_port, smtp_port = free_port(), free_port()
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    os.environ |= {
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "EMAIL_USE_TLS": "0",
    }
    try:
        import logging

        import django

        django.setup()
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
        from django.core.management import call_command
        from django.db import connection

        say(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
            f"{os.cpu_count()} CPUs")
        call_command("migrate", verbosity=0)
        recipients = recipients_ensure()
        count = args.notifications
        say(f"{count:,} e-mail notifications to {len(recipients)} recipients, "
            "local SMTP server (aiosmtpd)\n")
        rows = [
            ("Django SMTP backend alone, in-process", smtp_alone(count, recipients, counter)),
            ("notification_deliver, in-process", deliver_in_process(count, recipients, counter)),
            ("outbox_run(notification_deliver_task), in-process",
             outbox_run_in_process(count, recipients, counter)),
        ]
        for concurrency in args.concurrency:
            rows.append((f"celery worker, prefork, concurrency {concurrency}",
                         worker_run(count, recipients, counter, concurrency)))
        say(f"{'path':<48} {'seconds':>8} {'per second':>11} {'× in-process':>13}")
        say("-" * 83)
        baseline = rows[1][1]
        for name, seconds in rows:
            say(f"{name:<48} {seconds:>8.2f} {count / seconds:>11.0f} "
                f"{baseline / seconds:>13.2f}")
    finally:
        smtp.stop()
        redis_server.kill()
        redis_server.wait(timeout=10)
    return 0


def recipients_ensure() -> list:
    from market.models import User

    users = []
    for number in range(RECIPIENTS):
        user, _created = User.objects.get_or_create(
            email=f"bench-notify-{number}@pasar.test",
            defaults={"name": f"Penerima Uji {number}", "language": ("en", "id")[number % 2]},
        )
        users.append(user)
    return users


def deliveries_make(count: int, recipients: list, *, enqueue: bool) -> list[int]:
    """`count` e-mail deliveries of an order placed, as the fan-out writes them.

    With `enqueue`, each gets its outbox task, sent to the broker when this commits.
    """
    from django.db import transaction

    from events.outbox import outbox_enqueue_many
    from market.models import NotificationDelivery
    from market.tasks import notification_deliver_task

    run = uuid.uuid4().hex[:8]
    with transaction.atomic():
        deliveries = NotificationDelivery.objects.bulk_create(
            NotificationDelivery(
                source=f"bench:{run}:{index // len(recipients)}",
                recipient=recipients[index % len(recipients)],
                channel=NotificationDelivery.Channel.EMAIL, kind="order_placed",
                data={"number": f"PK-BENCH-{index:06d}", "cooperative": "Koperasi Uji Kinerja",
                      "total": "Rp125.000", "link": f"/api/v1/orders/PK-BENCH-{index:06d}/"},
            )
            for index in range(count)
        )
        if enqueue:
            tasks = outbox_enqueue_many(
                notification_deliver_task, [{"delivery_pk": row.pk} for row in deliveries]
            )
            for delivery, task in zip(deliveries, tasks, strict=True):
                delivery.outbox_task = task
            NotificationDelivery.objects.bulk_update(deliveries, ["outbox_task"])
    return [row.pk for row in deliveries]


def deliveries_forget(pks: list[int]) -> None:
    from events.models import OutboxTask
    from market.models import NotificationDelivery

    task_pks = list(NotificationDelivery.objects.filter(pk__in=pks, outbox_task__isnull=False)
                    .values_list("outbox_task_id", flat=True))
    NotificationDelivery.objects.filter(pk__in=pks).delete()
    OutboxTask.objects.filter(pk__in=task_pks).delete()


def smtp_alone(count: int, recipients: list, counter: Counter) -> float:
    """Only the SMTP backend: pre-rendered mails, one connection each (as email_send does)."""
    from django.core.mail import EmailMultiAlternatives

    mails = []
    for index in range(count):
        mail = EmailMultiAlternatives(f"Order PK-BENCH-{index:06d} placed", "Hello\n" * 10,
                                      None, [recipients[index % len(recipients)].email])
        mail.attach_alternative("<p>Hello</p>" * 10, "text/html")
        mails.append(mail)
    before = counter.count
    started = time.perf_counter()
    for mail in mails:
        mail.send()
    seconds = time.perf_counter() - started
    assert counter.count - before == count
    return seconds


def deliver_in_process(count: int, recipients: list, counter: Counter) -> float:
    from market.notifications.services import notification_deliver

    pks = deliveries_make(count, recipients, enqueue=False)
    before = counter.count
    started = time.perf_counter()
    for pk in pks:
        notification_deliver(delivery_pk=pk)
    seconds = time.perf_counter() - started
    assert counter.count - before == count
    deliveries_forget(pks)
    return seconds


def outbox_run_in_process(count: int, recipients: list, counter: Counter) -> float:
    """What a worker runs per task (claim, lock, send, mark: two commits), without Celery."""
    from django.utils import timezone

    from events.models import OutboxTask
    from events.outbox import outbox_run
    from market.models import NotificationDelivery

    pks = deliveries_make(count, recipients, enqueue=False)
    now = timezone.now()
    tasks = OutboxTask.objects.bulk_create(  # written, never sent to the broker
        OutboxTask(name=DELIVER_TASK, kwargs={"delivery_pk": pk}, created_at=now,
                   next_attempt_at=now)
        for pk in pks
    )
    NotificationDelivery.objects.bulk_update(
        [NotificationDelivery(pk=pk, outbox_task_id=task.pk)
         for pk, task in zip(pks, tasks, strict=True)], ["outbox_task"]
    )
    before = counter.count
    started = time.perf_counter()
    for task in tasks:
        outbox_run(outbox_pk=task.pk)
    seconds = time.perf_counter() - started
    assert counter.count - before == count
    deliveries_forget(pks)
    return seconds


def worker_run(count: int, recipients: list, counter: Counter, concurrency: int) -> float:
    """Start a worker as `make worker` does, commit `count` deliveries, time until all sent."""
    from django.conf import settings
    from django.db import connection

    from market.models import NotificationDelivery

    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    log = ROOT / "bench" / "results" / f"notifications-worker-{concurrency}.log"
    log.parent.mkdir(exist_ok=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "market", "worker", "--loglevel", "INFO",
         "--concurrency", str(concurrency), "--max-tasks-per-child", "200", "-O", "fair",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: " ready." in log.read_text(), seconds=60, what="the worker was ready")
        before = counter.count
        started = time.perf_counter()
        pks = deliveries_make(count, recipients, enqueue=True)
        sent = NotificationDelivery.objects.filter(pk__in=pks, status="sent")
        wait_until(lambda: counter.count - before >= count and sent.count() == count,
                   seconds=600, what=f"{count} notifications delivered")
        seconds = time.perf_counter() - started
        assert counter.count - before == count, "a notification was mailed twice"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    deliveries_forget(pks)
    return seconds
