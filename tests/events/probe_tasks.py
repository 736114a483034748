"""Outbox tasks for the worker tests only: a slow one to kill mid-way, one that kills its worker.

A worker loads them with `celery -A market worker -I tests.events.probe_tasks`; the test process
imports this module so that it can send them.
"""

import os
import signal
import time
from pathlib import Path

from celery import current_task
from django.db.models import F

from catalog.models import Variant
from events.outbox import outbox_task


@outbox_task()
def outbox_probe_task(*, variant_pk: int, seconds: float, marker: str) -> None:
    """Add 1 to the stock, note the start in `marker`, then (the first time) sleep `seconds`.

    The stock changes before the sleep, so a worker killed while sleeping shows whether the
    change was rolled back with it.
    """
    Variant.objects.filter(pk=variant_pk).update(stock=F("stock") + 1)
    path = Path(marker)
    first_run = not path.exists()
    with path.open("a") as notes:
        notes.write("started\n")
    if first_run:
        time.sleep(seconds)


@outbox_task()
def outbox_probe_worker_killer_task(*, variant_pk: int, marker: str) -> None:
    """Add 1 to the stock, note the start in `marker`, then kill the worker running it."""
    if current_task.request.is_eager:
        raise RuntimeError("Only a worker process may run this task: it kills its process.")
    Variant.objects.filter(pk=variant_pk).update(stock=F("stock") + 1)
    with Path(marker).open("a") as notes:
        notes.write("started\n")
    os.kill(os.getpid(), signal.SIGKILL)
