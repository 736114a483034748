"""The beat schedule: every entry names a task a worker knows, at the hour it means in Jakarta."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from market.celery import app

JAKARTA = ZoneInfo("Asia/Jakarta")
@pytest.fixture(scope="module")
def registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker imports at start (autodiscovery)
    return set(app.tasks)


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_beat_entry_names_a_registered_task(entry, registered):
    task = settings.CELERY_BEAT_SCHEDULE[entry]["task"]
    assert task in registered, f"beat entry {entry!r}: no task {task!r}"


def next_run(entry: str, after: datetime.datetime) -> datetime.datetime:
    """When beat runs a crontab entry next, had it last run at `after`."""
    schedule = settings.CELERY_BEAT_SCHEDULE[entry]["schedule"]
    schedule.app = app  # its time zone is the app's
    start, delta, _now = schedule.remaining_delta(after)
    return start + delta


def jakarta(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JAKARTA)


def test_beat_reads_its_hours_in_jakarta_time():
    assert str(app.timezone) == "Asia/Jakarta"
    # 06:00 in Jakarta is 23:00 UTC the day before: still the same day's 07:00 is next.
    after = datetime.datetime(2026, 3, 9, 23, 0, tzinfo=datetime.UTC)
    assert next_run("low-stock-digest", after) == jakarta(2026, 3, 10, 7, 0)
    assert next_run("low-stock-digest", jakarta(2026, 3, 10, 7, 0)) == jakarta(2026, 3, 11, 7, 0)


def test_the_monthly_report_runs_on_the_first_at_seven_in_jakarta():
    after = datetime.datetime(2026, 1, 31, 23, 0, tzinfo=datetime.UTC)  # 1 Feb, 06:00 WIB
    assert next_run("monthly-reports", after) == jakarta(2026, 2, 1, 7, 0)
    assert next_run("monthly-reports", jakarta(2026, 2, 1, 7, 0)) == jakarta(2026, 3, 1, 7, 0)
    assert next_run("monthly-reports", jakarta(2026, 12, 1, 7, 0)) == jakarta(2027, 1, 1, 7, 0)


def test_the_order_jobs_fan_out_often_enough_and_are_dropped_when_stale():
    """A run that waited past the next one (no worker) is dropped: the next run does it all."""
    for entry in ("orders-expire-unpaid", "orders-auto-deliver", "orders-auto-complete"):
        job = settings.CELERY_BEAT_SCHEDULE[entry]
        assert job["options"]["expires"] == job["schedule"] <= 3600
