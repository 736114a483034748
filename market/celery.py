"""The Celery app.

Tasks are enqueued after the current transaction commits with
`some_task.delay_on_commit(...)`: the app's task class is Celery's DjangoTask,
so a worker never sees a row that was rolled back or is not yet visible.
Without REDIS_URL the tasks run in-process (eagerly) at that same moment.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "market.settings")

app = Celery("market", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
