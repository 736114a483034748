"""The Celery app.

Business code never enqueues directly: it writes an outbox row in its
transaction (`events.outbox.outbox_enqueue`), sent to the broker after commit
and re-sent by the `outbox-resend-due` beat job if it never got there. The
app's task class is Celery's DjangoTask. Without REDIS_URL tasks run
in-process (eagerly) right after the commit.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "market.settings")

app = Celery("market", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
