"""The back office's staff, RAT, shipping and profile pages, with the Django test client."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from market.models import Cooperative, Invitation, Membership, RatMeeting, User
from orders.models import ShippingOption
from tests.catalog.uploads import image_upload, text_file_named_jpg
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ShippingOptionFactory,
    UserFactory,
)
from tests.frontend.conftest import OUTSIDERS, messages_of, page, queries_of
from tests.payments.test_proof_files import pdf_bytes

pytestmark = pytest.mark.django_db

PAGES = ["office-team", "office-rat", "office-shipping", "office-profile"]


def url(name: str, cooperative: Cooperative) -> str:
    return reverse(f"frontend:{name}", args=[cooperative.slug])


def pdf_file(content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile("notulen.pdf", pdf_bytes() if content is None else content,
                              content_type="application/pdf")


# ---------------------------------------------------------------- who may open the pages


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, cooperative, name):
    response = client.get(url(name, cooperative))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_but_the_staff_learns_the_pages_exist(as_user, cooperative, outsider,
                                                     name, who):
    assert as_user(outsider(who)).get(url(name, cooperative)).status_code == 404


@pytest.mark.parametrize("who", ["owner", "platform_admin"])
def test_the_owner_and_the_platform_admin_manage_the_staff(request, as_user, cooperative, who):
    response = as_user(request.getfixturevalue(who)).get(url("office-team", cooperative))
    assert response.status_code == 200
    assert 'id="members"' in page(response)
    assert 'id="invite-submit"' in page(response)


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_other_members_see_only_their_own_place_and_may_leave(request, as_user, cooperative,
                                                              owner, who):
    response = as_user(request.getfixturevalue(who)).get(url("office-team", cooperative))
    assert response.status_code == 200
    assert 'id="members"' not in page(response)
    assert owner.email not in page(response)
    assert 'id="invite-submit"' not in page(response)
    assert 'id="leave-submit"' in page(response)


@pytest.mark.parametrize(("name", "form_button"), [
    ("office-rat", "rat-submit"), ("office-shipping", "shipping-submit"),
    ("office-profile", "profile-submit"),
])
@pytest.mark.parametrize(("who", "manages"), [
    ("owner", True), ("manager", True), ("platform_admin", True), ("staff", False),
])
def test_owner_and_manager_get_the_forms_the_staff_read_only(request, as_user, cooperative,
                                                             name, form_button, who, manages):
    response = as_user(request.getfixturevalue(who)).get(url(name, cooperative))
    assert response.status_code == 200
    assert (f'id="{form_button}"' in page(response)) is manages


# ---------------------------------------------------------------- staff


def test_the_owner_invites_with_the_same_answer_whether_or_not_the_address_has_an_account(
    as_user, cooperative, owner
):
    UserFactory(email="ada@example.com")
    client = as_user(owner)
    answers = [
        client.post(url("office-team", cooperative),
                    {"action": "invite", "email": email, "role": "staff"}, follow=True)
        for email in ("ada@example.com", "nobody@example.com")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert messages_of(answers[0]) == ["Invitation sent to ada@example.com."]
    assert messages_of(answers[1]) == ["Invitation sent to nobody@example.com."]
    pending = Invitation.objects.filter(cooperative=cooperative, status="pending")
    assert sorted(pending.values_list("email", flat=True)) == [
        "ada@example.com", "nobody@example.com"]
    assert 'id="invitations"' in page(answers[1])
    assert "nobody@example.com" in page(answers[1])


def test_inviting_a_member_again_is_refused_next_to_the_address(as_user, cooperative, owner,
                                                                staff):
    response = as_user(owner).post(url("office-team", cooperative),
                                   {"action": "invite", "email": staff.email, "role": "manager"})
    assert response.status_code == 400
    assert "This person is already a member." in page(response)
    assert 'id="id_email_error"' in page(response)
    assert not Invitation.objects.exists()


def test_an_address_that_is_not_one_is_refused(as_user, cooperative, owner):
    response = as_user(owner).post(url("office-team", cooperative),
                                   {"action": "invite", "email": "not-an-address", "role": "boss"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in page(response)
    assert not Invitation.objects.exists()


def test_a_manager_cannot_invite(as_user, cooperative, manager):
    invite = {"action": "invite", "email": "x@example.com", "role": "owner"}
    response = as_user(manager).post(url("office-team", cooperative), invite)
    assert response.status_code == 400
    assert "You are not allowed to do this." in page(response)
    assert not Invitation.objects.exists()


def invitation_of(cooperative: Cooperative, owner: User, email: str = "ria@example.com"):
    now = timezone.now()
    return Invitation.objects.create(
        cooperative=cooperative, email=email, role="staff", invited_by=owner, created_at=now,
        sent_at=now, expires_at=now + datetime.timedelta(days=7),
    )


def test_the_owner_cancels_an_invitation(as_user, cooperative, owner):
    invitation = invitation_of(cooperative, owner)
    response = as_user(owner).post(url("office-team", cooperative),
                                   {"action": "cancel", "id": invitation.pk}, follow=True)
    assert messages_of(response) == ["The invitation of ria@example.com is cancelled."]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELLED
    assert 'id="invitations"' not in page(response)


def test_cancelling_another_cooperatives_invitation_finds_nothing(as_user, cooperative, owner):
    elsewhere = MembershipFactory(role="owner")
    invitation = invitation_of(elsewhere.cooperative, elsewhere.user)
    response = as_user(owner).post(url("office-team", cooperative),
                                   {"action": "cancel", "id": invitation.pk}, follow=True)
    assert messages_of(response) == ["Not found."]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_the_owner_removes_a_member(as_user, cooperative, owner, staff):
    membership = Membership.objects.get(user=staff)
    response = as_user(owner).post(url("office-team", cooperative),
                                   {"action": "remove", "id": membership.pk}, follow=True)
    assert messages_of(response) == ["The member is removed."]
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_owner_cannot_leave(as_user, cooperative, owner, staff):
    membership = Membership.objects.get(user=owner)
    response = as_user(owner).post(url("office-team", cooperative),
                                   {"action": "remove", "id": membership.pk}, follow=True)
    assert messages_of(response) == [
        "The last owner cannot be removed or leave; another owner must join first."]
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_member_leaves(as_user, cooperative, owner, staff):
    membership = Membership.objects.get(user=staff)
    response = as_user(staff).post(url("office-team", cooperative),
                                   {"action": "remove", "id": membership.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:account")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert as_user(staff).get(url("office-team", cooperative)).status_code == 404


def test_a_staff_member_cannot_remove_another(as_user, cooperative, owner, staff):
    membership = Membership.objects.get(user=owner)
    response = as_user(staff).post(url("office-team", cooperative),
                                   {"action": "remove", "id": membership.pk}, follow=True)
    assert messages_of(response) == ["You are not allowed to do this."]
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("posted", [
    {"action": "remove", "id": "x"}, {"action": "remove", "id": str(2**64)},
    {"action": "cancel", "id": "-1"}, {"action": "fly"},
])
def test_a_nonsense_post_changes_nothing(as_user, cooperative, owner, staff, posted):
    response = as_user(owner).post(url("office-team", cooperative), posted, follow=True)
    assert response.status_code in (200, 400)
    assert Membership.objects.filter(cooperative=cooperative).count() == 2


def test_the_staff_page_runs_12_queries_for_30_members_and_30_invitations(
    as_user, cooperative, owner, django_assert_max_num_queries
):
    client = as_user(owner)
    few = queries_of(client, url("office-team", cooperative))
    for number in range(30):
        MembershipFactory(cooperative=cooperative)
        invitation_of(cooperative, owner, email=f"guest{number}@example.com")
    with django_assert_max_num_queries(12):
        response = client.get(url("office-team", cooperative))
    assert page(response).count('id="member-') == 31
    assert page(response).count('id="invitation-') == 30
    assert queries_of(client, url("office-team", cooperative)) == few


# ---------------------------------------------------------------- RAT


def rat_post(**fields):
    return {"held_on": "2025-03-15", "attendance": "80", "members_total": "120",
            "notes": "Laporan pengurus diterima.", **fields}


def test_the_owner_records_a_rat_with_its_minutes_and_the_staff_download_them(
    as_user, cooperative, owner, staff
):
    response = as_user(owner).post(url("office-rat", cooperative),
                                   rat_post(minutes=pdf_file()), follow=True)
    assert messages_of(response) == ["The RAT of 15 March 2025 is recorded."]
    meeting = RatMeeting.objects.get(cooperative=cooperative)
    assert (meeting.attendance, meeting.members_total) == (80, 120)
    minutes = reverse("cooperative-rat-minutes", args=[cooperative.slug, meeting.pk])
    assert f'href="{minutes}"' in page(response)
    cooperative.refresh_from_db()
    assert cooperative.last_rat_date == datetime.date(2025, 3, 15)
    read = as_user(staff)
    assert minutes in page(read.get(url("office-rat", cooperative)))
    download = read.get(minutes)
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]
                    ).startswith(b"%PDF-")


def test_a_manager_records_a_rat_without_minutes(as_user, cooperative, manager):
    response = as_user(manager).post(url("office-rat", cooperative), rat_post(), follow=True)
    assert response.status_code == 200
    assert not RatMeeting.objects.get(cooperative=cooperative).minutes


@pytest.mark.parametrize(("fields", "message"), [
    ({"minutes": "text"}, "The file is not a valid PDF."),
    ({"minutes": "script"}, "A PDF with scripts, actions or attached files is not accepted."),
    ({"attendance": "121"}, "Cannot exceed the members in total."),
    ({"held_on": "2999-01-01"}, "A RAT cannot be recorded before it is held."),
    ({"members_total": "0"}, "Ensure this value is greater than or equal to 1."),
])
def test_a_rat_the_service_refuses_is_shown_with_the_reason_and_not_recorded(
    as_user, cooperative, owner, fields, message
):
    files = {"text": pdf_file(b"Notulen rapat anggota.\n" * 20),
             "script": pdf_file(pdf_bytes(extra_object=b"<< /S /JavaScript /JS (x) >>"))}
    if "minutes" in fields:
        fields = {"minutes": files[fields["minutes"]]}
    response = as_user(owner).post(url("office-rat", cooperative), rat_post(**fields))
    assert response.status_code == 400
    assert message in page(response)
    assert not RatMeeting.objects.exists()
    cooperative.refresh_from_db()
    assert cooperative.last_rat_date is None


def test_a_second_rat_on_the_same_day_is_refused(as_user, cooperative, owner):
    client = as_user(owner)
    client.post(url("office-rat", cooperative), rat_post())
    response = client.post(url("office-rat", cooperative), rat_post(attendance="90"))
    assert response.status_code == 400
    assert "A RAT on this day is already recorded." in page(response)
    assert list(RatMeeting.objects.values_list("attendance", flat=True)) == [80]


def test_the_staff_cannot_record_a_rat(as_user, cooperative, staff):
    response = as_user(staff).post(url("office-rat", cooperative), rat_post())
    assert response.status_code == 400
    assert "You are not allowed to do this." in page(response)
    assert not RatMeeting.objects.exists()


def test_the_rat_page_runs_11_queries_for_20_meetings(as_user, cooperative, owner,
                                                      django_assert_max_num_queries):
    def meeting(day: int):
        RatMeeting.objects.create(cooperative=cooperative, held_on=datetime.date(2000 + day, 3, 1),
                                  attendance=5, members_total=9, minutes="cooperatives/x.pdf")

    client = as_user(owner)
    meeting(0)
    few = queries_of(client, url("office-rat", cooperative))
    for day in range(1, 20):
        meeting(day)
    with django_assert_max_num_queries(11):
        response = client.get(url("office-rat", cooperative))
    assert page(response).count('id="meeting-') == 20
    assert queries_of(client, url("office-rat", cooperative)) == few


# ---------------------------------------------------------------- shipping


def test_the_owner_adds_a_shipping_option(as_user, cooperative, owner):
    response = as_user(owner).post(url("office-shipping", cooperative),
                                   {"name": "Kurir Ledo", "kind": "courier", "fee": "15000"},
                                   follow=True)
    assert messages_of(response) == ["“Kurir Ledo” is offered to buyers now."]
    option = ShippingOption.objects.get(cooperative=cooperative)
    assert (option.name, option.kind, option.fee) == ("Kurir Ledo", "courier", 15_000)
    assert "Rp15.000" in page(response)


@pytest.mark.parametrize("posted", [
    {"name": "Kurir", "kind": "drone", "fee": "1000"},
    {"name": "Kurir", "kind": "courier", "fee": "-1"},
    {"name": "", "kind": "courier", "fee": "1000"},
])
def test_a_shipping_option_with_bad_fields_is_not_added(as_user, cooperative, owner, posted):
    response = as_user(owner).post(url("office-shipping", cooperative), posted)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in page(response)
    assert not ShippingOption.objects.exists()


def test_the_staff_cannot_add_a_shipping_option(as_user, cooperative, staff):
    response = as_user(staff).post(url("office-shipping", cooperative),
                                   {"name": "Kurir", "kind": "courier", "fee": "1000"})
    assert response.status_code == 400
    assert "You are not allowed to do this." in page(response)
    assert not ShippingOption.objects.exists()


def test_the_shipping_page_runs_10_queries_for_30_options(as_user, cooperative, owner,
                                                          django_assert_max_num_queries):
    client = as_user(owner)
    ShippingOptionFactory(cooperative=cooperative)
    few = queries_of(client, url("office-shipping", cooperative))
    ShippingOptionFactory.create_batch(29, cooperative=cooperative)
    with django_assert_max_num_queries(10):
        response = client.get(url("office-shipping", cooperative))
    assert page(response).count('id="option-') == 30
    assert queries_of(client, url("office-shipping", cooperative)) == few


# ---------------------------------------------------------------- profile


def profile_post(cooperative: Cooperative, **fields):
    return {"action": "profile", "name": cooperative.name, "legal_number": "AHU-1",
            "kind": "konsumen", "address": "Jl. Baru 2", "phone": "0812", "email": "",
            "description": "Kopi robusta.", "members_count": "150", **fields}


def test_the_manager_edits_the_profile(as_user, cooperative, manager):
    response = as_user(manager).post(url("office-profile", cooperative),
                                     profile_post(cooperative, name="Koperasi Kopi Ledo"),
                                     follow=True)
    assert messages_of(response) == ["The profile is saved."]
    cooperative.refresh_from_db()
    assert (cooperative.name, cooperative.kind, cooperative.members_count) == (
        "Koperasi Kopi Ledo", "konsumen", 150)
    assert 'value="Koperasi Kopi Ledo"' in page(response)


@pytest.mark.parametrize("fields", [{"email": "not-an-address"}, {"kind": "bank"},
                                    {"members_count": "-3"}, {"name": ""}])
def test_a_profile_with_bad_fields_changes_nothing(as_user, cooperative, owner, fields):
    before = Cooperative.objects.values().get(pk=cooperative.pk)
    response = as_user(owner).post(url("office-profile", cooperative),
                                   profile_post(cooperative, **fields))
    assert response.status_code == 400
    assert 'aria-invalid="true"' in page(response)
    assert Cooperative.objects.values().get(pk=cooperative.pk) == before


def test_the_staff_cannot_edit_the_profile(as_user, cooperative, staff):
    before = Cooperative.objects.values().get(pk=cooperative.pk)
    response = as_user(staff).post(url("office-profile", cooperative),
                                   profile_post(cooperative, name="Diambil alih"))
    assert response.status_code == 400
    assert Cooperative.objects.values().get(pk=cooperative.pk) == before


def test_the_owner_uploads_a_logo(as_user, cooperative, owner):
    response = as_user(owner).post(
        url("office-profile", cooperative),
        {"action": "logo", "logo": image_upload("PNG", size=(200, 200))}, follow=True,
    )
    assert messages_of(response) == ["The new logo is shown."]
    cooperative.refresh_from_db()
    assert cooperative.logo.name.endswith(".png")
    assert f'src="{cooperative.logo.url}"' in page(response)


def test_a_logo_that_is_no_image_is_refused(as_user, cooperative, owner):
    response = as_user(owner).post(url("office-profile", cooperative),
                                   {"action": "logo", "logo": text_file_named_jpg()})
    assert response.status_code == 400
    assert "Only JPEG, PNG and WebP images are accepted." in page(response)
    cooperative.refresh_from_db()
    assert not cooperative.logo


def test_a_pending_cooperatives_owner_edits_its_profile(as_user):
    pending = CooperativeFactory(status=Cooperative.Status.PENDING)
    owner = MembershipFactory(cooperative=pending, role="owner").user
    response = as_user(owner).post(url("office-profile", pending),
                                   profile_post(pending, phone="0899"))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.phone == "0899"
