"""Bulk upload of new products from a spreadsheet: the template, the check, the apply.

One row per variant; rows with the same product name make one product, whose values
(description, category, unit, weight, status) come from its first row. Every row is
checked with the rules product_create applies (product_values_problems) before anything
is kept; a file with any error is refused whole and nothing is saved. A checked file is
kept (private storage) until staff apply it: all its products in one transaction, in the
request for a small file, by the worker for a large one.
"""

import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from catalog.models import Category, Product, ProductImport
from catalog.services.products import product_create, product_values_problems, skus_taken
from catalog.tasks import product_import_apply_task
from events.outbox import outbox_enqueue
from market.errors import Conflict, DomainError, InvalidInput
from market.models import Cooperative, User
from market.policies import ensure, is_cooperative_staff
from market.spreadsheets import Column, sheet_write, workbook_new

logger = logging.getLogger(__name__)

# The columns, in the template's order; a file may order them differently (read by header).
COLUMNS = ("name", "description", "category", "unit", "weight_grams", "status",
           "sku", "variant_name", "price", "stock")
PRODUCT_COLUMNS = ("description", "category", "unit", "weight_grams", "status")
NUMBER_COLUMNS = frozenset({"weight_grams", "price", "stock"})
LOWERCASE_COLUMNS = frozenset({"category", "unit", "status"})
DEFAULTS = {"description": "", "unit": Product.Unit.PCS, "weight_grams": 0,
            "status": Product.Status.DRAFT}
# product_values_problems' names for a variant's fields -> the file's columns.
VARIANT_COLUMN = {"sku": "sku", "name": "variant_name", "price": "price", "stock": "stock"}

MAX_ROWS = 1_000  # rows of variants in one file
MAX_LINES_READ = 5 * MAX_ROWS  # blank lines included: a file past this is refused, never read on
MAX_COLUMNS_READ = 50
MAX_FILE_BYTES = 2 * 1024 * 1024  # a full 1,000-row file is well under 100 KB
# What the workbook may unpack to: a zip bomb is refused before openpyxl reads it.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
IN_REQUEST_MAX_ROWS = 100  # larger files are applied by the worker
MAX_ERRORS_KEPT = 200  # a file wrong everywhere is not listed cell by cell
TEMPLATE_ROWS = MAX_ROWS + 1  # how far down the template's drop-down lists reach
PROGRESS_EVERY = 10  # products between two progress writes
PROGRESS_TIMEOUT = 60 * 60


@dataclass(frozen=True)
class RowError:
    """One problem of an uploaded file: its row (None: the whole file), column and message."""

    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(InvalidInput):
    """The file cannot be applied: `errors` says where (the first few), `total` how many."""

    code = "import_rejected"
    default_message = gettext_lazy("The file has errors; nothing was saved.")

    def __init__(self, errors: list[RowError]):
        self.errors = errors[:MAX_ERRORS_KEPT]
        self.total = len(errors)
        super().__init__(fields={"file": [_format(error) for error in self.errors]})


class ImportNotChecked(Conflict):
    code = "import_not_checked"
    default_message = gettext_lazy("This file is being applied or was applied already.")


@dataclass
class ProductRows:
    """The rows of one product of the file: its first row's number, and its values."""

    first_row: int
    values: dict
    rows: list[int] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ImportCheck:
    """What a file holds once read and checked: the products, or what is wrong."""

    products: list[ProductRows]
    errors: list[RowError]
    row_count: int

    @property
    def variant_count(self) -> int:
        return sum(len(product.variants) for product in self.products)


def _format(error: RowError) -> str:
    if error.row is None:
        return error.message
    return _("Row %(row)d, %(column)s: %(message)s") % {
        "row": error.row, "column": error.column, "message": error.message}


# ---------------------------------------------------------------- the template


