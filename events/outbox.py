"""Durable work for the worker: a task is a row first and a broker message second.

`outbox_enqueue(task, **kwargs)` writes the row in the caller's transaction and
sends the message after commit; a broker that is down costs the request at
most about a second (short timeouts, no publish retries) and the row waits.
`outbox_resend_due()` (celery beat, every 30 s) sends again what was never
picked up, what a killed worker left running, and what waits for its retry.

A task claims its row before its effect and runs the effect under the row's
lock, marking it done in the same transaction: a twin delivery waits, then
finds it done; a worker killed mid-way rolls the effect back, and the task runs
again. Attempts are counted before the effect, so a task that always crashes
ends as failed (visible and retryable in the admin) instead of looping.
Without a broker (the embedded default) the task runs in-process after commit.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from events.models import OutboxTask

logger = logging.getLogger(__name__)
Status = OutboxTask.Status

# Time for a sent task to be picked up before the re-sender sends it again.
PICKUP_GRACE = datetime.timedelta(minutes=5)
# A running task not finished by then belongs to a worker that died.
RUNNING_LEASE = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
RESEND_BATCH = 500


@dataclass(frozen=True)
class Effect:
    function: Callable[..., object]
    retry_on: tuple[type[BaseException], ...]
    max_attempts: int
    # Called (in the transaction that marks the task failed) when it will not run again.
    on_give_up: Callable[..., None] | None


EFFECTS: dict[str, Effect] = {}


def outbox_task(
    *,
    retry_on: tuple[type[BaseException], ...] = (),
    max_attempts: int | None = None,
    on_give_up: Callable[..., None] | None = None,
):
    """Make `function` a Celery task that business code starts with `outbox_enqueue`."""

    def register(function):
        name = f"{function.__module__}.{function.__name__}"
        EFFECTS[name] = Effect(
            function=function, retry_on=retry_on,
            max_attempts=max_attempts or settings.OUTBOX_MAX_ATTEMPTS, on_give_up=on_give_up,
        )

        @shared_task(name=name, ignore_result=True)
        def run(*, outbox_pk: int) -> str:
            return outbox_run(outbox_pk=outbox_pk)

        run.__doc__ = function.__doc__
        return run

    return register


def outbox_enqueue(task, *, now: datetime.datetime | None = None, **kwargs) -> OutboxTask:
    """Write the task in the current transaction; it is sent once the transaction commits."""
    now = now or timezone.now()
    row = OutboxTask.objects.create(
        name=task.name, kwargs=kwargs, created_at=now, next_attempt_at=now + PICKUP_GRACE
    )
    transaction.on_commit(partial(outbox_send, row.pk, row.name), robust=True)
    return row


def outbox_enqueue_many(
    task, kwargs_list: list[dict], *, now: datetime.datetime | None = None
) -> list[OutboxTask]:
    """`outbox_enqueue` for many runs of one task at once: a single insert."""
    now = now or timezone.now()
    rows = OutboxTask.objects.bulk_create(
        OutboxTask(name=task.name, kwargs=kwargs, created_at=now,
                   next_attempt_at=now + PICKUP_GRACE)
        for kwargs in kwargs_list
    )
    for row in rows:
        transaction.on_commit(partial(outbox_send, row.pk, row.name), robust=True)
    return rows


def outbox_waiting(task, key: str) -> QuerySet:
    """The `key` argument (an integer) of the task's unfinished runs, as a subquery.

    For a periodic job not to start again what still waits for a worker.
    """
    value = Cast(KeyTextTransform(key, "kwargs"), BigIntegerField())
    return OutboxTask.objects.filter(
        name=task.name, status__in=[Status.PENDING, Status.RUNNING]
    ).annotate(value=value).filter(value__isnull=False).values("value")


def outbox_send(outbox_pk: int, name: str) -> None:
    """Hand the task to the broker (or run it here without one); a failure only waits."""
    try:
        current_app.tasks[name].apply_async(kwargs={"outbox_pk": outbox_pk})
    except Exception as error:  # broker down or unreachable: the re-sender tries again
        logger.warning("Outbox task %s not sent (%s); it will be re-sent", outbox_pk, error)
        OutboxTask.objects.filter(pk=outbox_pk, status=Status.PENDING).update(
            next_attempt_at=timezone.now()
        )


def outbox_resend_due(*, now: datetime.datetime | None = None) -> int:
    """Send again every task whose time came: never picked up, lost, or due for a retry."""
    now = now or timezone.now()
    with transaction.atomic():
        # A row locked now is being run by a worker: not this sweep's business.
        due = list(
            OutboxTask.objects.select_for_update(skip_locked=True).filter(
                status__in=[Status.PENDING, Status.RUNNING], next_attempt_at__lte=now
            ).order_by("next_attempt_at", "pk").values_list("pk", "name")[:RESEND_BATCH]
        )
        # Not again on the next sweep, unless this send is lost too.
        OutboxTask.objects.filter(pk__in=[pk for pk, _ in due]).update(
            next_attempt_at=now + PICKUP_GRACE
        )
    for pk, name in due:
        outbox_send(pk, name)
    return len(due)


def outbox_retry(*, outbox_pk: int) -> None:
    """Try a failed task again from scratch (the admin's action)."""
    updated = OutboxTask.objects.filter(pk=outbox_pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, finished_at=None, next_attempt_at=timezone.now()
    )
    if updated:
        outbox_send(outbox_pk, OutboxTask.objects.values_list("name", flat=True).get(pk=outbox_pk))


def outbox_run(*, outbox_pk: int) -> str:
    """Claim the task, then run its effect under the row's lock; returns what happened."""
    name = _claim(outbox_pk)
    if name is None:
        return "skipped"
    effect = EFFECTS[name]
    try:
        with transaction.atomic():
            row = OutboxTask.objects.select_for_update().get(pk=outbox_pk)
            if row.status != Status.RUNNING:
                return "skipped"  # a twin delivery finished it while this one waited
            effect.function(**row.kwargs)
            row.status = Status.DONE
            row.finished_at = timezone.now()
            row.save(update_fields=["status", "finished_at"])
    except Exception as error:
        _record_failure(outbox_pk, effect, error)
        return "failed"
    return "done"


@transaction.atomic
def _claim(outbox_pk: int) -> str | None:
    """Count the attempt and mark the row running; None when there is nothing to run."""
    row = OutboxTask.objects.select_for_update().filter(pk=outbox_pk).first()
    if row is None or row.status in (Status.DONE, Status.FAILED):
        return None
    effect = EFFECTS.get(row.name)
    if effect is None:
        _give_up(row, None, f"No such task: {row.name}")
        return None
    if row.attempts >= effect.max_attempts:
        _give_up(row, effect, row.last_error or "The worker died on every attempt.")
        return None
    row.attempts += 1
    row.status = Status.RUNNING
    row.next_attempt_at = timezone.now() + RUNNING_LEASE
    row.save(update_fields=["attempts", "status", "next_attempt_at"])
    return row.name


@transaction.atomic
def _record_failure(outbox_pk: int, effect: Effect, error: Exception) -> None:
    row = OutboxTask.objects.select_for_update().get(pk=outbox_pk)
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, effect.retry_on) and row.attempts < effect.max_attempts:
        logger.warning("Outbox task %s (%s) failed, will retry: %s", row.pk, row.name, error)
        row.status = Status.PENDING
        row.next_attempt_at = timezone.now() + backoff(row.attempts)
        row.save(update_fields=["last_error", "status", "next_attempt_at"])
        return
    logger.error("Outbox task %s (%s) failed for good: %s", row.pk, row.name, error,
                 exc_info=error)
    _give_up(row, effect, row.last_error)


def _give_up(row: OutboxTask, effect: Effect | None, error: str) -> None:
    row.status = Status.FAILED
    row.last_error = error
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "last_error", "finished_at"])
    if effect is not None and effect.on_give_up is not None:
        try:
            with transaction.atomic():
                effect.on_give_up(**row.kwargs, error=error)
        except Exception as hook_error:  # the row still ends failed, for someone to look at
            logger.exception("Giving up outbox task %s failed too", row.pk)
            row.last_error = f"{error}\nWhile giving up: {type(hook_error).__name__}: {hook_error}"
            row.save(update_fields=["last_error"])


def backoff(attempts: int) -> datetime.timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return datetime.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
