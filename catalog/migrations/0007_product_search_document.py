"""The SQLite search document: Snowball Indonesian stems of name and description.

Filled here for the products that exist; catalog.search.product_search_refresh()
keeps it from then on. PostgreSQL never reads it (it searches search_vector),
so there it stays empty.
"""

from django.db import migrations, models
from django.db.models.functions import Left

# The function is registered on every SQLite connection by CatalogConfig.ready().
from catalog.search import ToSearchDocument

DESCRIPTION_MAX_LENGTH = 5_000  # as catalog.models.PRODUCT_DESCRIPTION_MAX_LENGTH today


def fill_search_documents(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    Product = apps.get_model("catalog", "Product")
    Product.objects.using(schema_editor.connection.alias).update(
        search_document=ToSearchDocument("name", Left("description", DESCRIPTION_MAX_LENGTH))
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_reviews")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_document",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop),
    ]
