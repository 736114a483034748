"""Notifications: each event tells the right people, on their channels, in their language, once."""

import datetime
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from events.models import OutboxTask
from events.outbox import outbox_run
from market.models import Cooperative, Notification, NotificationDelivery, User
from market.notifications import services
from market.services import cooperatives as cooperative_services
from market.services import members
from orders.models import Order
from orders.services import lifecycle
from payments import settlement
from payments.models import Refund
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    district,
    order_placed,
)

pytestmark = pytest.mark.django_db
Status = NotificationDelivery.Status
DELIVER_TASK = "market.tasks.notification_deliver_task"


@pytest.fixture
def shop():
    cooperative = CooperativeFactory(name="Koperasi Sanggau Ledo", region=district("61.07.04"))
    staff = MembershipFactory(cooperative=cooperative, role="staff",
                              user=UserFactory(email="staf@ledo.id", language="id")).user
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000, "stock": 50}])
    buyer = UserFactory(email="buyer@example.com", language="en")
    return {"cooperative": cooperative, "staff": staff, "buyer": buyer,
            "variant": product.variants.get()}


def told(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk")
                .values_list("kind", flat=True))


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


# ---------------------------------------------------------------- who hears what


def test_an_order_placed_tells_the_buyer_in_english_and_the_staff_in_bahasa(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(buyer=shop["buyer"], variant=shop["variant"], quantity=2)

    assert told(shop["buyer"]) == ["order_placed"]
    assert told(shop["staff"]) == ["order_placed"]
    [to_buyer], [to_staff] = mails_to("buyer@example.com"), mails_to("staf@ledo.id")
    assert to_buyer.subject == f"Order {order.number} placed"
    assert "Rp50.000" in to_buyer.body
    assert "Hello" in to_buyer.body
    assert to_staff.subject == f"Pesanan {order.number} dibuat"
    assert "Halo" in to_staff.body
    html, content_type = to_staff.alternatives[0]
    assert content_type == "text/html"
    assert f"/api/v1/orders/{order.number}/" in html
    assert 'lang="id"' in html
    notification = Notification.objects.get(recipient=shop["buyer"])
    assert notification.title == f"Order {order.number} placed"
    assert notification.link == f"/api/v1/orders/{order.number}/"


def test_an_order_walked_to_delivery_tells_each_step_to_the_right_people(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(buyer=shop["buyer"], variant=shop["variant"],
                             status=Order.Status.DELIVERED, staff=shop["staff"])

    assert told(shop["buyer"]) == ["order_placed", "order_paid", "order_accepted",
                                   "order_shipped", "order_delivered"]
    assert told(shop["staff"]) == ["order_placed", "order_paid", "order_delivered"]
    shipped = Notification.objects.get(recipient=shop["buyer"], kind="order_shipped")
    assert "JNE" in shipped.body
    assert "JNE-0001" in shipped.body
    assert len(mails_to("buyer@example.com")) == 5
    assert NotificationDelivery.objects.filter(status=Status.PENDING).count() == 0
    assert order.status == Order.Status.DELIVERED


def test_a_cancelled_paid_order_and_its_refund_are_told(
    shop, django_capture_on_commit_callbacks
):
    order = order_placed(buyer=shop["buyer"], variant=shop["variant"], status=Order.Status.PAID)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.order_cancel(order_pk=order.pk, actor=shop["buyer"], reason="Salah pesan")

    assert Refund.objects.get(order=order).status == Refund.Status.SUCCEEDED
    assert told(shop["buyer"]) == ["order_cancelled", "order_refunded"]
    assert told(shop["staff"]) == ["order_cancelled"]
    [refunded] = [m for m in mails_to("buyer@example.com") if "refunded" in m.subject]
    assert "Rp25.000" in refunded.body


def test_a_failed_refund_is_told_to_finance_only(shop, django_capture_on_commit_callbacks):
    finance = UserFactory(email="keuangan@pasar.id")
    finance.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="manage_finance")
    )
    order = order_placed(buyer=shop["buyer"], variant=shop["variant"], status=Order.Status.PAID)
    with django_capture_on_commit_callbacks():  # the refund is not sent to its provider
        lifecycle.order_cancel(order_pk=order.pk, actor=shop["buyer"], reason="Salah pesan")
    refund = Refund.objects.get(order=order)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        settlement.refund_failed(refund_pk=refund.pk, reason="Rekening ditutup")

    assert told(finance) == ["refund_failed"]
    assert told(shop["buyer"]) == []
    assert "Rekening ditutup" in Notification.objects.get(recipient=finance).body
    assert len(mails_to("keuangan@pasar.id")) == 1


