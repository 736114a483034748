"""Categories that fit cooperative products (names in Bahasa Indonesia)."""

from django.db import migrations

CATEGORIES = {
    ("makanan-minuman", "Makanan & Minuman"): [
        ("kopi-teh", "Kopi & Teh"),
        ("gula-aren-madu", "Gula Aren & Madu"),
        ("makanan-olahan", "Makanan Olahan"),
    ],
    ("hasil-perkebunan", "Hasil Perkebunan"): [
        ("lada", "Lada"),
        ("karet", "Karet"),
        ("kelapa-sawit", "Kelapa Sawit"),
        ("kakao", "Kakao"),
    ],
    ("kerajinan", "Kerajinan"): [
        ("anyaman", "Anyaman Rotan & Bambu"),
        ("tenun-kain", "Tenun & Kain"),
    ],
    ("perikanan", "Perikanan"): [
        ("ikan-segar", "Ikan Segar"),
        ("ikan-olahan", "Ikan Asin & Olahan"),
    ],
    ("pertanian", "Pertanian"): [
        ("beras", "Beras"),
        ("sayur-buah", "Sayur & Buah"),
        ("bibit-pupuk", "Bibit & Pupuk"),
    ],
    ("jasa", "Jasa"): [
        ("jasa-angkutan", "Jasa Angkutan"),
        ("jasa-wisata", "Jasa Wisata"),
    ],
}


def load_categories(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    for (slug, name), children in CATEGORIES.items():
        parent, _created = Category.objects.update_or_create(slug=slug, defaults={"name": name})
        for child_slug, child_name in children:
            Category.objects.update_or_create(
                slug=child_slug, defaults={"name": child_name, "parent": parent}
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_indexes")]

    operations = [migrations.RunPython(load_categories, migrations.RunPython.noop)]
