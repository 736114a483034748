"""Spreadsheets for the bulk upload tests: the template filled in with openpyxl, as people do."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from catalog.services.bulk import COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def product_rows(count: int, *, category: str = "kopi-teh", prefix: str = "Kopi") -> list[dict]:
    """`count` rows of one-variant products, all correct."""
    return [
        {"name": f"{prefix} Uji {n}", "description": "Sangrai sedang", "category": category,
         "unit": "pack", "weight_grams": 250, "status": "active",
         "sku": f"{prefix.upper()}-{n:04d}", "variant_name": "250 g", "price": 20_000 + n,
         "stock": n}
        for n in range(1, count + 1)
    ]


def filled(template: bytes, rows: list[dict]) -> bytes:
    """The template with its example row replaced by `rows` (missing columns left empty)."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["Produk"]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append([row.get(column) for column in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "produk.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)