@pytest.mark.parametrize("decision", ["verified", "rejected", "suspended"])
def test_a_dinas_decision_tells_the_owner_not_the_staff(
    decision, django_capture_on_commit_callbacks
):
    cooperative = CooperativeFactory(status="pending", region=district("61.07.05"),
                                     name="Koperasi Rotan")
    owner = MembershipFactory(cooperative=cooperative, role="owner").user
    staff = MembershipFactory(cooperative=cooperative, role="staff").user
    officer = DinasOfficerFactory(regions=[district("61.07.05").parent]).user

    with django_capture_on_commit_callbacks(execute=True):
        cooperative_services.cooperative_verify(actor=officer, cooperative=cooperative,
                                                decision=decision, note="Catatan dinas")

    assert told(owner) == [f"cooperative_{decision}"]
    assert told(staff) == []
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "Koperasi Rotan" in message.subject
    assert "Catatan dinas" in message.body


def test_a_new_cooperative_tells_the_officers_of_its_region_only(
    django_capture_on_commit_callbacks
):
    regency_officer = DinasOfficerFactory(regions=[district("61.07.04").parent]).user
    district_officer = DinasOfficerFactory(regions=[district("61.07.04")]).user
    elsewhere = DinasOfficerFactory(regions=[district("61.07.06")]).user
    owner = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        cooperative = cooperative_services.cooperative_register(
            owner=owner, name="Koperasi Baru", nik="6107999999999999",
            legal_number="AHU-1", kind="produsen", region="61.07.04",
            address="Jl. Baru 1", phone="0812",
        )

    assert told(regency_officer) == told(district_officer) == ["cooperative_pending"]
    assert told(elsewhere) == []
    assert told(owner) == []
    assert {tuple(m.to) for m in mail.outbox} == {(regency_officer.email,),
                                                 (district_officer.email,)}
    assert cooperative.status == Cooperative.Status.PENDING


def test_an_invitation_tells_a_verified_invitee_in_app_besides_its_own_mail(
    shop, django_capture_on_commit_callbacks
):
    owner = MembershipFactory(cooperative=shop["cooperative"], role="owner").user

    with django_capture_on_commit_callbacks(execute=True):
        members.invitation_send(actor=owner, cooperative=shop["cooperative"],
                                email=shop["buyer"].email, role="staff")

    assert told(shop["buyer"]) == ["member_invited"]
    assert len(mails_to(shop["buyer"].email)) == 1  # the invitation mail alone
    assert not NotificationDelivery.objects.filter(channel="email").exists()


def test_the_low_stock_digest_lists_a_days_low_variants_once_for_each_staff(
    shop, django_capture_on_commit_callbacks
):
    from catalog.stock import stock_set

    other = ProductFactory(cooperative=shop["cooperative"], variants=[{"stock": 9}])
    day = datetime.date(2026, 3, 2)
    at = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        stock_set(variant=shop["variant"], stock=2, actor=shop["staff"], now=at)
        stock_set(variant=other.variants.get(), stock=1, actor=shop["staff"], now=at)
    assert told(shop["staff"]) == []  # not one message per variant

    with django_capture_on_commit_callbacks(execute=True):
        services.low_stock_digest_send(day=day)
        services.low_stock_digest_send(day=day)

    [digest] = Notification.objects.filter(recipient=shop["staff"])
    assert digest.kind == "low_stock"
    assert shop["variant"].sku in digest.body
    assert other.variants.get().sku in digest.body
    assert "sisa 2" in digest.body  # Bahasa: the staff's language
    assert mail.outbox == []  # e-mail is off by default for low stock
    assert services.low_stock_digest_send(day=day + datetime.timedelta(days=1)) == 0


