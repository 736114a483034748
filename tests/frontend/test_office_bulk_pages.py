"""The back office's bulk upload pages (template, check, apply, progress), with the test client."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from catalog.models import Product, ProductImport
from catalog.services import product_import_create, product_import_template
from catalog.services.bulk import COLUMNS, IN_REQUEST_MAX_ROWS
from market.models import Cooperative, User
from tests.catalog.bulk_files import XLSX, filled, product_rows, upload
from tests.factories import CooperativeFactory, MembershipFactory
from tests.frontend.conftest import OUTSIDERS, messages_of, page, queries_of

pytestmark = pytest.mark.django_db


def template_of(client, cooperative: Cooperative) -> bytes:
    response = client.get(reverse("frontend:office-bulk-template", args=[cooperative.slug]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def send(client, cooperative: Cooperative, content: bytes):
    return client.post(reverse("frontend:office-bulk", args=[cooperative.slug]),
                       {"file": upload(content)})


def checked_import(cooperative: Cooperative, staff: User, rows: int = 3) -> ProductImport:
    template = io.BytesIO()
    product_import_template().save(template)
    content = filled(template.getvalue(), product_rows(rows))
    return product_import_create(actor=staff, cooperative=cooperative, upload=upload(content))


def pages(cooperative: Cooperative, product_import: ProductImport) -> dict[str, str]:
    return {
        "bulk": reverse("frontend:office-bulk", args=[cooperative.slug]),
        "template": reverse("frontend:office-bulk-template", args=[cooperative.slug]),
        "job": reverse("frontend:office-bulk-job", args=[cooperative.slug, product_import.pk]),
    }


# ---------------------------------------------------------------- who may open the pages


@pytest.mark.parametrize("name", ["bulk", "template", "job"])
def test_anonymous_visitors_are_sent_to_log_in(client, cooperative, staff, name):
    response = client.get(pages(cooperative, checked_import(cooperative, staff))[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


@pytest.mark.parametrize("name", ["bulk", "template", "job"])
@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_but_the_staff_learns_the_pages_exist(as_user, cooperative, staff, outsider,
                                                     name, who):
    product_import = checked_import(cooperative, staff)
    client = as_user(outsider(who))
    assert client.get(pages(cooperative, product_import)[name]).status_code == 404
    assert client.post(pages(cooperative, product_import)["job"]).status_code == 404
    product_import.refresh_from_db()
    assert product_import.status == ProductImport.Status.CHECKED


@pytest.mark.parametrize("name", ["bulk", "template", "job"])
@pytest.mark.parametrize("who", ["owner", "manager", "staff", "platform_admin"])
def test_every_staff_member_and_the_platform_admin_use_the_pages(request, as_user, cooperative,
                                                                 staff, name, who):
    product_import = checked_import(cooperative, staff)
    client = as_user(request.getfixturevalue(who))
    assert client.get(pages(cooperative, product_import)[name]).status_code == 200


def test_another_cooperatives_upload_is_not_found_from_this_back_office(as_user, cooperative,
                                                                         staff):
    elsewhere = CooperativeFactory()
    theirs = checked_import(elsewhere, MembershipFactory(cooperative=elsewhere).user)
    client = as_user(staff)
    url = reverse("frontend:office-bulk-job", args=[cooperative.slug, theirs.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ProductImport.Status.CHECKED
    assert not Product.objects.exists()


# ---------------------------------------------------------------- the flow, without JavaScript


def test_the_page_offers_the_template_and_the_upload_form(as_user, cooperative, staff):
    html = page(as_user(staff).get(reverse("frontend:office-bulk", args=[cooperative.slug])))
    assert 'id="bulk-template"' in html
    assert '<label for="bulk-file">' in html
    assert 'enctype="multipart/form-data"' in html


def test_the_template_downloads_as_an_xlsx_with_the_columns(as_user, cooperative, staff):
    client = as_user(staff)
    response = client.get(reverse("frontend:office-bulk-template", args=[cooperative.slug]))
    assert response["Content-Type"] == XLSX
    name = f"produk_{cooperative.slug}.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert next(workbook["Produk"].iter_rows(values_only=True)) == COLUMNS
    assert workbook.sheetnames == ["Produk", "Kategori"]


def test_fifty_products_from_the_template_are_checked_then_applied(as_user, cooperative, staff):
    client = as_user(staff)
    response = send(client, cooperative, filled(template_of(client, cooperative),
                                                product_rows(50)))
    product_import = ProductImport.objects.get(cooperative=cooperative)
    job = reverse("frontend:office-bulk-job", args=[cooperative.slug, product_import.pk])
    assert (response.status_code, response["Location"]) == (302, job)
    preview = page(client.get(job))
    assert "50 rows make 50 products" in preview
    assert 'id="bulk-apply"' in preview
    assert not Product.objects.filter(cooperative=cooperative).exists()

    response = client.post(job)

    assert (response.status_code, response["Location"]) == (302, job)
    assert "50 products were added" in page(client.get(job))
    assert Product.objects.filter(cooperative=cooperative).count() == 50
    listed = page(client.get(reverse("frontend:office-products", args=[cooperative.slug]),
                             {"q": "KOPI-0050"}))
    assert "Kopi Uji 50" in listed


def test_a_bad_row_is_shown_with_its_row_and_column_and_nothing_is_saved(as_user, cooperative,
                                                                         staff):
    client = as_user(staff)
    rows = product_rows(50)
    rows[29]["price"] = -100
    response = send(client, cooperative, filled(template_of(client, cooperative), rows))

    assert response.status_code == 400
    html = page(response)
    assert 'id="bulk-errors"' in html
    assert "The file has 1 error; nothing was saved" in html
    assert '<td class="num">31</td>' in html
    assert "<code>price</code>" in html
    assert not Product.objects.exists()
    assert not ProductImport.objects.exists()


@pytest.mark.parametrize("content", [b"name;price\nKopi;1000\n", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_workbook_gets_a_message(as_user, cooperative, staff, content):
    response = send(as_user(staff), cooperative, content)
    assert response.status_code == 400
    assert "XLSX" in page(response)
    assert not ProductImport.objects.exists()


def test_the_form_without_a_file_asks_for_one(as_user, cooperative, staff):
    response = as_user(staff).post(reverse("frontend:office-bulk", args=[cooperative.slug]))
    assert response.status_code == 400
    assert 'id="bulk-file-error"' in page(response)


def test_an_applied_file_cannot_be_applied_again(as_user, cooperative, staff):
    product_import = checked_import(cooperative, staff)
    client = as_user(staff)
    job = reverse("frontend:office-bulk-job", args=[cooperative.slug, product_import.pk])
    client.post(job)

    response = client.post(job)

    assert response.status_code == 302
    assert messages_of(response) == ["This file is being applied or was applied already."]
    assert Product.objects.filter(cooperative=cooperative).count() == 3


# ---------------------------------------------------------------- the worker's progress


def test_a_large_file_shows_its_progress_until_the_worker_is_done(
    as_user, cooperative, staff, django_capture_on_commit_callbacks
):
    product_import = checked_import(cooperative, staff, rows=IN_REQUEST_MAX_ROWS + 20)
    client = as_user(staff)
    job = reverse("frontend:office-bulk-job", args=[cooperative.slug, product_import.pk])
    with django_capture_on_commit_callbacks() as sent:
        client.post(job)

    html = page(client.get(job))
    assert 'hx-trigger="every 2s"' in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert f'<progress id="bulk-progress" max="{IN_REQUEST_MAX_ROWS + 20}" value="0">' in html
    fragment = page(client.get(job, headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith("<div")
    assert "<h1>" not in fragment

    for callback in sent:
        callback()

    done = page(client.get(job, headers={"HX-Request": "true"}))
    assert f"{IN_REQUEST_MAX_ROWS + 20} products were added" in done
    assert "hx-trigger" not in done  # the polling stops
    assert Product.objects.filter(cooperative=cooperative).count() == IN_REQUEST_MAX_ROWS + 20


# ---------------------------------------------------------------- cost


def test_the_bulk_page_runs_as_many_queries_for_thirty_uploads_as_for_one(as_user, cooperative,
                                                                          staff):
    client = as_user(staff)
    url = reverse("frontend:office-bulk", args=[cooperative.slug])
    checked_import(cooperative, staff)
    one = queries_of(client, url)
    for _ in range(29):
        checked_import(cooperative, staff, rows=1)
    assert queries_of(client, url) == one


def test_the_job_page_runs_a_fixed_number_of_queries(as_user, cooperative, staff,
                                                     django_assert_max_num_queries):
    client = as_user(staff)
    product_import = checked_import(cooperative, staff, rows=30)
    with django_assert_max_num_queries(12):
        client.get(reverse("frontend:office-bulk-job", args=[cooperative.slug, product_import.pk]))
