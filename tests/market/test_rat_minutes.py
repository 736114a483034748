"""The minutes (notulen) of a RAT: a PDF checked as transfer proofs are, stored privately
under a random name, read by whoever reads the cooperative's RAT records and nobody else."""

import datetime
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from market.models import Cooperative, RatMeeting
from market.services import cooperatives
from tests.catalog.uploads import image_bytes
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
    district,
)
from tests.payments.test_proof_files import pdf_bytes

pytestmark = pytest.mark.django_db

RANDOM_MINUTES_NAME = re.compile(r"cooperatives/rat-minutes/[0-9a-f]{32}\.pdf")
RECORD = {"held_on": "2026-03-14", "attendance": 80, "members_total": 120}
HELD_ON = datetime.date(2026, 3, 14)


def minutes_upload(content: bytes | None = None, name: str = "notulen_rat_2026.pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content,
                              content_type="application/pdf")


def rat_url(cooperative: Cooperative) -> str:
    return f"/api/v1/cooperatives/{cooperative.slug}/rat/"


def minutes_url(meeting: RatMeeting, cooperative: Cooperative | None = None) -> str:
    slug = (cooperative or meeting.cooperative).slug
    return f"/api/v1/cooperatives/{slug}/rat/{meeting.pk}/minutes/"


def private_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def public_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def stored_bytes(meeting: RatMeeting) -> bytes:
    with meeting.minutes.open("rb") as stored:
        return stored.read()


def rat_held(cooperative, owner, *, held_on=HELD_ON, minutes=None) -> RatMeeting:
    return cooperatives.rat_record(
        actor=owner, cooperative=cooperative, held_on=held_on, attendance=80,
        members_total=120, minutes=minutes,
    )


@pytest.fixture
def post(user_client, cooperative, owner):
    """POST a RAT record as multipart, as the cooperative's owner."""

    def send(**fields):
        return user_client(owner).post(rat_url(cooperative), {**RECORD, **fields},
                                       format="multipart")

    return send


@pytest.fixture
def meeting(cooperative, owner) -> RatMeeting:
    return rat_held(cooperative, owner, minutes=minutes_upload())


# ---------------------------------------------------------------- recording with minutes


def test_a_rat_with_minutes_is_stored_privately_under_a_random_name(post, cooperative, settings):
    response = post(minutes=minutes_upload())

    assert response.status_code == 201, response.json()
    meeting = RatMeeting.objects.get()
    assert RANDOM_MINUTES_NAME.fullmatch(meeting.minutes.name)
    assert "notulen" not in meeting.minutes.name
    assert stored_bytes(meeting) == pdf_bytes()
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / meeting.minutes.name]
    assert public_files(settings) == []
    assert response.json()["minutes"] == f"http://testserver{minutes_url(meeting)}"
    cooperative.refresh_from_db()
    assert cooperative.last_rat_date == HELD_ON


def test_two_minutes_with_the_same_file_name_get_different_names(post):
    post(minutes=minutes_upload())
    post(held_on="2025-03-15", minutes=minutes_upload())

    first, second = RatMeeting.objects.order_by("pk")
    assert first.minutes.name != second.minutes.name


def test_a_rat_recorded_as_json_or_without_a_file_has_no_minutes(
    user_client, cooperative, owner, post, settings
):
    as_json = user_client(owner).post(rat_url(cooperative), RECORD, format="json")
    as_form = post(held_on="2025-03-15")

    assert (as_json.status_code, as_form.status_code) == (201, 201)
    assert as_json.json()["minutes"] is None
    assert as_form.json()["minutes"] is None
    assert not any(meeting.minutes for meeting in RatMeeting.objects.all())
    assert private_files(settings) == []


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(image_bytes("PNG", (200, 200)), id="image"),
        pytest.param(image_bytes("JPEG", (200, 200)), id="jpeg"),
        pytest.param(
            pdf_bytes(extra_object=b"<< /S /JavaScript /JS (app.alert(1)) >>"), id="javascript"
        ),
        pytest.param(pdf_bytes(extra_object=b"<< /S /Launch /F (cmd.exe) >>"), id="launch"),
        pytest.param(pdf_bytes()[:300], id="truncated"),
        pytest.param(b"%PDF-1.4\n" + b"\x00" * 500, id="header only"),
        pytest.param(b"Notulen RAT 2026, hadir 80 orang.\n" * 20, id="text"),
        pytest.param(b"", id="empty"),
    ],
)
def test_minutes_that_are_no_clean_pdf_are_a_400_naming_minutes_and_record_nothing(
    post, cooperative, settings, content
):
    response = post(minutes=minutes_upload(content))

    assert response.status_code == 400
    assert list(response.json()) == ["minutes"]
    assert not RatMeeting.objects.exists()
    assert private_files(settings) == []
    cooperative.refresh_from_db()
    assert cooperative.last_rat_date is None