def test_the_monthly_report_reaches_each_officer_with_the_workbook_once(
    django_capture_on_commit_callbacks
):
    CooperativeFactory(region=district("61.07.04"))
    officer = DinasOfficerFactory(regions=[district("61.07.04").parent]).user
    march = datetime.date(2026, 3, 1)

    with django_capture_on_commit_callbacks(execute=True):
        services.monthly_reports_send(month=march)
        services.monthly_reports_send(month=march)

    assert told(officer) == ["monthly_report"]
    [message] = mail.outbox
    assert message.to == [officer.email]
    assert "Maret 2026" in message.subject
    [(name, content, content_type)] = message.attachments
    assert name.endswith(".xlsx")
    assert "2026-03" in name
    assert content_type.startswith("application/vnd.openxmlformats")
    assert "Ringkasan" in load_workbook(io.BytesIO(content)).sheetnames


# ---------------------------------------------------------------- exactly once, failures


def _verified_owner_delivery(django_capture_on_commit_callbacks) -> NotificationDelivery:
    cooperative = CooperativeFactory(status="pending", region=district("61.07.05"))
    MembershipFactory(cooperative=cooperative, role="owner",
                      user=UserFactory(email="ketua@rotan.id", phone="081234"))
    officer = DinasOfficerFactory(regions=[district("61.07.05")]).user
    with django_capture_on_commit_callbacks(execute=True):
        cooperative_services.cooperative_verify(actor=officer, cooperative=cooperative,
                                                decision="verified")
    return NotificationDelivery.objects.get(channel="email")


def test_a_delivery_task_run_twice_sends_one_mail(django_capture_on_commit_callbacks):
    delivery = _verified_owner_delivery(django_capture_on_commit_callbacks)
    twin = OutboxTask.objects.create(name=DELIVER_TASK, kwargs={"delivery_pk": delivery.pk},
                                     next_attempt_at=delivery.created_at)

    assert outbox_run(outbox_pk=twin.pk) == "done"
    assert services.notification_deliver(delivery_pk=delivery.pk) == "skipped"

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 1)
    assert delivery.sent_at is not None


def test_a_second_fan_out_of_the_same_event_delivers_nothing_again(
    django_capture_on_commit_callbacks
):
    delivery = _verified_owner_delivery(django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        made = services.notifications_fan_out(event_pk=delivery.event_id)

    assert made == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


class Gateway(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[str, bytes]] = []
    delay = 0.0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((self.headers["Authorization"], body))
        time.sleep(Gateway.delay)
        status = Gateway.answers.pop(0) if Gateway.answers else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    Gateway.answers, Gateway.received, Gateway.delay = [], [], 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFY_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.NOTIFY_GATEWAY_TOKEN = "rahasia"
    settings.NOTIFY_GATEWAY_TIMEOUT_SECONDS = 0.5
    yield Gateway
    server.shutdown()
    server.server_close()


def _gateway_on_for_verifications(user_email: str) -> None:
    user = UserFactory(email=user_email, phone="081234")
    services.preferences_update(user=user, changes=[
        {"kind": "cooperative_verified", "gateway": True, "email": False},
    ])


def test_the_gateway_gets_json_with_the_bearer_token_and_a_500_is_retried_then_sent(
    gateway, django_capture_on_commit_callbacks
):
    _gateway_on_for_verifications("ketua@rotan.id")
    gateway.answers = [500]

    cooperative = CooperativeFactory(status="pending", region=district("61.07.05"))
    MembershipFactory(cooperative=cooperative, role="owner",
                      user=User.objects.get(email="ketua@rotan.id"))
    officer = DinasOfficerFactory(regions=[district("61.07.05")]).user
    with django_capture_on_commit_callbacks(execute=True):
        cooperative_services.cooperative_verify(actor=officer, cooperative=cooperative,
                                                decision="verified")

    delivery = NotificationDelivery.objects.get(channel="gateway")
    row = delivery.outbox_task
    assert (delivery.status, row.status, row.attempts) == (Status.PENDING, "pending", 1)
    assert "HTTP 500" in row.last_error
    assert row.next_attempt_at > row.created_at  # backoff before the next try
    assert outbox_run(outbox_pk=row.pk) == "done"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)
    assert len(gateway.received) == 2
    authorization, body = gateway.received[-1]
    assert authorization == "Bearer rahasia"
    assert b'"to": "081234"' in body
    assert b"diverifikasi" in body
    assert mail.outbox == []  # e-mail turned off


