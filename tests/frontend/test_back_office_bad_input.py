"""Input that once made the back-office and dinas pages answer 500: each now refused plainly."""

import io
import zipfile

import pytest
from django.core.cache import cache

from catalog.models import Product, ProductImport
from catalog.services import product_import_template
from catalog.services.bulk import COLUMNS
from market.models import Membership
from tests.catalog.bulk_files import filled, product_rows, upload
from tests.factories import DinasOfficerFactory, MembershipFactory, UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client):
    membership = MembershipFactory(role=Membership.Role.OWNER, user__language="en")
    client.force_login(membership.user)
    client.cooperative = membership.cooperative
    return client


def workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """The real template, filled, with its first sheet replaced by `sheet_xml`."""
    template = io.BytesIO()
    product_import_template().save(template)
    source = zipfile.ZipFile(io.BytesIO(filled(template.getvalue(), product_rows(1))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            archive.writestr(item.filename,
                             sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def test_a_sheet_claiming_a_huge_size_with_endless_blank_rows_is_refused_unread(owner_client):
    header = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.encode() for c in COLUMNS)
    blank_rows = b"".join(b'<row r="%d"/>' % number for number in range(3, 20_003))
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">' + header + b"</row>"
             + blank_rows + b"</sheetData></worksheet>")
    response = owner_client.post(f"/office/{owner_client.cooperative.slug}/bulk/",
                                 {"file": upload(workbook_with_sheet(sheet))})
    assert response.status_code == 400
    assert "At most 1000 rows in one file" in response.content.decode()
    assert not ProductImport.objects.exists()


def test_a_zip_whose_directory_is_broken_is_not_an_xlsx(owner_client):
    good = io.BytesIO()
    product_import_template().save(good)
    content = bytearray(good.getvalue())
    directory = content.rfind(b"PK\x01\x02")
    content[directory:directory + 4] = b"XX\x01\x02"  # the end record survives: is_zipfile passes
    response = owner_client.post(f"/office/{owner_client.cooperative.slug}/bulk/",
                                 {"file": upload(bytes(content))})
    assert response.status_code == 400
    assert not ProductImport.objects.exists()
    assert not Product.objects.exists()


def test_bulk_uploads_count_against_the_upload_limit(owner_client, settings):
    cache.clear()  # the counts of earlier tests' users
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "upload.user": "1/hour"}
    url = f"/office/{owner_client.cooperative.slug}/bulk/"
    content = filled(_template_bytes(), product_rows(1))
    assert owner_client.post(url, {"file": upload(content)}).status_code == 302
    assert owner_client.post(url, {"file": upload(content)}).status_code == 429
    assert ProductImport.objects.count() == 1


def _template_bytes() -> bytes:
    out = io.BytesIO()
    product_import_template().save(out)
    return out.getvalue()


def test_a_non_ascii_digit_as_a_member_id_is_not_found(owner_client):
    response = owner_client.post(f"/office/{owner_client.cooperative.slug}/team/",
                                 {"action": "remove", "id": "²"})
    assert response.status_code == 302
    assert Membership.objects.filter(cooperative=owner_client.cooperative).count() == 1


@pytest.fixture
def officer_client(client):
    officer = UserFactory()
    DinasOfficerFactory(user=officer, regions=[district("61.07.04")])
    client.force_login(officer)
    return client


@pytest.mark.parametrize("query", [{"from": "9999-12-15"}, {"to": "0001-01-01"}])
def test_a_date_at_the_calendars_edge_is_a_message_not_a_crash(officer_client, query):
    assert officer_client.get("/dinas/sales/", query).status_code in (200, 400)


def test_a_month_of_year_zero_is_refused(officer_client):
    response = officer_client.get("/dinas/report/", {"month": "0000-01"})
    assert response.status_code in (200, 400)
    assert response["Content-Type"].startswith("text/html")
