"""How a notification leaves: an in-app row, an e-mail, a message through the gateway.

Each sender takes the rendered message; a failure worth retrying raises one of
RETRYABLE (the outbox tries again with backoff), anything else fails the delivery.
"""

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from market.models import Notification, NotificationDelivery, User
from market.notifications.messages import Message


class GatewayUnavailable(Exception):
    """The gateway answered 5xx, timed out or could not be reached: worth another try."""


class GatewayRefused(Exception):
    """The gateway refused the message (4xx): sending it again would not help."""


# SMTP errors and socket timeouts are OSErrors.
RETRYABLE = (OSError, GatewayUnavailable)


def in_app_store(*, delivery: NotificationDelivery, message: Message) -> Notification:
    return Notification.objects.create(
        recipient_id=delivery.recipient_id, kind=delivery.kind, title=message.title,
        body=message.body, link=message.link, created_at=timezone.now(),
    )


def email_send(*, recipient: User, message: Message,
               attachments: list[tuple[str, bytes, str]] = ()) -> None:
    """Plain text and HTML, in the recipient's language, through Django's mail backend."""
    link = settings.SITE_URL + message.link if message.link.startswith("/") else message.link
    context = {"title": message.title, "body": message.body, "link": link,
               "name": " ".join(recipient.name.split())}
    with translation.override(recipient.language or "id"):
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    mail = EmailMultiAlternatives(message.title, text, None, [recipient.email])
    mail.attach_alternative(html, "text/html")
    for name, content, content_type in attachments:
        mail.attach(name, content, content_type)
    mail.send()


def gateway_enabled() -> bool:
    return bool(settings.NOTIFY_GATEWAY_URL)


def gateway_send(*, recipient: User, message: Message, kind: str) -> None:
    """POST the message as JSON to the WhatsApp/SMS gateway, with its bearer token."""
    link = settings.SITE_URL + message.link if message.link.startswith("/") else message.link
    try:
        response = requests.post(
            settings.NOTIFY_GATEWAY_URL,
            json={"to": recipient.phone, "kind": kind, "title": message.title,
                  "text": f"{message.title}\n{message.body}\n{link}".strip(),
                  "language": recipient.language},
            headers={"Authorization": f"Bearer {settings.NOTIFY_GATEWAY_TOKEN}"},
            timeout=settings.NOTIFY_GATEWAY_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:  # timeout, refused connection, DNS
        raise GatewayUnavailable(f"{type(error).__name__}: {error}") from error
    if response.status_code >= 500:
        raise GatewayUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
    if response.status_code >= 400:
        raise GatewayRefused(f"HTTP {response.status_code}: {response.text[:200]}")