def test_a_gateway_that_keeps_failing_ends_failed_and_the_admin_sends_it_again(
    gateway, settings, admin_client, django_capture_on_commit_callbacks
):
    settings.NOTIFY_GATEWAY_TIMEOUT_SECONDS = 0.2
    _gateway_on_for_verifications("ketua@rotan.id")
    gateway.delay = 0.5  # every try times out
    cooperative = CooperativeFactory(status="pending", region=district("61.07.05"))
    MembershipFactory(cooperative=cooperative, role="owner",
                      user=User.objects.get(email="ketua@rotan.id"))
    officer = DinasOfficerFactory(regions=[district("61.07.05")]).user
    with django_capture_on_commit_callbacks(execute=True):
        cooperative_services.cooperative_verify(actor=officer, cooperative=cooperative,
                                                decision="verified")
    delivery = NotificationDelivery.objects.get(channel="gateway")

    started = time.monotonic()
    while delivery.outbox_task.status != "failed":
        outbox_run(outbox_pk=delivery.outbox_task_id)
        delivery.refresh_from_db()
        delivery.outbox_task.refresh_from_db()
    per_try = (time.monotonic() - started) / settings.NOTIFY_MAX_ATTEMPTS

    assert per_try < 0.45  # the timeout, not the gateway's delay, bounds a try
    assert delivery.status == Status.FAILED
    assert delivery.attempts == settings.NOTIFY_MAX_ATTEMPTS
    assert "Timeout" in delivery.last_error

    gateway.delay = 0.0
    response = admin_client.post(
        reverse("admin:market_notificationdelivery_changelist"),
        {"action": "retry", "_selected_action": [delivery.pk]},
    )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 1)


def test_a_gateway_refusal_fails_at_once(gateway, django_capture_on_commit_callbacks):
    _gateway_on_for_verifications("ketua@rotan.id")
    gateway.answers = [400]
    cooperative = CooperativeFactory(status="pending", region=district("61.07.05"))
    MembershipFactory(cooperative=cooperative, role="owner",
                      user=User.objects.get(email="ketua@rotan.id"))
    officer = DinasOfficerFactory(regions=[district("61.07.05")]).user
    with django_capture_on_commit_callbacks(execute=True):
        cooperative_services.cooperative_verify(actor=officer, cooperative=cooperative,
                                                decision="verified")

    delivery = NotificationDelivery.objects.get(channel="gateway")
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert "HTTP 400" in delivery.last_error


