"""Bulk product upload from the XLSX template: the template, the check of every row, applying."""

import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from catalog.models import Category, Product, ProductImport, Variant
from catalog.services import (
    ImportRejected,
    product_create,
    product_import_apply,
    product_import_check,
    product_import_create,
    product_import_done_count,
    product_import_run,
    product_import_template,
)
from catalog.services.bulk import COLUMNS, IN_REQUEST_MAX_ROWS, MAX_ROWS, ImportNotChecked
from catalog.tasks import product_import_apply_task
from events.models import OutboxTask
from events.outbox import outbox_run
from market.errors import InvalidInput, NotAllowed
from tests.catalog.bulk_files import filled, product_rows, upload
from tests.factories import MembershipFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The checks' messages are compared in English (the msgids)."""
    with translation.override("en"):
        yield


def template_bytes() -> bytes:
    out = io.BytesIO()
    product_import_template().save(out)
    return out.getvalue()


def file_of(rows: list[dict]):
    return upload(filled(template_bytes(), rows))


def rejected(staff, cooperative, rows) -> list[tuple[int | None, str]]:
    """Where the check found problems: (row, column) of each."""
    with pytest.raises(ImportRejected) as refusal:
        product_import_create(actor=staff, cooperative=cooperative, upload=file_of(rows))
    return [(error.row, error.column) for error in refusal.value.errors]


def nothing_saved(cooperative) -> bool:
    return (not Product.objects.filter(cooperative=cooperative).exists()
            and not ProductImport.objects.filter(cooperative=cooperative).exists())


# ---------------------------------------------------------------- the template


def test_the_template_has_the_columns_an_example_row_and_the_categories_to_choose_from():
    workbook = load_workbook(io.BytesIO(template_bytes()))
    products, categories = workbook["Produk"], workbook["Kategori"]

    rows = list(products.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) == 2  # the example
    listed = [row[0] for row in categories.iter_rows(min_row=2, values_only=True)]
    assert listed == sorted(Category.objects.values_list("slug", flat=True))
    assert rows[1][COLUMNS.index("category")] in listed
    lists = {str(validation.sqref): validation.formula1
             for validation in products.data_validations.dataValidation}
    assert lists[f"C2:C{MAX_ROWS + 1}"] == f"=Kategori!$A$2:$A${len(listed) + 1}"
    assert '"kg,pcs,liter,pack"' in lists.values()


def test_the_example_row_of_the_template_passes_the_check(staff, cooperative):
    check = product_import_check(actor=staff, cooperative=cooperative,
                                 upload=upload(template_bytes()))
    assert check.errors == []
    assert check.row_count == 1


# ---------------------------------------------------------------- applying


def test_fifty_rows_of_the_filled_template_become_fifty_products(staff, cooperative):
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(product_rows(50)))
    assert (product_import.status, product_import.row_count, product_import.product_count) == (
        ProductImport.Status.CHECKED, 50, 50)
    assert not Product.objects.filter(cooperative=cooperative).exists()  # checked, not applied

    product_import = product_import_apply(actor=staff, product_import=product_import)

    assert (product_import.status, product_import_done_count(product_import)) == (
        ProductImport.Status.APPLIED, 50)
    products = Product.objects.filter(cooperative=cooperative)
    assert products.count() == 50
    seventh = products.get(name="Kopi Uji 7")
    assert (seventh.category.slug, seventh.unit, seventh.weight_grams, seventh.status,
            seventh.price) == ("kopi-teh", "pack", 250, "active", 20_007)
    assert list(seventh.variants.values_list("sku", "name", "price", "stock")) == [
        ("KOPI-0007", "250 g", 20_007, 7)]


def test_rows_with_the_same_product_name_make_one_product_with_its_variants(staff, cooperative):
    rows = [
        {"name": "Lada Putih", "category": "kopi-teh", "sku": "LADA-100", "variant_name": "100 g",
         "price": 15_000, "stock": 5, "status": "active"},
        {"name": "lada putih", "sku": "LADA-250", "variant_name": "250 g", "price": 32_000,
         "stock": 3},
    ]
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(rows))
    product_import_apply(actor=staff, product_import=product_import)

    product = Product.objects.get(cooperative=cooperative)
    assert (product.name, product.price, product.status, product.unit) == (
        "Lada Putih", 15_000, "active", "pcs")
    assert sorted(product.variants.values_list("sku", flat=True)) == ["LADA-100", "LADA-250"]


def test_a_product_value_that_differs_within_a_product_is_reported(staff, cooperative):
    rows = [
        {"name": "Lada", "category": "kopi-teh", "sku": "L-1", "variant_name": "a", "price": 1,
         "stock": 1},
        {"name": "Lada", "category": "lada", "sku": "L-2", "variant_name": "b", "price": 1,
         "stock": 1},
    ]
    assert rejected(staff, cooperative, rows) == [(3, "category")]
    assert nothing_saved(cooperative)


