"""PostgreSQL search support: pg_trgm, a GIN index on the full-text document and
a trigram GIN index on names. SQLite has neither and needs neither."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("product_search_vector_gin", "USING gin (search_vector)"),
    ("product_name_trgm_gin", "USING gin (name gin_trgm_ops)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON catalog_product {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
