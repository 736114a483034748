"""The owner's side of a cooperative's management: invite, list, cancel, remove; leaving."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Event
from market.models import Invitation, Membership
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)


def members_url(cooperative, pk=None):
    base = f"/api/v1/cooperatives/{cooperative.slug}/members/"
    return f"{base}{pk}/" if pk else base


def invitations_url(cooperative, pk=None):
    base = f"/api/v1/cooperatives/{cooperative.slug}/invitations/"
    return f"{base}{pk}/" if pk else base


def invite(client, cooperative, email, role="staff"):
    return client.post(members_url(cooperative), {"email": email, "role": role}, format="json")


# ---------------------------------------------------------------- inviting


def test_the_owner_invites_and_nobody_becomes_a_member_before_accepting(
    user_client, cooperative, owner, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(email="kasir@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(user_client(owner), cooperative, "KASIR@example.com")

    assert response.status_code == 201
    invitation = Invitation.objects.get()
    assert response.json() == {
        "id": invitation.pk, "email": "kasir@example.com", "role": "staff",
        "status": "invited", "expires_at": response.json()["expires_at"],
    }
    assert not Membership.objects.filter(user=newcomer).exists()
    assert (invitation.status, invitation.invited_by) == ("pending", owner)
    event = Event.objects.get(kind="member_invited")
    assert (event.actor, event.cooperative, event.data["email"]) == (
        owner, cooperative, "kasir@example.com"
    )
    assert [m.to for m in mail.outbox] == [["kasir@example.com"]]


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(
    user_client, cooperative, owner, django_capture_on_commit_callbacks
):
    UserFactory(email="ada@example.com")
    client = user_client(owner)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        known = invite(client, cooperative, "ada@example.com")
        unknown = invite(client, cooperative, "tiada@example.com")

    assert known.status_code == unknown.status_code == 201
    known_body, unknown_body = known.json(), unknown.json()
    for body in (known_body, unknown_body):
        body.pop("id")
        body.pop("email")
    assert known_body == unknown_body
    assert set(known.headers) == set(unknown.headers)
    # Each gets the mail that fits: accept, or sign up first.
    by_address = {m.to[0]: m.body for m in mail.outbox}
    assert "/api/v1/me/invitations/" in by_address["ada@example.com"]
    assert "/api/v1/auth/register/" not in by_address["ada@example.com"]
    assert "/api/v1/auth/register/?email=tiada%40example.com" in by_address["tiada@example.com"]


def test_inviting_a_pending_address_again_renews_the_one_invitation(
    user_client, cooperative, owner, django_capture_on_commit_callbacks
):
    client = user_client(owner)
    with time_machine.travel(NOW, tick=False):
        first = invite(client, cooperative, "budi@example.com", role="staff")
    with time_machine.travel(NOW + datetime.timedelta(days=20), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        second = invite(client, cooperative, "Budi@Example.com", role="manager")

    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    invitation = Invitation.objects.get()
    assert invitation.role == "manager"
    assert invitation.expires_at == NOW + datetime.timedelta(days=20 + 14)
    assert len(mail.outbox) == 1


def test_an_existing_member_cannot_be_invited(user_client, cooperative, owner, manager):
    response = invite(user_client(owner), cooperative, manager.email.upper())
    assert response.status_code == 400
    assert "email" in response.json()
    assert not Invitation.objects.exists()


def test_a_bad_role_or_email_is_a_400(user_client, cooperative, owner):
    client = user_client(owner)
    assert "role" in invite(client, cooperative, "a@example.com", role="boss").json()
    assert "email" in invite(client, cooperative, "not-an-email").json()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["manager", "staff", "stranger"])
def test_only_the_owner_invites(user_client, cooperative, owner, role):
    actor = UserFactory() if role == "stranger" else MembershipFactory(
        cooperative=cooperative, role=role
    ).user
    response = invite(user_client(actor), cooperative, "x@example.com")
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_platform_admin_may_invite(user_client, cooperative, platform_admin):
    response = invite(user_client(platform_admin), cooperative, "x@example.com", role="owner")
    assert response.status_code == 201
    assert Invitation.objects.get().invited_by == platform_admin


def test_inviting_needs_a_login(api, cooperative):
    assert invite(api, cooperative, "x@example.com").status_code == 401
    assert not Invitation.objects.exists()


def test_a_pending_cooperative_is_invisible_to_strangers(user_client):
    pending = CooperativeFactory(status="pending")
    response = invite(user_client(UserFactory()), pending, "x@example.com")
    assert response.status_code == 404


# ---------------------------------------------------------------- listing


def test_the_owner_lists_members_with_their_membership_ids(
    user_client, cooperative, owner, manager
):
    client = user_client(owner)
    client.get(members_url(cooperative))  # the user's permissions are cached from then on
    with CaptureQueriesContext(connection) as few:
        client.get(members_url(cooperative))
    for _ in range(5):
        MembershipFactory(cooperative=cooperative)
    with CaptureQueriesContext(connection) as many:
        body = client.get(members_url(cooperative)).json()
    assert len(many) == len(few) <= 6
    assert body["count"] == 7
    first = body["results"][0]
    membership = Membership.objects.get(user=owner)
    assert first == {
        "id": membership.pk, "email": owner.email, "name": owner.name, "role": "owner",
        "created_at": first["created_at"],
    }


def test_the_owner_lists_pending_invitations_apart_with_expired_ones_marked(
    user_client, cooperative, owner
):
    client = user_client(owner)
    with time_machine.travel(NOW, tick=False):
        invite(client, cooperative, "lama@example.com")
    with time_machine.travel(NOW + datetime.timedelta(days=10), tick=False):
        invite(client, cooperative, "baru@example.com", role="manager")
    Invitation.objects.create(
        cooperative=cooperative, email="tolak@example.com", role="staff", status="declined",
        expires_at=NOW + datetime.timedelta(days=14),
    )

    with time_machine.travel(NOW + datetime.timedelta(days=15), tick=False):
        body = client.get(invitations_url(cooperative)).json()

    assert [(i["email"], i["status"], i["invited_by"]) for i in body["results"]] == [
        ("lama@example.com", "expired", owner.name),
        ("baru@example.com", "invited", owner.name),
    ]
    # Invitations are not members.
    members = client.get(members_url(cooperative)).json()["results"]
    assert [m["email"] for m in members] == [owner.email]


@pytest.mark.parametrize("role", ["manager", "staff", "stranger"])
def test_only_the_owner_sees_members_and_invitations(user_client, cooperative, owner, role):
    actor = UserFactory() if role == "stranger" else MembershipFactory(
        cooperative=cooperative, role=role
    ).user
    client = user_client(actor)
    assert client.get(members_url(cooperative)).status_code == 403
    assert client.get(invitations_url(cooperative)).status_code == 403


def test_lists_need_a_login(api, cooperative):
    assert api.get(members_url(cooperative)).status_code == 401
    assert api.get(invitations_url(cooperative)).status_code == 401


# ---------------------------------------------------------------- cancelling


def test_the_owner_cancels_a_pending_invitation_and_it_can_no_longer_be_accepted(
    user_client, cooperative, owner
):
    invitee = UserFactory(email="batal@example.com")
    invitation_id = invite(user_client(owner), cooperative, invitee.email).json()["id"]

    response = user_client(owner).delete(invitations_url(cooperative, invitation_id))

    assert response.status_code == 204
    assert Invitation.objects.get().status == "cancelled"
    assert Event.objects.filter(kind="invitation_cancelled", actor=owner).count() == 1
    assert user_client(invitee).get("/api/v1/me/invitations/").json()["count"] == 0
    accepted = user_client(invitee).post(f"/api/v1/me/invitations/{invitation_id}/accept/")
    assert accepted.status_code == 409
    assert accepted.json()["code"] == "invitation_answered"
    again = user_client(owner).delete(invitations_url(cooperative, invitation_id))
    assert again.status_code == 409
    assert not Membership.objects.filter(user=invitee).exists()


def test_cancelling_is_for_the_owner_and_for_this_cooperatives_invitations_only(
    user_client, cooperative, owner, manager
):
    invitation_id = invite(user_client(owner), cooperative, "x@example.com").json()["id"]
    other = MembershipFactory(role="owner")

    by_manager = user_client(manager).delete(invitations_url(cooperative, invitation_id))
    by_other_owner = user_client(other.user).delete(
        invitations_url(other.cooperative, invitation_id)
    )
    unknown = user_client(owner).delete(invitations_url(cooperative, invitation_id + 1000))

    assert (by_manager.status_code, by_other_owner.status_code, unknown.status_code) == (
        403, 404, 404
    )
    assert Invitation.objects.get().status == "pending"


# ---------------------------------------------------------------- removing and leaving


def membership_of(user, cooperative):
    return Membership.objects.get(user=user, cooperative=cooperative)


def test_the_owner_removes_a_member(user_client, cooperative, owner, staff):
    membership = membership_of(staff, cooperative)
    response = user_client(owner).delete(members_url(cooperative, membership.pk))
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = Event.objects.get(kind="member_removed")
    assert (event.actor, event.cooperative, event.data["user"]) == (owner, cooperative, staff.pk)
    # A removed member no longer reaches the cooperative's staff-only work.
    assert user_client(staff).get(members_url(cooperative)).status_code == 403


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_a_member_leaves(user_client, cooperative, owner, role):
    member = MembershipFactory(cooperative=cooperative, role=role)
    response = user_client(member.user).delete(members_url(cooperative, member.pk))
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert Event.objects.get(kind="member_left").actor == member.user


def test_an_owner_leaves_while_another_owner_stays(user_client, cooperative, owner):
    second = MembershipFactory(cooperative=cooperative, role="owner")
    own = membership_of(owner, cooperative)
    response = user_client(owner).delete(members_url(cooperative, own.pk))
    assert response.status_code == 204
    assert list(cooperative.memberships.values_list("pk", flat=True)) == [second.pk]


def test_the_last_owner_can_neither_leave_nor_be_removed(
    user_client, cooperative, owner, platform_admin
):
    membership = membership_of(owner, cooperative)
    leaving = user_client(owner).delete(members_url(cooperative, membership.pk))
    removed = user_client(platform_admin).delete(members_url(cooperative, membership.pk))
    assert leaving.status_code == removed.status_code == 409
    assert leaving.json()["code"] == removed.json()["code"] == "last_owner"
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not Event.objects.filter(kind__in=["member_removed", "member_left"]).exists()


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_a_non_owner_cannot_remove_someone_else(user_client, cooperative, owner, role):
    actor = MembershipFactory(cooperative=cooperative, role=role).user
    target = MembershipFactory(cooperative=cooperative, role="staff")
    owner_membership = membership_of(owner, cooperative)
    client = user_client(actor)
    assert client.delete(members_url(cooperative, target.pk)).status_code == 403
    assert client.delete(members_url(cooperative, owner_membership.pk)).status_code == 403
    assert Membership.objects.filter(cooperative=cooperative).count() == 3


def test_an_outsider_learns_nothing_about_membership_ids(user_client, cooperative, owner):
    membership = membership_of(owner, cooperative)
    client = user_client(UserFactory())
    existing = client.delete(members_url(cooperative, membership.pk))
    missing = client.delete(members_url(cooperative, membership.pk + 1000))
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_membership_of_another_cooperative_is_not_found(user_client, cooperative, owner):
    elsewhere = MembershipFactory(role="staff")
    response = user_client(owner).delete(members_url(cooperative, elsewhere.pk))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


def test_a_platform_admin_removes_anyone(user_client, cooperative, owner, manager, platform_admin):
    membership = membership_of(manager, cooperative)
    response = user_client(platform_admin).delete(members_url(cooperative, membership.pk))
    assert response.status_code == 204


def test_removing_needs_a_login(api, cooperative, owner):
    membership = membership_of(owner, cooperative)
    assert api.delete(members_url(cooperative, membership.pk)).status_code == 401
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_overlong_id_is_not_a_server_error(user_client, cooperative, owner):
    client = user_client(owner)
    huge = 2**70
    assert client.delete(members_url(cooperative, huge)).status_code == 404
    assert client.delete(invitations_url(cooperative, huge)).status_code == 404
    assert client.post(f"/api/v1/me/invitations/{huge}/accept/").status_code == 404


def test_a_line_break_in_the_cooperative_name_does_not_stop_the_invitation_mail(
    user_client, django_capture_on_commit_callbacks
):
    cooperative = CooperativeFactory(name="Koperasi\nBcc: korban@example.com")
    owner = MembershipFactory(cooperative=cooperative, role="owner").user
    with django_capture_on_commit_callbacks(execute=True):
        invite(user_client(owner), cooperative, "x@example.com")
    assert [m.to for m in mail.outbox] == [["x@example.com"]]
    assert "\n" not in mail.outbox[0].subject
    assert not mail.outbox[0].bcc


# ---------------------------------------------------------------- refusals and limits


@pytest.mark.parametrize("status", ["rejected", "suspended"])
def test_a_rejected_or_suspended_cooperative_cannot_invite(
    user_client, owner, cooperative, status, django_capture_on_commit_callbacks
):
    cooperative.status = status
    cooperative.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(user_client(owner), cooperative, "kasir@example.com")

    assert response.status_code == 409
    assert response.json()["code"] == "cooperative_not_active"
    assert not Invitation.objects.exists()
    assert not Event.objects.filter(kind="member_invited").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("status", ["pending", "verified"])
def test_a_pending_or_verified_cooperative_invites(user_client, owner, cooperative, status):
    cooperative.status = status
    cooperative.save(update_fields=["status"])
    assert invite(user_client(owner), cooperative, "kasir@example.com").status_code == 201


def test_invitations_are_limited_per_user(user_client, owner, cooperative, settings):
    from django.core.cache import cache

    cache.clear()  # rolled-back rows give their user ids to later tests
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "invite.user": "1/minute"}
    client = user_client(owner)
    assert invite(client, cooperative, "satu@example.com").status_code == 201

    limited = client.post(members_url(cooperative), {"email": "dua@example.com", "role": "staff"},
                          format="json", REMOTE_ADDR="10.8.8.8")

    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60
    assert list(Invitation.objects.values_list("email", flat=True)) == ["satu@example.com"]
    # Reading the members is not counted.
    assert client.get(members_url(cooperative)).status_code == 200
