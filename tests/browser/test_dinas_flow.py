"""A dinas officer's month in Chromium, in English: a sale made through checkout and a
confirmed bank transfer shows on the dashboard and the sales page, the XLSX downloaded
holds the figure shown, a pending cooperative is verified from the queue; every dinas
page checked with axe; the headline fits a phone. And the README's screenshot of the
dashboard (SCREENSHOTS_FOR_README=1).
"""

import datetime
import os

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from market.models import Cooperative
from market.monitoring import Figures, sales_figures_add
from market.services.cooperatives import rat_record
from market.templatetags.money import rupiah
from payments.services import payment_confirm_transfer
from tests.browser.checks import assert_nothing_overflows, axe_check, save_small_png, screenshot
from tests.browser.flows import cooperative_with_shipping, finance_staff, product_on_sale
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
    category,
    checkout_placed,
    district,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEDO = "61.07.03"  # Sanggau Ledo, a kecamatan of Bengkayang


def officer_of(*codes: str):
    return DinasOfficerFactory(regions=[district(code) for code in codes],
                               user=UserFactory(name="Agustina Lim", language="en")).user


def dinas_menu(page, name: str):
    """A link of the dinas pages' own menu (the header has a "Cooperatives" too)."""
    return page.get_by_role("navigation", name="Dinas dashboard").get_by_role("link", name=name)


def sale_paid_by_transfer() -> tuple[Cooperative, int]:
    """Two bags of a Ledo cooperative bought and paid by a bank transfer finance confirmed:
    the order_paid event feeds the day's sales figures. Returns the cooperative and the
    rupiah paid (shipping included)."""
    cooperative = cooperative_with_shipping(name="Koperasi Produsen Kopi Ledo",
                                            district_code=LEDO,
                                            shipping=[("Kurir Ledo", 10_000)])
    coffee = product_on_sale(cooperative, name="Kopi Robusta Ledo", category="kopi-teh",
                             variants=[("250 g", 35_000)])
    checkout = checkout_placed(UserFactory(), [(coffee.variants.get(), 2)])
    payment_confirm_transfer(actor=finance_staff(), payment=checkout.payment)
    return cooperative, checkout.payment.amount


def test_an_officer_reads_the_month_downloads_it_and_verifies_a_cooperative(
    page, open_page, log_in, tmp_path
):
    cooperative, paid = sale_paid_by_transfer()
    CooperativeFactory(name="Koperasi Wanita Tenun Ledo", slug="tenun-ledo",
                       region=district(LEDO), status=Cooperative.Status.PENDING)
    officer = officer_of(LEDO)
    log_in(page, officer)

    # The headline: this month's sale against nothing last month.
    page.goto("/dinas/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The month at a glance")
    net = page.locator("#month-net")
    expect(net.get_by_role("cell").nth(0)).to_have_text(rupiah(paid))
    expect(page.locator("#count-registered")).to_have_text("2")
    expect(page.get_by_role("img", name="Net sales of the last 12 months")).to_be_visible()
    axe_check(page)
    screenshot(page, "dinas-dashboard")

    # The sales page: the cooperative's row, its chart, and the same figure in the XLSX.
    dinas_menu(page, "Sales").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales")
    row = page.locator("#sales-table tbody tr").filter(has_text=cooperative.name)
    shown_net = row.get_by_role("cell").last
    expect(shown_net).to_have_text(rupiah(paid))
    chart = page.get_by_role("img", name="The top 1 by net sales")
    expect(chart).to_be_hidden()
    page.get_by_text("Chart of the top rows by net sales").click()
    expect(chart).to_be_visible()
    expect(chart).to_contain_text(rupiah(paid))
    axe_check(page)
    screenshot(page, "dinas-sales")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    today = timezone.localdate()
    month = month_span(today)
    assert download.value.suggested_filename == f"penjualan_semua-wilayah_{month}.xlsx"
    sheet = load_workbook(saved).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rupiah(rows[cooperative.name][-1]) == shown_net.inner_text()

    # The registry, the cooperative's page and the report form: readable and checked.
    dinas_menu(page, "Cooperatives").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The registry of cooperatives")
    axe_check(page)
    page.get_by_role("link", name=cooperative.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cooperative.name)
    expect(page.locator("tr").filter(has_text=today.strftime("%B %Y")).first).to_contain_text(
        rupiah(paid))
    axe_check(page)
    dinas_menu(page, "Monthly report").click()
    expect(page.get_by_label("Region")).to_have_value(LEDO)
    axe_check(page)
    page.get_by_label("Month").fill(today.strftime("%Y-%m"))
    with page.expect_download() as report:
        page.get_by_role("button", name="Download the report (XLSX)").click()
    assert report.value.suggested_filename == (
        f"laporan-bulanan_{LEDO}_{today:%Y-%m}.xlsx")

    # The queue: the pending cooperative verified with a note.
    dinas_menu(page, "Verification queue").click()
    pending = page.locator("#pending-tenun-ledo")
    expect(pending.get_by_role("heading")).to_have_text("Koperasi Wanita Tenun Ledo")
    axe_check(page)
    pending.get_by_label("Verified").check()
    pending.get_by_label("Note to the cooperative").fill("Akta dan NIK sesuai.")
    pending.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text("Koperasi Wanita Tenun Ledo is now verified.")
    expect(page.locator("#queue-empty")).to_be_visible()
    axe_check(page)
    verified = Cooperative.objects.get(slug="tenun-ledo")
    assert verified.status == Cooperative.Status.VERIFIED
    assert verified.status_changed_by == officer

    # On a phone the headline fits the screen.
    phone = open_page(phone=True)
    log_in(phone, officer)
    for path in ("/dinas/", "/dinas/sales/"):
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert_nothing_overflows(phone)


