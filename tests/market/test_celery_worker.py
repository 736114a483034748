"""A real `celery worker` process, against Redis and the test database, runs a task end to end."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from market.celery import app as celery_app
from market.services import cooperatives
from tests.factories import CooperativeFactory, DinasOfficerFactory, MembershipFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_worker(tmp_path, settings):
    """Start a worker on the test database; its e-mails land as files in tmp_path/mail."""
    db = connection.settings_dict
    mail_dir = tmp_path / "mail"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "market.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    queue = f"test-{os.getpid()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "market", "worker", "--pool=solo",
         "--concurrency=1", "-Q", f"{queue},celery", "--loglevel=INFO", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    eager, default_queue = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield mail_dir
    finally:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.task_default_queue = default_queue
        worker.terminate()
        output, _ = worker.communicate(timeout=20)
        sys.stderr.write(output)  # shown by pytest when the test fails


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_verification_mail_after_commit(live_worker):
    # The worker's own fan-out enqueues the delivery on its default queue, hence -Q ...,celery.
    cooperative = CooperativeFactory(status="pending", name="Koperasi Rotan Capkala")
    MembershipFactory(cooperative=cooperative, role="owner",
                      user=UserFactory(email="ketua@rotan.id"))
    officer = DinasOfficerFactory(regions=[cooperative.region]).user

    cooperatives.cooperative_verify(actor=officer, cooperative=cooperative, decision="verified")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(live_worker.glob("*.log")):
        time.sleep(0.2)
    sent = [path.read_text() for path in live_worker.glob("*.log")]
    assert len(sent) == 1, "the worker did not send the mail within 60 s"
    assert "To: ketua@rotan.id" in sent[0]
    assert "Koperasi Rotan Capkala" in sent[0]