def test_minutes_over_the_size_limit_are_a_400_naming_minutes(post, settings):
    settings.RAT_MINUTES_MAX_BYTES = len(pdf_bytes()) - 1

    response = post(minutes=minutes_upload())

    assert response.status_code == 400
    assert "MB" in response.json()["minutes"][0]
    assert not RatMeeting.objects.exists()
    assert private_files(settings) == []


def test_a_second_rat_on_the_same_day_leaves_no_file_behind(post, meeting, settings):
    response = post(minutes=minutes_upload())

    assert response.status_code == 400
    assert "held_on" in response.json()
    assert list(RatMeeting.objects.all()) == [meeting]
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / meeting.minutes.name]


def test_the_rules_of_the_record_are_checked_before_the_file(post, settings):
    response = post(attendance=500, minutes=minutes_upload())

    assert response.status_code == 400
    assert "attendance" in response.json()
    assert not RatMeeting.objects.exists()
    assert private_files(settings) == []


def test_only_owner_and_manager_record_minutes(user_client, cooperative, staff, settings):
    response = user_client(staff).post(
        rat_url(cooperative), {**RECORD, "minutes": minutes_upload()}, format="multipart"
    )

    assert response.status_code == 403
    assert not RatMeeting.objects.exists()
    assert private_files(settings) == []


def _limit(settings, scope: str, rate: str) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, scope: rate}


def test_multipart_records_count_against_the_upload_limit_and_json_ones_do_not(
    user_client, cooperative, owner, settings
):
    _limit(settings, "upload.client", "2/hour")
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    client = user_client(owner)

    def record(day: int, fmt: str) -> int:
        body = {**RECORD, "held_on": f"2025-01-{day:02d}"}
        return client.post(rat_url(cooperative), body, format=fmt, REMOTE_ADDR=address).status_code

    uploads = [record(day, "multipart") for day in (1, 2, 3)]
    records = [record(day, "json") for day in (4, 5, 6)]

    assert uploads == [201, 201, 429]
    assert records == [201, 201, 201]
    assert RatMeeting.objects.count() == 5


# ---------------------------------------------------------------- who reads them


