from django.core.management.base import BaseCommand

from events.outbox import outbox_resend_due


class Command(BaseCommand):
    help = "Send again the outbox tasks that are due (what celery beat does every 30 s)."

    def handle(self, *args, **options):
        sent = outbox_resend_due()
        self.stdout.write(f"{sent} tasks sent")