@pytest.mark.parametrize(("bad", "column"), [
    ({"category": "tidak-ada"}, "category"),
    ({"price": -5_000}, "price"),
    ({"price": "dua puluh ribu"}, "price"),
    ({"price": None}, "price"),
    ({"stock": 2.5}, "stock"),
    ({"unit": "karung"}, "unit"),
    ({"status": "archived"}, "status"),
    ({"sku": ""}, "sku"),
    ({"variant_name": "x" * 101}, "variant_name"),
    ({"weight_grams": -1}, "weight_grams"),
])
def test_one_bad_row_is_reported_with_its_row_and_column_and_nothing_is_saved(
    staff, cooperative, bad, column
):
    rows = product_rows(50)
    rows[19].update(bad)  # the 20th product: row 21 under the header

    assert rejected(staff, cooperative, rows) == [(21, column)]
    assert nothing_saved(cooperative)


def test_a_sku_twice_in_the_file_is_reported_at_its_second_row(staff, cooperative):
    rows = product_rows(10)
    rows[6]["sku"] = rows[2]["sku"]

    with pytest.raises(ImportRejected) as refusal:
        product_import_create(actor=staff, cooperative=cooperative, upload=file_of(rows))

    [error] = refusal.value.errors
    assert (error.row, error.column) == (8, "sku")
    assert "row 4" in error.message
    assert nothing_saved(cooperative)


def test_a_sku_the_cooperative_already_uses_is_reported(staff, cooperative):
    ProductFactory(cooperative=cooperative, variants=[{"sku": "KOPI-0003"}])
    before = Variant.objects.count()

    assert rejected(staff, cooperative, product_rows(5)) == [(4, "sku")]
    assert Variant.objects.count() == before
    assert not ProductImport.objects.exists()


def test_another_cooperatives_skus_do_not_count(staff, cooperative):
    ProductFactory(variants=[{"sku": "KOPI-0003"}])
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(product_rows(5)))
    assert product_import.status == ProductImport.Status.CHECKED


def test_the_fixed_file_applies_after_the_rejected_one(staff, cooperative):
    rows = product_rows(50)
    rows[9]["category"] = "tidak-ada"
    assert rejected(staff, cooperative, rows) == [(11, "category")]

    rows[9]["category"] = "kopi-teh"
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(rows))
    product_import_apply(actor=staff, product_import=product_import)

    assert Product.objects.filter(cooperative=cooperative).count() == 50


def test_every_bad_row_is_listed_not_only_the_first(staff, cooperative):
    rows = product_rows(30)
    for index in (3, 12, 25):
        rows[index]["price"] = 0
    assert rejected(staff, cooperative, rows) == [(5, "price"), (14, "price"), (27, "price")]


def test_the_check_uses_the_rules_of_product_create(staff, cooperative):
    """The API's service refuses what the file check refuses, for the same field."""
    rows = product_rows(1)
    rows[0]["price"] = -1
    assert rejected(staff, cooperative, rows) == [(2, "price")]
    with pytest.raises(InvalidInput) as refusal:
        product_create(actor=staff, cooperative=cooperative, name="Kopi", category="kopi-teh",
                       variants=[{"sku": "K", "name": "1", "price": -1, "stock": 1}])
    assert "price" in refusal.value.fields["variants"][0]


# ---------------------------------------------------------------- files that are not right


@pytest.mark.parametrize("content", [
    b"name,category\nKopi,kopi-teh\n",  # a CSV
    b"PK\x03\x04 broken",  # the start of a zip, cut off
    b"",
])
def test_a_file_that_is_not_an_xlsx_workbook_is_refused_with_a_message(staff, cooperative,
                                                                       content):
    with pytest.raises(ImportRejected) as refusal:
        product_import_create(actor=staff, cooperative=cooperative, upload=upload(content))
    [error] = refusal.value.errors
    assert (error.row, "XLSX" in error.message) == (None, True)
    assert nothing_saved(cooperative)


def test_a_zip_that_is_not_a_workbook_is_refused(staff, cooperative):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ImportRejected):
        product_import_create(actor=staff, cooperative=cooperative, upload=upload(out.getvalue()))
    assert nothing_saved(cooperative)


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(staff, cooperative):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"a" * (30 * 1024 * 1024))
    with pytest.raises(ImportRejected) as refusal:
        product_import_create(actor=staff, cooperative=cooperative, upload=upload(out.getvalue()))
    assert "unpacked" in refusal.value.errors[0].message


def test_more_rows_than_allowed_are_refused(staff, cooperative):
    with pytest.raises(ImportRejected) as refusal:
        product_import_create(actor=staff, cooperative=cooperative,
                              upload=file_of(product_rows(MAX_ROWS + 1)))
    assert str(MAX_ROWS) in refusal.value.errors[0].message
    assert nothing_saved(cooperative)


