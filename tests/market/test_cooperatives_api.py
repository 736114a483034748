import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from PIL import Image

from market.models import Cooperative, Membership
from market.services import cooperatives
from tests.catalog.uploads import camera_exif, image_upload, text_file_named_jpg
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    RegionFactory,
    UserFactory,
    district,
)

pytestmark = pytest.mark.django_db

NEW_COOPERATIVE = {
    "name": "Koperasi Lada Seluas",
    "nik": "6107050000000123",
    "legal_number": "12/BH/XIX/2024",
    "kind": "produsen",
    "region": "61.07.05",
    "address": "Jl. Raya Seluas 3",
    "phone": "081234567890",
}


def test_a_logged_in_user_registers_a_pending_cooperative_and_becomes_owner(user_client):
    user = UserFactory()
    response = user_client(user).post("/api/v1/cooperatives/", NEW_COOPERATIVE, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["slug"] == "koperasi-lada-seluas"
    assert body["region"] == "61.07.05"
    assert body["product_count"] == 0
    assert Membership.objects.get(cooperative__slug=body["slug"]).user == user


def test_registration_needs_a_login(api):
    assert api.post("/api/v1/cooperatives/", NEW_COOPERATIVE, format="json").status_code == 401
    assert not Cooperative.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nik", "12345"),
        ("nik", "61070500000001AB"),
        ("kind", "bank"),
        ("region", "61.07"),  # a regency, not a kecamatan
        ("region", "62.01.01"),
    ],
)
def test_bad_registration_is_a_400_naming_the_field(user_client, field, value):
    response = user_client(UserFactory()).post(
        "/api/v1/cooperatives/", {**NEW_COOPERATIVE, field: value}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Cooperative.objects.exists()


def test_a_registered_nik_cannot_be_registered_again(user_client):
    CooperativeFactory(nik=NEW_COOPERATIVE["nik"])
    response = user_client(UserFactory()).post(
        "/api/v1/cooperatives/", NEW_COOPERATIVE, format="json"
    )
    assert response.status_code == 400
    assert "nik" in response.json()
    assert Cooperative.objects.count() == 1


@pytest.mark.parametrize("holder_status", ["pending", "verified", "suspended"])
def test_a_nik_held_by_a_cooperative_that_is_not_rejected_stays_taken(
    user_client, holder_status
):
    CooperativeFactory(nik=NEW_COOPERATIVE["nik"], status=holder_status)
    response = user_client(UserFactory()).post(
        "/api/v1/cooperatives/", NEW_COOPERATIVE, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["nik"]
    assert Cooperative.objects.count() == 1


def test_a_rejected_registration_releases_its_nik_for_the_real_cooperative(
    user_client, platform_admin
):
    # A stranger registers a real cooperative's NIK first; the dinas rejects it.
    stranger_client = user_client(UserFactory())
    squatted = stranger_client.post("/api/v1/cooperatives/", NEW_COOPERATIVE, format="json")
    assert squatted.status_code == 201
    real_owner = UserFactory()
    blocked = user_client(real_owner).post(
        "/api/v1/cooperatives/", NEW_COOPERATIVE, format="json"
    )
    assert blocked.status_code == 400
    rejected = user_client(platform_admin).post(
        f"/api/v1/cooperatives/{squatted.json()['slug']}/verify/",
        {"decision": "rejected", "note": "NIK milik koperasi lain"}, format="json",
    )
    assert rejected.status_code == 200

    registered = user_client(real_owner).post(
        "/api/v1/cooperatives/", NEW_COOPERATIVE, format="json"
    )

    assert registered.status_code == 201
    assert registered.json()["nik"] == NEW_COOPERATIVE["nik"]
    assert Membership.objects.get(cooperative__slug=registered.json()["slug"]).user == real_owner
    assert sorted(Cooperative.objects.values_list("status", flat=True)) == [
        "pending", "rejected"
    ]


def test_the_database_refuses_two_cooperatives_holding_one_nik():
    CooperativeFactory(nik=NEW_COOPERATIVE["nik"], status="rejected")
    CooperativeFactory(nik=NEW_COOPERATIVE["nik"], status="rejected")
    CooperativeFactory(nik=NEW_COOPERATIVE["nik"], status="pending")
    with pytest.raises(IntegrityError), transaction.atomic():
        CooperativeFactory(nik=NEW_COOPERATIVE["nik"], status="verified")
    assert Cooperative.objects.count() == 3


def test_a_rejected_cooperative_whose_nik_was_taken_meanwhile_cannot_be_verified(
    user_client, platform_admin
):
    rejected = CooperativeFactory(nik=NEW_COOPERATIVE["nik"], status="rejected")
    CooperativeFactory(nik=NEW_COOPERATIVE["nik"], status="pending")

    response = user_client(platform_admin).post(
        f"/api/v1/cooperatives/{rejected.slug}/verify/", {"decision": "verified"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "nik_taken"
    rejected.refresh_from_db()
    assert rejected.status == "rejected"


def test_the_public_list_shows_verified_cooperatives_only(api):
    verified = CooperativeFactory(name="Koperasi Kopi Ledo", region=district("61.07.03"))
    CooperativeFactory(status="pending")
    CooperativeFactory(status="suspended")
    body = api.get("/api/v1/cooperatives/").json()
    assert body["count"] == 1
    assert body["results"][0]["slug"] == verified.slug


def test_the_list_filters_by_region_including_sub_regions_and_by_words(api):
    ledo = CooperativeFactory(name="Koperasi Kopi Ledo", region=district("61.07.03"))
    seluas = CooperativeFactory(name="Koperasi Lada Seluas", region=district("61.07.05"))

    def slugs(query):
        return {c["slug"] for c in api.get(f"/api/v1/cooperatives/?{query}").json()["results"]}

    assert slugs("region=61.07.03") == {ledo.slug}
    assert slugs("region=61.07") == {ledo.slug, seluas.slug}
    assert slugs("region=61.0") == set()  # a prefix of a code is not a region
    assert slugs("q=lada") == {seluas.slug}


def test_the_list_runs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for _ in range(30):
        CooperativeFactory()
    with django_assert_max_num_queries(2):
        response = api.get("/api/v1/cooperatives/?page_size=30")
    assert len(response.json()["results"]) == 30


def test_a_pending_cooperative_is_seen_by_its_staff_and_dinas_in_scope_only(user_client, api):
    pending = CooperativeFactory(status="pending", region=district("61.07.05"))
    staff = MembershipFactory(cooperative=pending, role="staff").user
    officer_in_scope = DinasOfficerFactory(regions=[district("61.07.05")]).user
    officer_elsewhere = DinasOfficerFactory(regions=[district("61.07.06")]).user
    url = f"/api/v1/cooperatives/{pending.slug}/"

    assert user_client(staff).get(url).status_code == 200
    assert user_client(officer_in_scope).get(url).status_code == 200
    assert user_client(officer_elsewhere).get(url).status_code == 404
    assert user_client(UserFactory()).get(url).status_code == 404
    assert api.get(url).status_code == 404


def test_owner_and_manager_edit_the_profile_but_staff_and_others_cannot(
    user_client, cooperative, owner, manager, staff
):
    url = f"/api/v1/cooperatives/{cooperative.slug}/"
    assert user_client(owner).patch(url, {"phone": "0811"}, format="json").status_code == 200
    edited = user_client(manager).patch(url, {"description": "Kopi"}, format="json")
    assert edited.status_code == 200
    assert user_client(staff).patch(url, {"phone": "0000"}, format="json").status_code == 403
    cooperative.refresh_from_db()
    assert (cooperative.phone, cooperative.description) == ("0811", "Kopi")


def test_staff_of_cooperative_a_cannot_change_cooperative_b(user_client):
    a_owner = MembershipFactory(role="owner").user
    b = CooperativeFactory(name="Koperasi B")
    response = user_client(a_owner).patch(
        f"/api/v1/cooperatives/{b.slug}/", {"name": "Hacked"}, format="json"
    )
    assert response.status_code == 403
    b.refresh_from_db()
    assert b.name == "Koperasi B"


def test_profile_edit_cannot_change_status_or_nik(user_client, cooperative, owner):
    url = f"/api/v1/cooperatives/{cooperative.slug}/"
    user_client(owner).patch(url, {"status": "verified", "nik": "1" * 16}, format="json")
    cooperative.refresh_from_db()
    assert cooperative.nik != "1" * 16


def test_an_officer_verifies_in_scope_and_the_owner_gets_an_email(
    user_client, django_capture_on_commit_callbacks
):
    pending = CooperativeFactory(status="pending", region=district("61.07.05"))
    MembershipFactory(cooperative=pending, role="owner", user=UserFactory(email="o@x.id"))
    officer = DinasOfficerFactory(regions=[district("61.07.05").parent]).user
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client(officer).post(
            f"/api/v1/cooperatives/{pending.slug}/verify/",
            {"decision": "verified", "note": "Dokumen lengkap"},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["status"] == "verified"
    pending.refresh_from_db()
    assert pending.status_changed_by == officer
    assert [m.to for m in mail.outbox] == [["o@x.id"]]


def test_an_officer_cannot_verify_outside_their_regions(user_client):
    pending = CooperativeFactory(status="pending", region=district("61.07.05"))
    verified = CooperativeFactory(region=district("61.07.05"))
    other_regency = RegionFactory(code="61.08", name="Sanggau")
    officer = DinasOfficerFactory(regions=[other_regency]).user
    client = user_client(officer)
    # A pending cooperative elsewhere is invisible; a verified one visible but not theirs.
    assert client.post(f"/api/v1/cooperatives/{pending.slug}/verify/",
                       {"decision": "verified"}).status_code == 404
    assert client.post(f"/api/v1/cooperatives/{verified.slug}/verify/",
                       {"decision": "suspended"}).status_code == 403
    pending.refresh_from_db()
    verified.refresh_from_db()
    assert (pending.status, verified.status) == ("pending", "verified")


def test_a_buyer_or_owner_cannot_verify_anything(user_client, cooperative, owner):
    buyer = UserFactory()
    url = f"/api/v1/cooperatives/{cooperative.slug}/verify/"
    assert user_client(buyer).post(url, {"decision": "suspended"}).status_code == 403
    assert user_client(owner).post(url, {"decision": "suspended"}).status_code == 403
    cooperative.refresh_from_db()
    assert cooperative.status == "verified"


def test_a_bad_decision_is_a_400(user_client, cooperative, officer):
    response = user_client(officer).post(
        f"/api/v1/cooperatives/{cooperative.slug}/verify/", {"decision": "approved"}
    )
    assert response.status_code == 400
    assert "decision" in response.json()


def test_a_platform_admin_may_verify_anywhere(user_client, platform_admin):
    pending = CooperativeFactory(status="pending")
    response = user_client(platform_admin).post(
        f"/api/v1/cooperatives/{pending.slug}/verify/", {"decision": "rejected"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_rat_is_recorded_by_managers_and_read_by_staff_and_dinas(
    user_client, cooperative, manager, staff, officer
):
    url = f"/api/v1/cooperatives/{cooperative.slug}/rat/"
    record = {"held_on": "2026-03-14", "attendance": 80, "members_total": 120}
    assert user_client(staff).post(url, record).status_code == 403
    assert user_client(manager).post(url, record).status_code == 201
    cooperative.refresh_from_db()
    assert str(cooperative.last_rat_date) == "2026-03-14"
    assert user_client(staff).get(url).json()["count"] == 1
    assert user_client(officer).get(url).json()["count"] == 1
    assert user_client(UserFactory()).get(url).status_code == 403


def test_rat_attendance_above_members_is_a_400(user_client, cooperative, owner):
    response = user_client(owner).post(
        f"/api/v1/cooperatives/{cooperative.slug}/rat/",
        {"held_on": "2026-03-14", "attendance": 200, "members_total": 120},
    )
    assert response.status_code == 400
    assert "attendance" in response.json()
    assert not cooperative.rat_meetings.exists()


def test_a_logo_is_checked_and_stored_without_its_camera_data(user_client, cooperative, owner):
    url = f"/api/v1/cooperatives/{cooperative.slug}/logo/"
    refused = user_client(owner).put(url, {"logo": text_file_named_jpg()}, format="multipart")
    assert refused.status_code == 400
    assert "logo" in refused.json()
    cooperative.refresh_from_db()
    assert not cooperative.logo

    accepted = user_client(owner).put(
        url, {"logo": image_upload("JPEG", (300, 300), exif=camera_exif())}, format="multipart"
    )

    assert accepted.status_code == 200
    assert accepted.json()["logo"].endswith(".jpg")
    cooperative.refresh_from_db()
    with Image.open(cooperative.logo.path) as stored:
        assert not stored.getexif()


def test_a_profile_edit_never_undoes_a_dinas_decision_made_meanwhile(cooperative, owner, officer):
    opened = Cooperative.objects.get(pk=cooperative.pk)  # the owner's form, opened earlier
    cooperatives.cooperative_verify(
        actor=officer, cooperative=cooperative, decision="suspended", note="Tidak aktif"
    )

    cooperatives.cooperative_update(actor=owner, cooperative=opened, phone="0811000")

    cooperative.refresh_from_db()
    assert (cooperative.status, cooperative.status_note, cooperative.phone) == (
        "suspended", "Tidak aktif", "0811000"
    )


def test_a_logo_is_for_the_owner_and_managers_only(user_client, cooperative):
    url = f"/api/v1/cooperatives/{cooperative.slug}/logo/"
    staff = MembershipFactory(cooperative=cooperative, role="staff").user
    upload = {"logo": image_upload("PNG", (50, 50))}
    assert user_client(staff).put(url, upload, format="multipart").status_code == 403
    cooperative.refresh_from_db()
    assert not cooperative.logo


def test_the_profile_patch_takes_json_only(user_client, cooperative, owner):
    url = f"/api/v1/cooperatives/{cooperative.slug}/"
    form = user_client(owner).patch(url, {"name": "Baru"}, format="multipart")
    assert form.status_code == 415
