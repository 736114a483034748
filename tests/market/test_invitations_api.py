"""The invitee's side: see one's invitations, accept or decline them."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail

from events.models import Event
from market.models import Invitation, Membership, User
from market.tokens import email_verification_token
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
MINE = "/api/v1/me/invitations/"


@pytest.fixture
def invitee():
    return UserFactory(email="sari@example.com", name="Sari")


@pytest.fixture
def invitation(user_client, cooperative, owner, invitee):
    """A pending invitation as manager, sent by the owner at NOW (to a mixed-case address)."""
    with time_machine.travel(NOW, tick=False):
        response = user_client(owner).post(
            f"/api/v1/cooperatives/{cooperative.slug}/members/",
            {"email": "Sari@Example.COM", "role": "manager"}, format="json",
        )
    return Invitation.objects.get(pk=response.json()["id"])


def answer(client, invitation_id, verb):
    return client.post(f"{MINE}{invitation_id}/{verb}/")


def test_the_invitee_sees_their_pending_invitation(user_client, invitation, invitee, owner):
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        body = user_client(invitee).get(MINE).json()
    assert body["count"] == 1
    assert body["results"] == [{
        "id": invitation.pk,
        "cooperative": {"slug": invitation.cooperative.slug, "name": invitation.cooperative.name},
        "role": "manager",
        "invited_by": owner.name,
        "created_at": body["results"][0]["created_at"],
        "expires_at": body["results"][0]["expires_at"],
    }]


def test_the_list_holds_neither_others_answered_nor_expired_invitations(
    user_client, invitation, invitee, cooperative
):
    Invitation.objects.create(
        cooperative=CooperativeFactory(), email="orang.lain@example.com", role="staff",
        expires_at=NOW + datetime.timedelta(days=14),
    )
    Invitation.objects.create(
        cooperative=CooperativeFactory(), email=invitee.email, role="staff", status="declined",
        expires_at=NOW + datetime.timedelta(days=14),
    )
    client = user_client(invitee)
    with time_machine.travel(NOW + datetime.timedelta(days=13), tick=False):
        assert [i["id"] for i in client.get(MINE).json()["results"]] == [invitation.pk]
    with time_machine.travel(NOW + datetime.timedelta(days=14, seconds=1), tick=False):
        assert client.get(MINE).json()["count"] == 0
    assert user_client(UserFactory()).get(MINE).json()["count"] == 0


def test_accepting_makes_the_membership_with_the_invited_role(
    user_client, invitation, invitee, cooperative
):
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        response = answer(user_client(invitee), invitation.pk, "accept")

    assert response.status_code == 200
    membership = Membership.objects.get(user=invitee, cooperative=cooperative)
    assert response.json() == {
        "id": invitation.pk, "status": "accepted",
        "cooperative": {"slug": cooperative.slug, "name": cooperative.name},
        "role": "manager", "membership_id": membership.pk,
    }
    assert membership.role == "manager"
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == ("accepted", invitee)
    event = Event.objects.get(kind="member_joined")
    assert (event.actor, event.cooperative, event.data["role"]) == (invitee, cooperative,
                                                                    "manager")
    me = user_client(invitee).get("/api/v1/me/").json()
    assert me["cooperatives"] == [{"slug": cooperative.slug, "name": cooperative.name,
                                   "role": "manager", "membership_id": membership.pk}]
    assert user_client(invitee).get(MINE).json()["count"] == 0


def test_accepting_twice_is_a_409_and_changes_nothing(user_client, invitation, invitee):
    client = user_client(invitee)
    with time_machine.travel(NOW, tick=False):
        assert answer(client, invitation.pk, "accept").status_code == 200
        again = answer(client, invitation.pk, "accept")
        declined = answer(client, invitation.pk, "decline")
    assert again.status_code == declined.status_code == 409
    assert again.json()["code"] == "invitation_answered"
    assert Membership.objects.filter(user=invitee).count() == 1
    assert Event.objects.filter(kind="member_joined").count() == 1


def test_a_member_already_keeps_their_role_when_accepting(
    user_client, invitation, invitee, cooperative
):
    # Made a member meanwhile by another route (the platform admin, say).
    existing = MembershipFactory(user=invitee, cooperative=cooperative, role="staff")
    with time_machine.travel(NOW, tick=False):
        response = answer(user_client(invitee), invitation.pk, "accept")
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["membership_id"]) == ("staff", existing.pk)
    assert Membership.objects.get(user=invitee, cooperative=cooperative).role == "staff"
    assert not Event.objects.filter(kind="member_joined").exists()


def test_declining_marks_it_declined_and_makes_no_membership(
    user_client, invitation, invitee, cooperative, owner
):
    with time_machine.travel(NOW, tick=False):
        response = answer(user_client(invitee), invitation.pk, "decline")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["membership_id"] is None
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert not Membership.objects.filter(user=invitee).exists()
    assert Event.objects.get(kind="invitation_declined").actor == invitee
    # The owner may invite them again: a new invitation.
    again = user_client(owner).post(
        f"/api/v1/cooperatives/{cooperative.slug}/members/",
        {"email": invitee.email, "role": "staff"}, format="json",
    )
    assert again.status_code == 201
    assert again.json()["id"] != invitation.pk


@pytest.mark.parametrize("verb", ["accept", "decline"])
def test_an_expired_invitation_is_a_409(user_client, invitation, invitee, verb):
    with time_machine.travel(NOW + datetime.timedelta(days=15), tick=False):
        response = answer(user_client(invitee), invitation.pk, verb)
    assert response.status_code == 409
    assert response.json()["code"] == "invitation_expired"
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not Membership.objects.filter(user=invitee).exists()


def test_renewing_an_expired_invitation_lets_it_be_accepted(
    user_client, invitation, invitee, owner, cooperative
):
    later = NOW + datetime.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        renewed = user_client(owner).post(
            f"/api/v1/cooperatives/{cooperative.slug}/members/",
            {"email": invitee.email, "role": "manager"}, format="json",
        )
        accepted = answer(user_client(invitee), invitation.pk, "accept")
    assert renewed.json()["id"] == invitation.pk
    assert accepted.status_code == 200


@pytest.mark.parametrize("verb", ["accept", "decline"])
@pytest.mark.parametrize("who", ["owner", "manager", "staff", "other_user", "platform_admin"])
def test_nobody_but_the_invitee_answers_and_they_are_told_not_found(
    user_client, invitation, cooperative, owner, manager, staff, platform_admin, who, verb
):
    actor = {"owner": owner, "manager": manager, "staff": staff,
             "other_user": UserFactory(), "platform_admin": platform_admin}[who]
    with time_machine.travel(NOW, tick=False):
        response = answer(user_client(actor), invitation.pk, verb)
        missing = answer(user_client(actor), invitation.pk + 1000, verb)
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert Membership.objects.filter(cooperative=cooperative).count() == 3


def test_invitations_need_a_login(api, invitation):
    assert api.get(MINE).status_code == 401
    assert answer(api, invitation.pk, "accept").status_code == 401
    assert answer(api, invitation.pk, "decline").status_code == 401
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def _mailed_verification_token(address: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [address] and "verify-email" in m.body]
    link = re.search(r"https?://\S+verify-email/\S+", message.body).group(0)
    return parse_qs(urlsplit(link).query)["token"][0]


def test_someone_invited_without_an_account_signs_up_verifies_and_accepts(
    user_client, api, cooperative, owner, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        sent = user_client(owner).post(
            f"/api/v1/cooperatives/{cooperative.slug}/members/",
            {"email": "pendatang@example.com", "role": "staff"}, format="json",
        )
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        signed_up = api.post(
            "/api/v1/auth/register/",
            {"email": "Pendatang@example.com", "password": "kopi-ledo-2026", "name": "Dewi"},
            format="json",
        )
    invitation_mail = next(m for m in mail.outbox if "/api/v1/me/invitations/" in m.body)
    assert "/api/v1/auth/register/?email=pendatang%40example.com" in invitation_mail.body
    newcomer = User.objects.get(pk=signed_up.json()["id"])
    with time_machine.travel(NOW, tick=False):
        before = user_client(newcomer).get(MINE).json()
        refused = answer(user_client(newcomer), sent.json()["id"], "accept")
        verified = api.post("/api/v1/auth/verify-email/",
                            {"token": _mailed_verification_token("pendatang@example.com")},
                            format="json")
        newcomer.refresh_from_db()
        listed = user_client(newcomer).get(MINE).json()
        accepted = answer(user_client(newcomer), sent.json()["id"], "accept")
    assert (before["count"], refused.status_code) == (0, 403)
    assert verified.status_code == 200
    assert [i["id"] for i in listed["results"]] == [sent.json()["id"]]
    assert accepted.status_code == 200
    assert Membership.objects.get(user=newcomer).role == "staff"


@pytest.fixture
def squatter(invitation):
    """Signed up with the invited address before anyone proved to own it."""
    User.objects.filter(email=invitation.email).delete()
    return UserFactory(email=invitation.email, unverified=True)


def test_an_unverified_address_sees_no_invitation(user_client, squatter):
    with time_machine.travel(NOW, tick=False):
        body = user_client(squatter).get(MINE).json()
    assert (body["count"], body["results"]) == (0, [])


@pytest.mark.parametrize("verb", ["accept", "decline"])
def test_an_unverified_address_cannot_answer_an_invitation_to_it(
    user_client, invitation, squatter, cooperative, verb
):
    with time_machine.travel(NOW, tick=False):
        response = answer(user_client(squatter), invitation.pk, verb)
        unknown = answer(user_client(squatter), invitation.pk + 1000, verb)

    assert response.status_code == unknown.status_code == 403
    assert response.json()["code"] == "email_unverified"
    assert response.json() == unknown.json()  # says nothing of which invitations exist
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == ("pending", None)
    assert not Membership.objects.filter(user=squatter).exists()
    assert not Event.objects.filter(kind__in=["member_joined", "invitation_declined"]).exists()


def test_once_verified_the_invitee_sees_and_accepts(user_client, api, invitation, squatter):
    assert api.post("/api/v1/auth/verify-email/",
                    {"token": email_verification_token(squatter)},
                    format="json").status_code == 200
    squatter.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        listed = user_client(squatter).get(MINE).json()
        accepted = answer(user_client(squatter), invitation.pk, "accept")
    assert [i["id"] for i in listed["results"]] == [invitation.pk]
    assert accepted.status_code == 200


def test_a_changed_address_loses_the_invitations_it_had(user_client, invitation, invitee):
    """Changing one's address back and forth proves nothing: it must be verified again."""
    invitee = User.objects.get(pk=invitee.pk)
    invitee.email = "lain@example.com"
    invitee.save()
    invitee.email = "sari@example.com"
    invitee.save()
    with time_machine.travel(NOW, tick=False):
        assert user_client(invitee).get(MINE).json()["count"] == 0
        assert answer(user_client(invitee), invitation.pk, "accept").status_code == 403


def test_the_invitation_mail_to_an_unverified_account_asks_to_verify_first(
    user_client, cooperative, owner, django_capture_on_commit_callbacks
):
    UserFactory(email="belum@example.com", unverified=True)
    with django_capture_on_commit_callbacks(execute=True):
        user_client(owner).post(
            f"/api/v1/cooperatives/{cooperative.slug}/members/",
            {"email": "belum@example.com", "role": "staff"}, format="json",
        )
    [message] = mail.outbox
    assert "/api/v1/auth/verify-email/resend/" in message.body
    assert "/api/v1/me/invitations/" in message.body