def test_a_file_without_a_column_of_the_template_is_refused(staff, cooperative):
    workbook = load_workbook(io.BytesIO(template_bytes()))
    workbook["Produk"].delete_cols(COLUMNS.index("price") + 1)
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(ImportRejected) as refusal:
        product_import_create(actor=staff, cooperative=cooperative, upload=upload(out.getvalue()))
    assert [(e.row, e.column) for e in refusal.value.errors] == [(1, "price")]


def test_an_empty_template_is_refused(staff, cooperative):
    with pytest.raises(ImportRejected):
        product_import_create(actor=staff, cooperative=cooperative, upload=file_of([]))


# ---------------------------------------------------------------- who, and when


def test_someone_not_on_the_cooperatives_staff_can_neither_check_nor_apply(cooperative, staff):
    outsider = MembershipFactory(role="owner").user
    with pytest.raises(NotAllowed):
        product_import_create(actor=outsider, cooperative=cooperative,
                              upload=file_of(product_rows(3)))
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(product_rows(3)))
    with pytest.raises(NotAllowed):
        product_import_apply(actor=outsider, product_import=product_import)
    product_import.refresh_from_db()
    assert product_import.status == ProductImport.Status.CHECKED
    assert not Product.objects.exists()


def test_a_file_is_applied_once(staff, cooperative):
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(product_rows(3)))
    product_import_apply(actor=staff, product_import=product_import)
    with pytest.raises(ImportNotChecked):
        product_import_apply(actor=staff, product_import=product_import)
    product_import_run(import_pk=product_import.pk)  # a twin delivery of the task
    assert Product.objects.filter(cooperative=cooperative).count() == 3


def test_a_sku_taken_between_the_check_and_the_apply_fails_the_whole_file(staff, cooperative):
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(product_rows(5)))
    ProductFactory(cooperative=cooperative, variants=[{"sku": "KOPI-0004"}])

    product_import = product_import_apply(actor=staff, product_import=product_import)

    assert product_import.status == ProductImport.Status.FAILED
    assert [(e["row"], e["column"]) for e in product_import.errors] == [(5, "sku")]
    assert Product.objects.filter(cooperative=cooperative).count() == 1  # only the other one


# ---------------------------------------------------------------- the worker


def test_a_large_file_is_applied_by_the_worker_and_its_progress_counts_up(
    staff, cooperative, django_capture_on_commit_callbacks
):
    count = IN_REQUEST_MAX_ROWS + 50
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(product_rows(count)))
    with django_capture_on_commit_callbacks() as sent:
        product_import = product_import_apply(actor=staff, product_import=product_import)

    # Until the worker runs: waiting, nothing created.
    assert product_import.status == ProductImport.Status.APPLYING
    assert product_import_done_count(product_import) == 0
    assert not Product.objects.filter(cooperative=cooperative).exists()

    for send in sent:  # the outbox hands the task over; tests run it in-process
        send()

    product_import.refresh_from_db()
    assert (product_import.status, product_import.done_count) == (
        ProductImport.Status.APPLIED, count)
    assert Product.objects.filter(cooperative=cooperative).count() == count
    # What a page polling during the run read last: the worker's count of products made.
    product_import.status = ProductImport.Status.APPLYING
    assert product_import_done_count(product_import) == count


# ---------------------------------------------------------------- cost


def test_checking_a_file_runs_as_many_queries_for_200_rows_as_for_10(staff, cooperative):
    def queries(rows: int) -> int:
        content = file_of(product_rows(rows))
        with CaptureQueriesContext(connection) as captured:
            check = product_import_check(actor=staff, cooperative=cooperative, upload=content)
        assert check.errors == []
        return len(captured)

    assert queries(200) == queries(10) <= 4


def test_a_file_the_worker_gives_up_on_ends_failed_with_no_products(
    staff, cooperative, django_capture_on_commit_callbacks
):
    product_import = product_import_create(actor=staff, cooperative=cooperative,
                                           upload=file_of(product_rows(IN_REQUEST_MAX_ROWS + 1)))
    with django_capture_on_commit_callbacks() as sent:
        product_import_apply(actor=staff, product_import=product_import)
    product_import.file.storage.delete(product_import.file.name)  # the worker cannot read it

    for send in sent:
        send()
    row = OutboxTask.objects.get(name=product_import_apply_task.name)
    while row.status == OutboxTask.Status.PENDING:  # the re-sender's later attempts
        outbox_run(outbox_pk=row.pk)
        row.refresh_from_db()

    product_import.refresh_from_db()
    assert (row.status, product_import.status) == (OutboxTask.Status.FAILED,
                                                   ProductImport.Status.FAILED)
    assert product_import.errors[0]["row"] is None
    assert not Product.objects.filter(cooperative=cooperative).exists()
