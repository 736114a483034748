"""Ship the real regions: Kalimantan Barat > Bengkayang > its 17 kecamatan.

Codes follow the Kemendagri scheme (Kepmendagri 050-145/2022), not BPS's:
see market/data/regions.csv.
"""

import csv
from pathlib import Path

from django.db import migrations

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


def load_regions(apps, schema_editor):
    Region = apps.get_model("market", "Region")
    with REGIONS_CSV.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            parent_code = row["code"].rpartition(".")[0]
            Region.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "level": row["level"],
                    "parent": Region.objects.get(code=parent_code) if parent_code else None,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial")]

    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
