"""Celery tasks of the marketplace core: take ids, load fresh, call one function."""

from django.core.mail import send_mail
from django.utils.translation import gettext as _

from events.outbox import outbox_task
from market.models import Cooperative, Membership


@outbox_task(retry_on=(OSError,))
def cooperative_decision_email_task(*, cooperative_pk: int) -> int:
    """Tell a cooperative's owners the dinas decision on it; returns mails sent."""
    cooperative = Cooperative.objects.filter(pk=cooperative_pk).first()
    if cooperative is None:
        return 0
    owners = Membership.objects.filter(
        cooperative=cooperative, role=Membership.Role.OWNER
    ).values_list("user__email", flat=True)
    subject = _("Your cooperative %(name)s is now %(status)s") % {
        "name": cooperative.name,
        "status": cooperative.get_status_display(),
    }
    body = cooperative.status_note or subject
    return send_mail(subject, body, None, list(owners))
