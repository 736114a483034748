"""A cooperative's owner runs the staff, RAT, shipping and profile pages of the back office
in Chromium, in English (the owner's language), with axe on every page."""

import pytest
from playwright.sync_api import expect

from market.models import Invitation, RatMeeting
from tests.browser.checks import assert_nothing_overflows, axe_check, screenshot
from tests.catalog.uploads import image_bytes
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory
from tests.payments.test_proof_files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def heading(page):
    return page.get_by_role("heading", level=1)


def status_says(page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def test_an_owner_invites_staff_records_a_rat_adds_shipping_and_edits_the_profile(
    page, log_in, open_page
):
    cooperative = CooperativeFactory(name="Koperasi Kopi Sanggau Ledo", slug="kopi-ledo")
    owner = MembershipFactory(cooperative=cooperative, role="owner",
                              user=UserFactory(name="Yosef Ledo", language="en")).user
    log_in(page, owner)
    office = f"/office/{cooperative.slug}"

    # The staff: an invitation, pending until the invitee accepts it.
    page.goto(f"{office}/team/")
    expect(heading(page)).to_have_text("Staff")
    page.get_by_label("E-mail").fill("kasir@example.com")
    page.get_by_label("Role").select_option("staff")
    page.get_by_role("button", name="Send the invitation").click()
    expect(status_says(page, "Invitation sent to kasir@example.com.")).to_be_visible()
    expect(page.locator("#invitations").get_by_role("row").filter(has_text="kasir@example.com")
           ).to_be_visible()
    assert Invitation.objects.get(cooperative=cooperative).status == "pending"
    axe_check(page)
    screenshot(page, "office-team")

    # A RAT with its minutes, downloadable from the list.
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="RAT").click()
    expect(heading(page)).to_have_text("Annual members' meetings (RAT)")
    page.get_by_label("Held on").fill("2025-03-15")
    page.get_by_label("Members present").fill("84")
    page.get_by_label("Members in total").fill("120")
    page.get_by_label("Notes").fill("Laporan pengurus 2024 diterima.")
    page.get_by_label("Minutes (PDF)").set_input_files(
        {"name": "notulen-rat.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_role("button", name="Record the RAT").click()
    expect(status_says(page, "The RAT of 15 March 2025 is recorded.")).to_be_visible()
    row = page.locator("#meetings").get_by_role("row").filter(has_text="15 March 2025")
    expect(row).to_contain_text("84")
    minutes = row.get_by_role("link", name="Download (PDF)")
    download = page.request.get(minutes.get_attribute("href"))
    assert download.ok
    assert download.body().startswith(b"%PDF-")
    assert RatMeeting.objects.get(cooperative=cooperative).minutes
    axe_check(page)
    screenshot(page, "office-rat")

    # A shipping option, at its fee.
    page.goto(f"{office}/shipping/")
    page.get_by_label("Name").fill("Kurir Ledo")
    page.get_by_label("Kind").select_option("courier")
    page.get_by_label("Fee (rupiah)").fill("15000")
    page.get_by_role("button", name="Add").click()
    expect(status_says(page, "“Kurir Ledo” is offered to buyers now.")).to_be_visible()
    expect(page.locator("#shipping-options").get_by_role("row").filter(has_text="Kurir Ledo")
           ).to_contain_text("Rp15.000")
    axe_check(page)

    # The profile, then the logo.
    page.goto(f"{office}/profile/")
    page.get_by_label("Description").fill("Robusta Sanggau Ledo, disangrai sendiri.")
    page.get_by_label("Members", exact=True).fill("120")
    page.get_by_role("button", name="Save the profile").click()
    expect(status_says(page, "The profile is saved.")).to_be_visible()
    expect(page.get_by_label("Description")).to_have_value(
        "Robusta Sanggau Ledo, disangrai sendiri.")
    page.get_by_label("Logo (JPEG, PNG or WebP)").set_input_files(
        {"name": "logo.png", "mimeType": "image/png",
         "buffer": image_bytes("PNG", size=(240, 240), color="#3e7b4f")}
    )
    page.get_by_role("button", name="Upload the logo").click()
    expect(status_says(page, "The new logo is shown.")).to_be_visible()
    expect(page.get_by_role("img", name="Logo of Koperasi Kopi Sanggau Ledo")).to_be_visible()
    axe_check(page)

    # On a phone, the staff and RAT pages fit the screen.
    phone = open_page(phone=True)
    log_in(phone, owner)
    for section in ("team", "rat"):
        phone.goto(f"{office}/{section}/")
        assert_nothing_overflows(phone)