def product_import_template() -> Workbook:
    """The workbook to fill in: a "Produk" sheet with the header and an example row, drop-down
    lists of the categories (the "Kategori" sheet: slug and name), units and statuses."""
    workbook = workbook_new()
    products = workbook.create_sheet("Produk")
    categories = workbook.create_sheet("Kategori")
    listed = list(Category.objects.order_by("slug", "pk").values_list("slug", "name"))
    example = listed[0][0] if listed else ""
    products.freeze_panes = "A2"
    choices = {
        "C": f"=Kategori!$A$2:$A${len(listed) + 1}",
        "D": '"' + ",".join(Product.Unit.values) + '"',
        "F": f'"{Product.Status.DRAFT},{Product.Status.ACTIVE}"',
    }
    for column, formula in choices.items():
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{column}2:{column}{TEMPLATE_ROWS}")
        products.data_validations.append(validation)
    products.append(list(COLUMNS))
    products.append([
        _("Ground robusta coffee"), _("Roasted and ground by our members."), example,
        Product.Unit.PACK, 250, Product.Status.DRAFT, "KOPI-250", "250 g", 25_000, 40,
    ])
    sheet_write(categories, [Column("slug"), Column("name")], listed)
    return workbook


# ---------------------------------------------------------------- reading and checking


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_number(value) -> int | None:
    """The cell as a whole number; None when empty; ValueError when it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise ValueError(value)
    return int(text)


def _file_problem(upload) -> str | None:
    """Why the upload cannot be an XLSX workbook worth opening, if it cannot."""
    if upload.size > MAX_FILE_BYTES:
        return _("The file is larger than %d MB.") % (MAX_FILE_BYTES // (1024 * 1024))
    upload.seek(0)
    if not zipfile.is_zipfile(upload):
        return _("This is not an XLSX file: save it from the template as an Excel workbook.")
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_UNPACKED_BYTES:
                return _("The workbook is too large once unpacked.")
    except (zipfile.BadZipFile, OSError):  # passes is_zipfile, breaks on its directory
        return _("This is not an XLSX file: save it from the template as an Excel workbook.")
    finally:
        upload.seek(0)
    return None


def _read_rows(upload) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The non-empty rows of the first sheet as (row number, {column: value}), or the errors."""
    problem = _file_problem(upload)
    if problem:
        return [], [RowError(None, "", problem)]
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever a broken workbook makes openpyxl raise
        logger.info("An uploaded workbook could not be opened", exc_info=True)
        return [], [RowError(None, "", _("The file could not be read as an XLSX workbook."))]
    try:
        return _rows_of(workbook.worksheets[0])
    except Exception:  # noqa: BLE001 - a sheet openpyxl opened but cannot parse
        logger.info("An uploaded workbook could not be read", exc_info=True)
        return [], [RowError(None, "", _("The file could not be read as an XLSX workbook."))]
    finally:
        workbook.close()


def _rows_of(sheet) -> tuple[list[tuple[int, dict]], list[RowError]]:
    # A sheet may claim any size in its <dimension>: openpyxl would pad every row to it,
    # and blank rows cost as much to read as full ones, so both are bounded.
    sheet.reset_dimensions()
    lines = sheet.iter_rows(values_only=True, max_row=MAX_LINES_READ + 1, max_col=MAX_COLUMNS_READ)
    header = [_cell_text(value).lower() for value in next(lines, ())]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        return [], [RowError(1, column, _("This column is missing; start from the template."))
                    for column in missing]
    positions = {column: header.index(column) for column in COLUMNS}
    rows = []
    for number, line in enumerate(lines, start=2):
        values = {column: line[index] if index < len(line) else None
                  for column, index in positions.items()}
        blank = all(_cell_text(value) == "" for value in values.values())
        if number > MAX_LINES_READ or (not blank and len(rows) == MAX_ROWS):
            return [], [RowError(None, "", _("At most %d rows in one file; split it.") % MAX_ROWS)]
        if not blank:
            rows.append((number, values))
    if not rows:
        return [], [RowError(None, "", _("The file has no rows below the header."))]
    return rows, []


def _parsed(number: int, raw: dict) -> tuple[dict, list[RowError]]:
    """A row's cells as the values product_create takes (defaults for empty product cells)."""
    values, errors = {}, []
    for column in COLUMNS:
        if column in NUMBER_COLUMNS:
            try:
                values[column] = _cell_number(raw[column])
            except ValueError:
                errors.append(RowError(number, column, _("Must be a whole number.")))
                values[column] = None
        else:
            text = _cell_text(raw[column])
            values[column] = text.lower() if column in LOWERCASE_COLUMNS else text
    return values, errors