def month_span(day: datetime.date) -> str:
    """The sales file's period of the page's default: the month of `day`."""
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return f"{start.isoformat()}_{end.isoformat()}"


# ---------------------------------------------------------------- the README's screenshot


README_COOPERATIVES = [  # name, kecamatan, monthly net in rupiah at its start, growth per month
    ("Koperasi Produsen Kopi Ledo", "61.07.03", 18_500_000, 0.04),
    ("Koperasi Pengrajin Jagoi Babang", "61.07.07", 9_200_000, 0.06),
    ("Koperasi Tani Makmur Seluas", "61.07.05", 12_800_000, 0.02),
    ("Koperasi Wanita Anyaman Seluas", "61.07.05", 4_100_000, 0.08),
    ("Koperasi Lada Putih Sanggau Ledo", "61.07.03", 7_600_000, 0.03),
]


def readme_figures() -> None:
    """A year of sales of five cooperatives of Bengkayang, added as the sale events add
    them (DailySales and MonthlySales), a dormant one and two waiting for the dinas."""
    today = timezone.localdate()
    month = today.replace(day=1)
    months = []
    for _step in range(12):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    kopi = category("kopi-teh").pk
    for number, (name, code, start, growth) in enumerate(README_COOPERATIVES):
        cooperative = CooperativeFactory(name=name, region=district(code))
        if number % 2 == 0:  # three of the five held their RAT this year
            rat_record(actor=MembershipFactory(cooperative=cooperative, role="owner").user,
                       cooperative=cooperative, attendance=48 + number,
                       members_total=60 + number * 3,
                       held_on=min(today, today.replace(month=1, day=1)
                                   + datetime.timedelta(days=40 + number * 9)))
        for age, first in enumerate(reversed(months)):
            gross = int(start * (1 + growth) ** age * (1.12 if first.month == 12 else 1))
            day = min(first + datetime.timedelta(days=14), today)
            with transaction.atomic():
                sales_figures_add({(day, cooperative.pk, kopi): Figures(
                    orders=gross // 150_000, items=gross // 60_000, gross=gross,
                    refunds=gross // 40)})
    CooperativeFactory(name="Koperasi Simpan Pinjam Lumar", region=district("61.07.09"))
    for name in ("Koperasi Karet Teriak", "Koperasi Madu Hutan Siding"):
        CooperativeFactory(name=name, region=district("61.07.03"),
                           status=Cooperative.Status.PENDING)


def test_the_readme_screenshot_shows_the_dinas_dashboard(page, log_in):
    if os.environ.get("SCREENSHOTS_FOR_README") != "1":
        pytest.skip("writes docs/screenshots/ only when SCREENSHOTS_FOR_README=1")
    readme_figures()
    officer = officer_of("61.07.03", "61.07.05", "61.07.07", "61.07.09")
    officer.language = "id"  # the README shows the office's own language
    officer.save(update_fields=["language"])
    log_in(page, officer)

    page.goto("/dinas/")
    expect(page.locator("svg.chart")).to_be_visible()
    save_small_png(page.screenshot(), "dinas-dashboard.png")
