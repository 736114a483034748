"""A dinas decision is made once: repeating it changes nothing and tells nobody again."""

import pytest
from django.core import mail

from events.models import Event
from tests.factories import CooperativeFactory, DinasOfficerFactory, MembershipFactory, district

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("decision", ["verified", "rejected"])
def test_repeating_a_decision_changes_nothing_and_sends_one_mail(
    user_client, django_capture_on_commit_callbacks, decision
):
    pending = CooperativeFactory(status="pending", region=district("61.07.05"))
    MembershipFactory(cooperative=pending, role="owner")
    officer = DinasOfficerFactory(regions=[district("61.07.05").parent]).user
    client = user_client(officer)
    url = f"/api/v1/cooperatives/{pending.slug}/verify/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"decision": decision, "note": "Dokumen lengkap"})
    pending.refresh_from_db()
    decided_at = pending.status_changed_at

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"decision": decision, "note": "Sekali lagi"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == decision
    pending.refresh_from_db()
    assert (pending.status, pending.status_changed_at, pending.status_note) == (
        decision, decided_at, "Dokumen lengkap"
    )
    assert Event.objects.filter(cooperative=pending, kind=f"cooperative_{decision}").count() == 1
    assert len(mail.outbox) == 1


def test_a_different_decision_after_one_is_made_and_told(
    user_client, django_capture_on_commit_callbacks
):
    pending = CooperativeFactory(status="pending", region=district("61.07.05"))
    MembershipFactory(cooperative=pending, role="owner")
    officer = DinasOfficerFactory(regions=[district("61.07.05").parent]).user
    url = f"/api/v1/cooperatives/{pending.slug}/verify/"
    with django_capture_on_commit_callbacks(execute=True):
        user_client(officer).post(url, {"decision": "verified"})
        user_client(officer).post(url, {"decision": "verified"})

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client(officer).post(url, {"decision": "suspended"})

    assert response.status_code == 200
    kinds = list(Event.objects.filter(cooperative=pending, kind__startswith="cooperative_")
                 .order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["cooperative_verified", "cooperative_suspended"]
    assert kinds.count("cooperative_verified") == 1
    assert len(mail.outbox) == 2