def _grouped(rows: Iterable[tuple[int, dict]]) -> tuple[list[ProductRows], list[RowError]]:
    """Rows of the same product name (whatever the case) as one product each, in file order."""
    products: dict[str, ProductRows] = {}
    errors = []
    for number, raw in rows:
        values, cell_errors = _parsed(number, raw)
        errors.extend(cell_errors)
        if not values["name"]:
            errors.append(RowError(number, "name", _("This field is required.")))
            continue
        key = values["name"].casefold()
        product = products.get(key)
        if product is None:
            product = products[key] = ProductRows(first_row=number, values={
                "name": values["name"],
                **{column: DEFAULTS[column] if values[column] in ("", None) else values[column]
                   for column in PRODUCT_COLUMNS},
            })
        else:
            for column in PRODUCT_COLUMNS:
                if values[column] not in ("", None) and values[column] != product.values[column]:
                    errors.append(RowError(number, column, _(
                        "Differs from row %d, where this product starts: leave it empty "
                        "or write the same.") % product.first_row))
        product.rows.append(number)
        product.variants.append({"sku": values["sku"], "name": values["variant_name"],
                                 "price": values["price"], "stock": values["stock"]})
    return list(products.values()), errors


def _checked(*, cooperative: Cooperative, upload) -> ImportCheck:
    rows, errors = _read_rows(upload)
    if errors:
        return ImportCheck(products=[], errors=errors, row_count=0)
    products, errors = _grouped(rows)
    # Once for the whole file, whatever its length.
    categories = Category.objects.in_bulk(field_name="slug")
    in_use = skus_taken(cooperative_id=cooperative.pk,
                        skus={variant["sku"] for product in products
                              for variant in product.variants})
    unreadable = {(error.row, error.column) for error in errors}
    first_row_of_sku: dict[str, tuple[int, int]] = {}  # sku -> (row, product index)
    for index, product in enumerate(products):
        problems = product_values_problems(
            **product.values, variants=product.variants,
            categories=categories, skus_in_use=in_use,
        )
        for name, message in problems.fields.items():
            column = name if name in COLUMNS else "name"
            errors.append(RowError(product.first_row, column, message))
        for position, variant_problems in problems.variants.items():
            for name, message in variant_problems.items():
                location = (product.rows[position], VARIANT_COLUMN[name])
                if location not in unreadable:  # "required" after "not a number" says nothing
                    errors.append(RowError(*location, message))
        for number, variant in zip(product.rows, product.variants, strict=True):
            earlier = first_row_of_sku.setdefault(variant["sku"], (number, index))
            if variant["sku"] and earlier[1] != index:
                errors.append(RowError(number, "sku", _(
                    "Also in row %d: SKUs must differ from each other.") % earlier[0]))
    errors.sort(key=lambda error: (error.row or 0, COLUMNS.index(error.column)
                                   if error.column in COLUMNS else -1))
    return ImportCheck(products=products, errors=errors, row_count=len(rows))


def product_import_check(*, actor: User, cooperative: Cooperative, upload) -> ImportCheck:
    """Read an uploaded workbook and check every row; saves nothing."""
    ensure(is_cooperative_staff(actor, cooperative))
    return _checked(cooperative=cooperative, upload=upload)


@transaction.atomic
def product_import_create(
    *, actor: User, cooperative: Cooperative, upload: UploadedFile
) -> ProductImport:
    """Staff upload a filled template: kept for applying if every row passes, else refused whole."""
    check = product_import_check(actor=actor, cooperative=cooperative, upload=upload)
    if check.errors:
        raise ImportRejected(check.errors)
    product_import = ProductImport(
        cooperative=cooperative, created_by=actor, row_count=check.row_count,
        product_count=len(check.products),
    )
    upload.seek(0)
    product_import.file.save("import.xlsx", upload, save=False)  # under a random name
    product_import.save()
    return product_import


# ---------------------------------------------------------------- applying


