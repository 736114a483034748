import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.db.models.fields.files import FieldFile

from events.models import Event
from market.models import Membership, User
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_reads_english(admin_user):
    """The admin's messages are checked in their msgids: the admin chose English."""
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])

ADMIN_PAGES = [
    "/admin/market/user/", "/admin/market/region/", "/admin/market/cooperative/",
    "/admin/market/membership/", "/admin/market/dinasofficer/", "/admin/market/ratmeeting/",
    "/admin/market/invitation/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_lists_search_and_filter(admin_client, url):
    MembershipFactory(cooperative=CooperativeFactory(name="Koperasi Karet Teriak"))
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Teriak"}).status_code == 200


def test_admin_verify_action_goes_through_the_service(admin_client):
    pending = CooperativeFactory(status="pending")
    response = admin_client.post(
        "/admin/market/cooperative/",
        {"action": "verify_selected", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "verified"
    assert pending.status_changed_by is not None


# ---------------------------------------------------------------- memberships keep an owner


def _form_data(response) -> dict:
    """What the admin's change page would post back unchanged: its form and inline forms."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or (isinstance(value, FieldFile) and not value):  # no file
                continue
            data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def _membership_row(data: dict, membership) -> str:
    """The prefix of the membership's row in the cooperative page's inline."""
    for key, value in data.items():
        if key.endswith("-id") and str(value) == str(membership.pk):
            return key.removesuffix("-id")
    raise AssertionError(f"no inline row for {membership}")


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_admin_cannot_delete_the_last_owner(admin_client):
    owner = MembershipFactory(role="owner")
    response = admin_client.post(f"/admin/market/membership/{owner.pk}/delete/", {"post": "yes"},
                                 follow=True)

    assert response.status_code == 200
    assert any("last owner" in message for message in _messages(response))
    assert Membership.objects.filter(pk=owner.pk).exists()
    assert not Event.objects.filter(kind="member_removed").exists()


def test_the_admin_deletes_an_owner_through_the_service_when_another_stays(admin_client):
    owner = MembershipFactory(role="owner")
    MembershipFactory(cooperative=owner.cooperative, role="owner")
    response = admin_client.post(f"/admin/market/membership/{owner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=owner.pk).exists()
    assert Event.objects.get(kind="member_removed").data["user"] == owner.user_id


def test_the_admin_cannot_demote_the_last_owner(admin_client):
    owner = MembershipFactory(role="owner")
    url = f"/admin/market/membership/{owner.pk}/change/"
    response = admin_client.post(url, {"role": "staff"}, follow=True)

    assert any("last owner" in message for message in _messages(response))
    owner.refresh_from_db()
    assert owner.role == "owner"
    assert not Event.objects.filter(kind="member_role_changed").exists()


def test_the_admin_demotes_an_owner_when_another_stays(admin_client):
    owner = MembershipFactory(role="owner")
    MembershipFactory(cooperative=owner.cooperative, role="owner")
    response = admin_client.post(f"/admin/market/membership/{owner.pk}/change/",
                                 {"role": "manager"})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.role == "manager"
    event = Event.objects.get(kind="member_role_changed")
    assert (event.data["previous_role"], event.data["role"]) == ("owner", "manager")


def test_the_admin_bulk_removal_keeps_one_owner(admin_client):
    first = MembershipFactory(role="owner")
    second = MembershipFactory(cooperative=first.cooperative, role="owner")
    listing = admin_client.get("/admin/market/membership/")
    actions = dict(listing.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions  # it would delete without the rule
    assert "remove_selected" in actions

    response = admin_client.post(
        "/admin/market/membership/",
        {"action": "remove_selected", "_selected_action": [first.pk, second.pk]}, follow=True,
    )

    assert response.status_code == 200
    assert Membership.objects.filter(cooperative=first.cooperative).count() == 1
    assert any("last owner" in message for message in _messages(response))


def test_the_cooperative_inline_cannot_remove_or_demote_the_last_owner(admin_client):
    owner = MembershipFactory(role="owner")
    staff = MembershipFactory(cooperative=owner.cooperative, role="staff")
    url = f"/admin/market/cooperative/{owner.cooperative.pk}/change/"
    data = _form_data(admin_client.get(url))
    row = _membership_row(data, owner)

    deleted = admin_client.post(url, {**data, f"{row}-DELETE": "on"}, follow=True)
    demoted = admin_client.post(url, {**data, f"{row}-role": "staff"}, follow=True)

    for response in (deleted, demoted):
        assert any("last owner" in message for message in _messages(response))
    assert sorted(Membership.objects.values_list("pk", "role")) == sorted(
        [(owner.pk, "owner"), (staff.pk, "staff")]
    )


def test_the_cooperative_inline_hands_ownership_over_in_one_save(admin_client):
    owner = MembershipFactory(role="owner")
    staff = MembershipFactory(cooperative=owner.cooperative, role="staff")
    url = f"/admin/market/cooperative/{owner.cooperative.pk}/change/"
    data = _form_data(admin_client.get(url))
    owner_row, staff_row = _membership_row(data, owner), _membership_row(data, staff)

    response = admin_client.post(
        url, {**data, f"{owner_row}-DELETE": "on", f"{staff_row}-role": "owner"}
    )

    assert response.status_code == 302, response.context and response.context.get("errors")
    assert list(Membership.objects.values_list("pk", "role")) == [(staff.pk, "owner")]
    assert Event.objects.filter(kind__in=["member_role_changed", "member_removed"]).count() == 2


# ---------------------------------------------------------------- deleting a user keeps an owner


def test_the_admin_cannot_delete_a_cooperatives_last_owner(admin_client):
    owner = MembershipFactory(role="owner", cooperative=CooperativeFactory(name="Koperasi Ledo"))
    url = f"/admin/market/user/{owner.user_id}/delete/"

    page = admin_client.get(url)
    response = admin_client.post(url, {"post": "yes"}, follow=True)

    for answer in (page, response):
        assert answer.status_code == 200
        assert any("last owner of Koperasi Ledo" in message for message in _messages(answer))
    assert User.objects.filter(pk=owner.user_id).exists()
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_the_admin_deletes_an_owner_when_another_owner_stays(admin_client):
    owner = MembershipFactory(role="owner")
    other = MembershipFactory(cooperative=owner.cooperative, role="owner")
    staff = MembershipFactory(cooperative=owner.cooperative, role="staff")

    response = admin_client.post(f"/admin/market/user/{owner.user_id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=owner.user_id).exists()
    assert sorted(Membership.objects.values_list("pk", flat=True)) == [other.pk, staff.pk]


def test_the_admin_deletes_a_member_who_is_not_an_owner(admin_client):
    staff = MembershipFactory(role="staff")
    MembershipFactory(cooperative=staff.cooperative, role="owner")

    response = admin_client.post(f"/admin/market/user/{staff.user_id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=staff.user_id).exists()


def _bulk_delete(admin_client, users):
    return admin_client.post(
        "/admin/market/user/",
        {"action": "delete_selected", "_selected_action": [user.pk for user in users],
         "post": "yes"},
        follow=True,
    )


def test_the_admin_bulk_delete_refuses_all_when_one_is_a_last_owner(admin_client):
    last_owner = MembershipFactory(role="owner").user
    nobody = UserFactory()

    response = _bulk_delete(admin_client, [last_owner, nobody])

    assert response.status_code == 200
    assert any("last owner" in message for message in _messages(response))
    assert User.objects.filter(pk__in=[last_owner.pk, nobody.pk]).count() == 2
    assert Membership.objects.filter(user=last_owner).exists()


def test_the_admin_bulk_delete_cannot_take_both_owners_of_a_cooperative(admin_client):
    """Each has another owner when looked at alone; deleting both would leave none."""
    first = MembershipFactory(role="owner")
    second = MembershipFactory(cooperative=first.cooperative, role="owner")

    response = _bulk_delete(admin_client, [first.user, second.user])

    assert response.status_code == 200
    assert any("last owner" in message for message in _messages(response))
    assert sorted(Membership.objects.values_list("pk", flat=True)) == [first.pk, second.pk]
    assert User.objects.filter(pk__in=[first.user_id, second.user_id]).count() == 2
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()  # no deletion logged


def test_the_admin_bulk_delete_deletes_users_who_leave_an_owner(admin_client):
    owner = MembershipFactory(role="owner")
    MembershipFactory(cooperative=owner.cooperative, role="owner")
    nobody = UserFactory()

    response = _bulk_delete(admin_client, [owner.user, nobody])

    assert response.status_code == 200
    assert not User.objects.filter(pk__in=[owner.user_id, nobody.pk]).exists()
    assert Membership.objects.filter(cooperative=owner.cooperative, role="owner").count() == 1


def test_deleting_a_last_owner_is_refused_by_the_service_itself():
    from market.errors import LastOwnerAccount
    from market.services import members

    owner = MembershipFactory(role="owner")

    with pytest.raises(LastOwnerAccount):
        members.user_delete(user=owner.user)

    assert Membership.objects.filter(pk=owner.pk).exists()


def test_rat_meetings_are_read_only_in_the_admin(admin_client):
    """Only rat_record (the API) records a RAT: it also keeps the cooperative's last RAT date."""
    assert admin_client.get("/admin/market/ratmeeting/add/").status_code == 403