def test_without_a_gateway_url_or_a_phone_nothing_goes_to_the_gateway(
    shop, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_GATEWAY_URL = ""
    services.preferences_update(user=shop["buyer"], changes=[
        {"kind": "order_placed", "gateway": True},
    ])

    with django_capture_on_commit_callbacks(execute=True):
        order_placed(buyer=shop["buyer"], variant=shop["variant"])

    assert not NotificationDelivery.objects.filter(channel="gateway").exists()


# ---------------------------------------------------------------- preferences


def test_preferences_default_and_a_turned_off_email_is_not_sent(
    shop, user_client, django_capture_on_commit_callbacks
):
    client = user_client(shop["buyer"])
    defaults = {row["kind"]: row for row in client.get("/api/v1/me/notification-preferences/")
                .json()["preferences"]}
    assert defaults["order_placed"] == {"kind": "order_placed", "in_app": True, "email": True,
                                        "gateway": False}
    assert defaults["low_stock"]["email"] is False
    assert defaults["monthly_report"]["email"] is True

    response = client.patch("/api/v1/me/notification-preferences/",
                            {"preferences": [{"kind": "order_placed", "email": False}]},
                            format="json")
    with django_capture_on_commit_callbacks(execute=True):
        order_placed(buyer=shop["buyer"], variant=shop["variant"])

    assert response.status_code == 200
    changed = {row["kind"]: row for row in response.json()["preferences"]}
    assert changed["order_placed"]["email"] is False
    assert told(shop["buyer"]) == ["order_placed"]  # in-app always
    assert mails_to("buyer@example.com") == []
    assert len(mails_to("staf@ledo.id")) == 1


@pytest.mark.parametrize("body", [
    {"preferences": [{"kind": "member_invited", "email": True}]},
    {"preferences": [{"kind": "no_such_kind", "email": True}]},
    {"preferences": [{"kind": "order_placed", "email": "kadang"}]},
    {"preferences": [{"kind": "order_placed", "gateway": 0}]},
    {"preferences": "semua"},
])
def test_a_bad_preference_is_a_400_and_changes_nothing(shop, user_client, body):
    response = user_client(shop["buyer"]).patch(
        "/api/v1/me/notification-preferences/", body, format="json"
    )

    assert response.status_code == 400, response.content
    assert not shop["buyer"].notification_preferences.exists()


# ---------------------------------------------------------------- the inbox


def _inbox(user: User, count: int) -> list[Notification]:
    return [Notification.objects.create(recipient=user, kind="order_paid", title=f"Nomor {n}")
            for n in range(count)]


def test_the_list_is_the_callers_newest_first_with_the_unread_count(shop, user_client):
    mine = _inbox(shop["buyer"], 3)
    _inbox(shop["staff"], 2)
    services.notification_read(user=shop["buyer"], notification_pk=mine[0].pk)

    everything = user_client(shop["buyer"]).get("/api/v1/notifications/").json()
    unread = user_client(shop["buyer"]).get("/api/v1/notifications/?unread=true").json()

    assert [row["id"] for row in everything["results"]] == [n.pk for n in reversed(mine)]
    assert (everything["count"], everything["unread"]) == (3, 2)
    assert [row["read"] for row in everything["results"]] == [False, False, True]
    assert set(everything["results"][0]) == {"id", "kind", "title", "body", "link",
                                             "created_at", "read"}
    assert [row["id"] for row in unread["results"]] == [mine[2].pk, mine[1].pk]


def test_the_list_runs_a_fixed_number_of_queries(shop, user_client, django_assert_num_queries):
    client = user_client(shop["buyer"])
    _inbox(shop["buyer"], 2)
    with django_assert_num_queries(3):  # count, page, unread
        client.get("/api/v1/notifications/")
    _inbox(shop["buyer"], 30)
    with django_assert_num_queries(3):
        assert len(client.get("/api/v1/notifications/?page_size=25").json()["results"]) == 25


def test_a_bad_unread_flag_is_a_400(shop, user_client):
    response = user_client(shop["buyer"]).get("/api/v1/notifications/?unread=kadang")

    assert response.status_code == 400
    assert "unread" in response.json()


def test_marking_read_is_for_the_recipient_alone(shop, user_client):
    [mine] = _inbox(shop["buyer"], 1)
    [theirs] = _inbox(shop["staff"], 1)
    client = user_client(shop["buyer"])

    own = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    other = client.post(f"/api/v1/notifications/{theirs.pk}/read/")

    assert own.status_code == 200
    assert own.json()["read"] is True
    assert other.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_the_callers(shop, user_client):
    _inbox(shop["buyer"], 3)
    [theirs] = _inbox(shop["staff"], 1)

    response = user_client(shop["buyer"]).post("/api/v1/notifications/read-all/")

    assert response.json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(recipient=shop["buyer"], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