@transaction.atomic
def product_import_apply(*, actor: User, product_import: ProductImport) -> ProductImport:
    """Staff apply a checked file: now if it is small, else the worker does (progress shown)."""
    ensure(is_cooperative_staff(actor, product_import.cooperative))
    locked = ProductImport.objects.select_for_update().get(pk=product_import.pk)
    if locked.status != ProductImport.Status.CHECKED:
        raise ImportNotChecked()
    locked.status = ProductImport.Status.APPLYING
    locked.save(update_fields=["status"])
    if locked.row_count > IN_REQUEST_MAX_ROWS:
        outbox_enqueue(product_import_apply_task, import_pk=locked.pk)
        return locked
    return product_import_run(import_pk=locked.pk)


@transaction.atomic
def product_import_run(*, import_pk: int) -> ProductImport:
    """Create the products of an import being applied, all or none; safe to run twice."""
    product_import = (ProductImport.objects.select_for_update(of=("self",))
                      .select_related("cooperative", "created_by").get(pk=import_pk))
    if product_import.status != ProductImport.Status.APPLYING:
        return product_import
    current_row = None
    try:
        with transaction.atomic():  # the products, all or none; the outcome is kept either way
            with product_import.file.open("rb") as upload:
                # Checked again: a SKU may have been taken, a category removed, since.
                check = _checked(cooperative=product_import.cooperative, upload=upload)
            if check.errors:
                raise ImportRejected(check.errors)
            for done, product in enumerate(check.products, start=1):
                current_row = product.first_row
                product_create(actor=product_import.created_by,
                               cooperative=product_import.cooperative,
                               **product.values, variants=product.variants)
                if done % PROGRESS_EVERY == 0:
                    _progress_write(product_import, done)
    except ImportRejected as error:
        _finish(product_import, ProductImport.Status.FAILED,
                errors=[each.as_dict() for each in error.errors])
    except DomainError as error:  # a refusal the check could not foresee (a race, a role removed)
        messages = [str(message) for messages in (error.fields or {"": error.message}).values()
                    for message in (messages if isinstance(messages, list) else [messages])]
        _finish(product_import, ProductImport.Status.FAILED,
                errors=[RowError(current_row, "", message).as_dict() for message in messages])
    else:
        _finish(product_import, ProductImport.Status.APPLIED, done=product_import.product_count)
    return product_import


@transaction.atomic
def product_import_give_up(*, import_pk: int, error: str) -> ProductImport:
    """The worker gave up on the file (it crashed or timed out each time): failed, no products."""
    product_import = ProductImport.objects.select_for_update().get(pk=import_pk)
    if product_import.status == ProductImport.Status.APPLYING:
        logger.error("Product import %s failed for good: %s", import_pk, error)
        _finish(product_import, ProductImport.Status.FAILED, errors=[RowError(
            None, "", _("The file could not be applied; try again, or split it.")).as_dict()])
    return product_import


def _finish(product_import: ProductImport, status: str, *, done: int = 0,
            errors: list[dict] | None = None) -> None:
    product_import.status = status
    product_import.done_count = done
    product_import.errors = errors or []
    product_import.finished_at = timezone.now()
    product_import.save(update_fields=["status", "done_count", "errors", "finished_at"])
    transaction.on_commit(lambda: _progress_forget(product_import))


# The products are created in one transaction, so no other connection sees them (nor a
# counter in the row) before the end: the count so far goes through the cache instead.


def _progress_key(product_import: ProductImport) -> str:
    # The file's random name too: a key never outlives its import into another's.
    return f"catalog:product-import:{product_import.pk}:{product_import.file.name}:done"


def _progress_write(product_import: ProductImport, done: int) -> None:
    try:
        cache.set(_progress_key(product_import), done, PROGRESS_TIMEOUT)
    except Exception:  # noqa: BLE001 - the cache down costs the progress bar, not the import
        logger.warning("Progress of product import %s not written", product_import.pk,
                       exc_info=True)


def _progress_forget(product_import: ProductImport) -> None:
    try:
        cache.delete(_progress_key(product_import))
    except Exception:  # noqa: BLE001
        logger.warning("Progress of product import %s not cleared", product_import.pk,
                       exc_info=True)


def product_import_done_count(product_import: ProductImport) -> int:
    """The products created so far: while it is applied, what the worker last reported."""
    if product_import.status != ProductImport.Status.APPLYING:
        return product_import.done_count
    try:
        return int(cache.get(_progress_key(product_import)) or 0)
    except Exception:  # noqa: BLE001
        return 0