@pytest.mark.parametrize("who", ["owner", "manager", "staff", "officer", "platform_admin"])
def test_staff_dinas_in_scope_and_admins_download_the_minutes_as_an_attachment(
    request, user_client, meeting, who
):
    response = user_client(request.getfixturevalue(who)).get(
        minutes_url(meeting), HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rat-minutes-2026-03-14.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == pdf_bytes()


@pytest.mark.parametrize("who", ["buyer", "other_staff", "officer_elsewhere", "site_staff"])
def test_nobody_else_learns_the_minutes_exist(user_client, meeting, who):
    user = {
        "buyer": UserFactory,
        "other_staff": lambda: MembershipFactory(role="owner").user,
        "officer_elsewhere": lambda: DinasOfficerFactory(regions=[district("61.07.06")]).user,
        "site_staff": lambda: UserFactory(is_staff=True),  # the admin site, not a superuser
    }[who]()

    response = user_client(user).get(minutes_url(meeting))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_anonymous_must_log_in_to_read_minutes(api, meeting):
    assert api.get(minutes_url(meeting)).status_code == 401


def test_a_meeting_of_another_cooperative_is_not_found_through_this_one(
    user_client, cooperative, owner, staff
):
    other = CooperativeFactory()
    other_owner = MembershipFactory(cooperative=other, role="owner").user
    theirs = rat_held(other, other_owner, minutes=minutes_upload())

    # Our staff through our slug, and their owner through our slug (where they are nobody).
    assert user_client(staff).get(minutes_url(theirs, cooperative)).status_code == 404
    assert user_client(other_owner).get(minutes_url(theirs, cooperative)).status_code == 404
    assert user_client(other_owner).get(minutes_url(theirs)).status_code == 200


def test_a_meeting_without_minutes_answers_404(user_client, cooperative, owner, officer):
    bare = rat_held(cooperative, owner)

    assert user_client(owner).get(minutes_url(bare)).status_code == 404
    assert user_client(officer).get(minutes_url(bare)).status_code == 404


def test_behind_nginx_the_answer_is_an_internal_redirect(user_client, staff, meeting, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/protected/"

    response = user_client(staff).get(minutes_url(meeting))

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected/{meeting.minutes.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rat-minutes-2026-03-14.pdf"'
    assert response["Cache-Control"] == "private, no-store"


def test_the_minutes_have_no_public_address(api, meeting):
    with pytest.raises(ValueError, match="no public URL"):
        meeting.minutes.url  # noqa: B018
    assert api.get(f"/media/{meeting.minutes.name}").status_code == 404


def test_the_rat_list_links_the_minutes_in_a_fixed_number_of_queries(
    user_client, cooperative, owner, staff, django_assert_num_queries
):
    rat_held(cooperative, owner, minutes=minutes_upload())
    rat_held(cooperative, owner, held_on=datetime.date(2025, 3, 1))
    rat_held(cooperative, owner, held_on=datetime.date(2024, 3, 1), minutes=minutes_upload())
    client = user_client(staff)

    # What the caller may see (permissions, dinas regions), the cooperative, the caller's
    # role in it, the count, the page: none per meeting.
    with django_assert_num_queries(7):
        response = client.get(rat_url(cooperative))

    links = [row["minutes"] for row in response.json()["results"]]
    meetings = RatMeeting.objects.order_by("-held_on")
    assert links == [
        f"http://testserver{minutes_url(each)}" if each.minutes else None for each in meetings
    ]
    assert client.get(links[0]).status_code == 200


# ---------------------------------------------------------------- attaching later


@pytest.fixture
def put(user_client, owner):
    def send(meeting, upload, user=None):
        return user_client(user or owner).put(minutes_url(meeting), {"minutes": upload},
                                              format="multipart")

    return send


def test_the_owner_attaches_minutes_to_a_recorded_rat(put, cooperative, owner, settings):
    bare = rat_held(cooperative, owner)

    response = put(bare, minutes_upload())

    assert response.status_code == 200, response.json()
    assert response.json()["minutes"] == f"http://testserver{minutes_url(bare)}"
    bare.refresh_from_db()
    assert RANDOM_MINUTES_NAME.fullmatch(bare.minutes.name)
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / bare.minutes.name]


def test_new_minutes_replace_the_old_file_once_committed(
    put, meeting, settings, django_capture_on_commit_callbacks
):
    first = meeting.minutes.name
    replacement = pdf_bytes(extra_object=b"<< /Title (Notulen, perbaikan) >>")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = put(meeting, minutes_upload(replacement))
        assert (settings.PRIVATE_MEDIA_ROOT / first).exists()  # a rollback still points at it
    for callback in callbacks:
        callback()

    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.minutes.name != first
    assert stored_bytes(meeting) == replacement
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / meeting.minutes.name]


def test_a_refused_replacement_keeps_the_old_minutes(
    put, meeting, settings, django_capture_on_commit_callbacks
):
    first = meeting.minutes.name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = put(meeting, minutes_upload(pdf_bytes()[:300]))

    assert response.status_code == 400
    assert list(response.json()) == ["minutes"]
    assert callbacks == []
    meeting.refresh_from_db()
    assert meeting.minutes.name == first
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / first]


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_only_owner_and_manager_attach_minutes(request, put, meeting, settings, who):
    first = meeting.minutes.name

    response = put(meeting, minutes_upload(), user=request.getfixturevalue(who))

    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.minutes.name == first
    assert private_files(settings) == [settings.PRIVATE_MEDIA_ROOT / first]


def test_minutes_cannot_be_attached_to_another_cooperatives_meeting(
    user_client, cooperative, owner, settings
):
    other = CooperativeFactory()
    theirs = rat_held(other, MembershipFactory(cooperative=other, role="owner").user)

    response = user_client(owner).put(
        minutes_url(theirs, cooperative), {"minutes": minutes_upload()}, format="multipart"
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.minutes
    assert private_files(settings) == []


# ---------------------------------------------------------------- the admin


def test_the_admin_links_the_minutes_to_their_download_view(admin_client, meeting):
    response = admin_client.get(f"/admin/market/ratmeeting/{meeting.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{minutes_url(meeting)}"' in page
    assert meeting.minutes.name not in page
    assert "minutes" not in response.context["adminform"].form.fields  # no unchecked upload
    assert admin_client.get(minutes_url(meeting)).status_code == 200


def test_the_admin_lists_which_meetings_have_minutes(admin_client, cooperative, owner, meeting):
    rat_held(cooperative, owner, held_on=datetime.date(2025, 3, 1))

    response = admin_client.get("/admin/market/ratmeeting/")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('alt="True"') == 1
    assert page.count('alt="False"') == 1
